import type * as pulumi from "@pulumi/pulumi";
import type { DedicatedEndpointArgs } from "../../../sdk/dedicated-endpoint";
import { defaultDisplayName, DISPLAY_NAME_MAX } from "../../../provider/resources/dedicated-endpoint/naming";
import {
  describeOffers,
  hourlyPriceUsd,
  judgeHardware,
  toOffers,
} from "../../../provider/resources/dedicated-endpoint/hardware";
import {
  DISPLAY_NAME,
  type DedicatedEndpointInputs,
  type DedicatedEndpointOutputs,
  type DedicatedEndpointSpec,
} from "../../../provider/resources/dedicated-endpoint/schema";
import {
  heading,
  planState,
  recordedState,
} from "../../../provider/resources/dedicated-endpoint/state-policy";
import {
  buildOutputs,
  refreshOutputs,
  scalePrice,
} from "../../../provider/resources/dedicated-endpoint/outputs";
import {
  createBody,
  patchBody,
  toLive,
  type LiveEndpoint,
} from "../../../provider/resources/dedicated-endpoint/live";
import { lifecycle } from "../../../provider/resources/dedicated-endpoint/lifecycle";
import { UNKNOWN, type ProviderContext } from "../../../provider/shared/types";

// The hand-written Args must stay the zod input type (displayName is optional in the SDK, which fills it in).
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
// A FineTuneJob given as model reaches the provider as its output model name, with baseModel beside it.
type SdkInputs = Omit<pulumi.Unwrap<DedicatedEndpointArgs>, "displayName" | "model"> & {
  displayName: string;
  model: string;
};
const argsMatchSchema: Same<SdkInputs, Omit<DedicatedEndpointInputs, "logicalName" | "baseModel">> = true;

describe("default display name", () => {
  test("readable when the parts are already lower-case [a-z0-9-]", () => {
    expect(argsMatchSchema).toBe(true);
    expect(defaultDisplayName("proj", "dev", "serve")).toBe("proj-dev-serve");
  });

  test("sanitizing adds a hash so per-branch stacks never collide", () => {
    const a = defaultDisplayName("proj", "feature_a", "serve");
    const b = defaultDisplayName("proj", "feature-a", "serve");
    const c = defaultDisplayName("proj", "Feature-A", "serve");
    expect(a).toMatch(/^proj-feature-a-serve-[0-9a-f]{8}$/);
    expect(b).toBe("proj-feature-a-serve");
    expect(new Set([a, b, c]).size).toBe(3);
    expect(defaultDisplayName("My App", "dev", "ep/1")).toMatch(/^my-app-dev-ep-1-[0-9a-f]{8}$/);
  });

  test("bounded to 60 characters with a hash when cut, distinct for long stack names", () => {
    const long = "feature-" + "x".repeat(80);
    const a = defaultDisplayName("proj", long + "-a", "serve");
    const b = defaultDisplayName("proj", long + "-b", "serve");
    for (const n of [a, b]) {
      expect(n.length).toBeLessThanOrEqual(DISPLAY_NAME_MAX);
      expect(n).toMatch(/^[a-z0-9-]+-[0-9a-f]{8}$/);
      expect(n).toMatch(DISPLAY_NAME);
    }
    expect(a).not.toBe(b);
  });

  test("part boundaries matter and symbols-only names still give a valid name", () => {
    expect(defaultDisplayName("a-b", "c", "d")).toBe("a-b-c-d");
    expect(defaultDisplayName("a", "b-c", "d")).toBe("a-b-c-d");
    expect(defaultDisplayName("a_", "b", "c")).not.toBe(defaultDisplayName("a", "_b", "c"));
    expect(defaultDisplayName("!!", "??", "**")).toMatch(/^[0-9a-f]{8}$/);
  });
});

describe("hardware and price", () => {
  const offers = toOffers([
    {
      id: "1x_nvidia_h100_80gb_sxm",
      pricing: { cents_per_minute: 6.65 },
      availability: { status: "available" },
    },
    {
      id: "2x_nvidia_h100_80gb_sxm",
      pricing: { cents_per_minute: 13.3 },
      availability: { status: "insufficient" },
    },
    { id: "1x_nvidia_l40s_48gb_pcie", pricing: { cents_per_minute: 2.5 } },
  ]);

  test("hourly price is cents per minute x 60 x max replicas / 100", () => {
    expect(hourlyPriceUsd(6.65, 1)).toBe(3.99);
    expect(hourlyPriceUsd(6.65, 3)).toBe(11.97);
    expect(hourlyPriceUsd(13.3, 0)).toBe(0);
    expect(scalePrice(7.98, 2, 1)).toBe(3.99);
  });

  test("judges offered and available hardware", () => {
    expect(judgeHardware(offers, "1x_nvidia_h100_80gb_sxm", true)).toMatchObject({ ok: true });
    expect(judgeHardware(offers, "2x_nvidia_h100_80gb_sxm", true)).toMatchObject({
      ok: false,
      problem: "unavailable",
    });
    // An existing endpoint keeps its hardware through a capacity shortage.
    expect(judgeHardware(offers, "2x_nvidia_h100_80gb_sxm", false)).toMatchObject({ ok: true });
    expect(judgeHardware(offers, "8x_nvidia_h200_140gb_sxm", false)).toEqual({
      ok: false,
      problem: "not-offered",
    });
  });

  test("lists offers cheapest first with price and availability", () => {
    expect(describeOffers(offers)).toBe(
      "1x_nvidia_l40s_48gb_pcie ($1.50/h per replica), 1x_nvidia_h100_80gb_sxm ($3.99/h per replica, available), " +
        "2x_nvidia_h100_80gb_sxm ($7.98/h per replica, insufficient)",
    );
    expect(describeOffers([])).toBe("(none)");
  });
});

describe("state policy", () => {
  const on = { inactiveTimeoutMinutes: 60, waitForReady: true };
  const off = { inactiveTimeoutMinutes: 0, waitForReady: true };

  test("heading of each live state", () => {
    expect(["PENDING", "STARTING", "STARTED", "STOPPING", "STOPPED", "ERROR"].map(heading)).toEqual([
      "STARTED",
      "STARTED",
      "STARTED",
      "STOPPED",
      "STOPPED",
      undefined,
    ]);
  });

  test("auto-stop under an inactivity timeout is not drift; a stop without one is", () => {
    expect(recordedState("STARTED", "STOPPED", on)).toBe("STARTED");
    expect(recordedState("STARTED", "STOPPING", on)).toBe("STARTED");
    expect(recordedState("STARTED", "STOPPED", off)).toBe("STOPPED");
  });

  test("started by hand while declared stopped is drift, whatever the timeout", () => {
    expect(recordedState("STOPPED", "STARTED", on)).toBe("STARTED");
    expect(recordedState("STOPPED", "STOPPED", on)).toBe("STOPPED");
  });

  test("transitional and failed states are recorded as observed unless nothing waits", () => {
    expect(recordedState("STARTED", "STARTING", on)).toBe("STARTING");
    expect(recordedState("STARTING", "STARTED", on)).toBe("STARTED");
    expect(recordedState("STARTED", "ERROR", on)).toBe("ERROR");
    expect(recordedState("ERROR", "STARTED", on)).toBe("STARTED");
    expect(recordedState("STARTED", "PENDING", { ...on, waitForReady: false })).toBe("STARTED");
  });

  test("plans the PATCH and the wait", () => {
    expect(planState("STARTED", "STARTED", true)).toEqual({ target: "STARTED" });
    expect(planState("STARTED", "STARTING", true)).toEqual({ target: "STARTED" });
    expect(planState("STARTED", "STOPPED", true)).toEqual({ target: "STARTED", send: "STARTED" });
    expect(planState("STARTED", "STOPPED", false)).toEqual({ target: "STOPPED" });
    expect(planState("STARTED", "STOPPING", true)).toEqual({
      target: "STARTED",
      settleFirst: "STOPPED",
      send: "STARTED",
    });
    expect(planState("STARTED", "ERROR", true)).toEqual({ target: "STARTED", send: "STARTED" });
    expect(planState("STOPPED", "STARTED", false)).toEqual({ target: "STOPPED", send: "STOPPED" });
    expect(planState("STOPPED", "STOPPING", true)).toEqual({ target: "STOPPED" });
  });
});

const spec: DedicatedEndpointSpec = {
  logicalName: "ep",
  model: "Qwen/Qwen3-8B",
  hardware: "1x_nvidia_h100_80gb_sxm",
  autoscaling: { minReplicas: 1, maxReplicas: 2 },
  displayName: "proj-dev-ep",
  state: "STARTED",
  inactiveTimeoutMinutes: 30,
  disableSpeculativeDecoding: false,
  waitForReady: true,
  timeoutMinutes: 60,
  maxHourlyPriceUsd: 10,
};

const wire = {
  object: "endpoint",
  id: "endpoint-1",
  name: "emulator-user/Qwen3-8B-0a1b2c3d",
  display_name: "proj-dev-ep",
  model: "Qwen/Qwen3-8B",
  hardware: "1x_nvidia_h100_80gb_sxm",
  type: "dedicated",
  owner: "emulator-user",
  state: "STARTED",
  autoscaling: { min_replicas: 1, max_replicas: 2 },
  created_at: "2026-01-01T00:00:00.000Z",
};

describe("wire mapping and outputs", () => {
  test("create body sends the inactive timeout explicitly and omits an absent zone", () => {
    expect(createBody({ ...spec, inactiveTimeoutMinutes: 0 })).toEqual({
      model: "Qwen/Qwen3-8B",
      hardware: "1x_nvidia_h100_80gb_sxm",
      autoscaling: { min_replicas: 1, max_replicas: 2 },
      display_name: "proj-dev-ep",
      state: "STARTED",
      inactive_timeout: 0,
      disable_speculative_decoding: false,
    });
    expect(createBody({ ...spec, availabilityZone: "us-central-4b" }).availability_zone).toBe(
      "us-central-4b",
    );
    expect(patchBody({ state: "STOPPED", autoscaling: { minReplicas: 2, maxReplicas: 3 } })).toEqual({
      state: "STOPPED",
      autoscaling: { min_replicas: 2, max_replicas: 3 },
    });
  });

  test("an ERROR endpoint carries the server's reason", () => {
    const live = toLive({ ...wire, state: "ERROR", error_message: "out of capacity" });
    expect(live.errorMessage).toBe("out of capacity");
    expect(toLive(wire as never).errorMessage).toBeUndefined();
  });

  test("outputs echo every input, never hold undefined, and refresh follows the drift policy", () => {
    const live = toLive(wire);
    const outs = buildOutputs(spec, live, 7.98, "STARTED");
    expect(Object.values(outs).every((v) => v !== undefined)).toBe(true);
    expect(outs).toMatchObject({
      endpointId: "endpoint-1",
      hourlyPriceUsd: 7.98,
      maxHourlyPriceUsd: 10,
      schemaVersion: 1,
    });
    expect("availabilityZone" in outs).toBe(false);

    const rescaled: LiveEndpoint = { ...live, minReplicas: 1, maxReplicas: 1, state: "STOPPED" };
    const refreshed: DedicatedEndpointOutputs = refreshOutputs(outs, rescaled);
    expect(refreshed).toMatchObject({ state: "STARTED", liveState: "STOPPED", hourlyPriceUsd: 3.99 });
    expect(refreshed.autoscaling).toEqual({ minReplicas: 1, maxReplicas: 1 });
    expect(refreshOutputs({ ...outs, inactiveTimeoutMinutes: 0 }, rescaled).state).toBe("STOPPED");
  });
});

describe("diff", () => {
  const ctx = {} as ProviderContext;
  const olds = { ...buildOutputs(spec, toLive(wire), 7.98, "STARTED") } as Record<string, unknown>;
  const news = { ...spec, hourlyPriceUsd: 7.98 } as Record<string, unknown>;

  test("no change, in-place changes and create-before-delete replacements", async () => {
    expect(await lifecycle.diff("endpoint-1", olds, news, ctx)).toEqual({ changes: false });
    for (const change of [
      { autoscaling: { minReplicas: 1, maxReplicas: 3 } },
      { displayName: "renamed" },
      { state: "STOPPED" },
      { inactiveTimeoutMinutes: 0 },
      { timeoutMinutes: 5 },
      { waitForReady: false },
      { maxHourlyPriceUsd: 20 },
    ]) {
      expect(await lifecycle.diff("endpoint-1", olds, { ...news, ...change }, ctx)).toEqual({
        changes: true,
      });
    }
    for (const [field, value] of [
      ["model", "emulator-user/Qwen3-8B-ft-abcdef"],
      ["hardware", "2x_nvidia_h100_80gb_sxm"],
      ["availabilityZone", "us-central-4b"],
      ["disableSpeculativeDecoding", true],
    ] as const) {
      const d = await lifecycle.diff("endpoint-1", olds, { ...news, [field]: value }, ctx);
      expect(d).toEqual({ changes: true, replaces: [field] });
      expect(d.deleteBeforeReplace).toBeUndefined();
    }
  });

  test("a recorded non-converged state, an unknown model and a different adopted id", async () => {
    expect(await lifecycle.diff("endpoint-1", { ...olds, state: "STARTING" }, news, ctx)).toEqual({
      changes: true,
    });
    expect(await lifecycle.diff("endpoint-1", olds, { ...news, model: UNKNOWN }, ctx)).toEqual({
      changes: true,
      replaces: ["model"],
    });
    expect(await lifecycle.diff("endpoint-1", olds, { ...news, adoptEndpointId: "endpoint-1" }, ctx)).toEqual(
      {
        changes: false,
      },
    );
    expect(await lifecycle.diff("endpoint-1", olds, { ...news, adoptEndpointId: "endpoint-2" }, ctx)).toEqual(
      {
        changes: true,
        replaces: ["adoptEndpointId"],
      },
    );
    // Echoed outputs and computed fields are not inputs.
    expect(
      await lifecycle.diff("endpoint-1", olds, { ...news, hourlyPriceUsd: 1, logicalName: "x" }, ctx),
    ).toEqual({
      changes: false,
    });
  });
});
