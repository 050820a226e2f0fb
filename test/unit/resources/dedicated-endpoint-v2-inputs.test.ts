// DedicatedEndpoint's v2-only inputs, in-process against the emulator: autoscaling windows and metrics,
// placement, enableLora, inactiveTimeoutMinutes as v2's idle stop, the replica bounds, and DEGRADED during a
// wait. Each bad input fails check naming resource, field, value and fix (and creates nothing); good ones reach
// the wire, echo as declared (Together answers "300s" for "5m"), update in place or roll out a new deployment
// behind the same endpoint, and drift by hand is restored. Without a project every one of them fails preview.
import { type TogetherClient, TogetherError } from "../../../provider/client";
import { lifecycle } from "../../../provider/resources/dedicated-endpoint/lifecycle";
import { PartialFailureError } from "../../../provider/shared/partial-failure";
import type { Emulator } from "../../../emulator";
import { useV2Provider } from "./v2-provider";

const PROJECT = "proj_inputs";
const provider = useV2Provider(PROJECT);
const { context, checked, failures } = provider;
let emu: Emulator;
let client: TogetherClient;
beforeAll(() => {
  ({ emu, client } = provider);
});

const base = {
  logicalName: "ep",
  model: "Qwen/Qwen3-8B",
  hardware: "1x_nvidia_h100_80gb_sxm",
  displayName: "inputs-ep",
};
const v2 = () => client.endpointsV2!;
const deploymentPosts = (since: number) =>
  emu.requests.slice(since).filter((r) => r.method === "POST" && /\/deployments$/.test(r.path));

/** One failure on `property` whose reason names the resource, the field with its value, and a fix. */
const named = (property: string, value: string) => ({
  property,
  reason: expect.stringMatching(
    new RegExp(`^DedicatedEndpoint "ep": ${property.replace(/[[\].]/g, "\\$&")}.*${value}.*Fix: `),
  ),
});

describe("v2-only inputs are checked at preview", () => {
  test("windows, metrics, placement and replica bounds: resource, field, value, allowed and fix", async () => {
    const before = emu.summary();
    const a = (autoscaling: Record<string, unknown>) => failures({ ...base, autoscaling });
    expect(await a({ scaleUpWindow: "5 minutes" })).toEqual([
      named("autoscaling.scaleUpWindow", '"5 minutes"'),
    ]);
    expect(
      await a({ scalingMetrics: [{ name: "qps", target: 5, type: "METRIC_TARGET_TYPE_VALUE" }] }),
    ).toEqual([named("autoscaling.scalingMetrics[0].name", "qps")]);
    const bad = (await a({ scalingMetrics: [{ name: "ttft", target: 5, type: "VALUE" }] }))[0]!;
    expect(bad.property).toBe("autoscaling.scalingMetrics[0].type");
    expect(bad.reason).toContain("METRIC_TARGET_TYPE_AVERAGE_VALUE");
    expect(
      await a({
        scalingMetrics: [
          { name: "gpu_utilization", target: 150, type: "METRIC_TARGET_TYPE_UTILIZATION", percentile: "p95" },
        ],
      }),
    ).toEqual([
      named("autoscaling.scalingMetrics[0].percentile", '"p95".*e2e_latency or ttft'),
      named("autoscaling.scalingMetrics[0].target", "150.*0 to 100"),
    ]);
    expect(
      (
        await a({
          scalingMetrics: [{ name: "ttft", target: 1, type: "METRIC_TARGET_TYPE_VALUE", percentile: "p42" }],
        })
      )[0]?.reason,
    ).toMatch(/percentile.*p42.*p50.*p99/);
    expect(await a({ minReplicas: 1, maxReplicas: 65 })).toEqual([
      named("autoscaling.maxReplicas", "65.*1 to 64"),
    ]);
    expect(
      await failures({ ...base, inactiveTimeoutMinutes: 30, autoscaling: { scaleToZeroWindow: "1h" } }),
    ).toEqual([named("autoscaling.scaleToZeroWindow", '"1h".*inactiveTimeoutMinutes')]);
    expect(await failures({ ...base, placement: { profile: "pp_eu", regions: ["eu-north-1"] } })).toEqual([
      named("placement.profile", '"pp_eu".*placement.regions'),
    ]);
    // Asked of Together at preview: the profile must exist, required regions must offer the hardware.
    expect(await failures({ ...base, placement: { profile: "pp_nowhere" } })).toEqual([
      named("placement.profile", '"pp_nowhere".*pp_us \\(us-only\\), pp_eu'),
    ]);
    expect(await failures({ ...base, placement: { regions: ["ap-south-1"] } })).toEqual([
      named("placement.regions", "ap-south-1.*us-central-1"),
    ]);
    // No capacity left where it may run (Together says exactly 0): more than 0 replicas cannot start.
    emu.control.setHardwareAvailability("1x_nvidia_h100_80gb_sxm", "unavailable");
    try {
      expect(await failures(base)).toEqual([named("autoscaling.minReplicas", "1.*room for only 0")]);
      expect(await failures({ ...base, state: "STOPPED" })).toEqual([]);
    } finally {
      emu.control.setHardwareAvailability("1x_nvidia_h100_80gb_sxm", "available");
    }
    expect(emu.summary()).toMatchObject({
      v2EndpointsLive: before.v2EndpointsLive,
      deploymentsLive: before.deploymentsLive,
    });
  });

  test("without a project each v2-only input fails preview: v2 only, set together:projectId", async () => {
    const v1 = context(null).ctx;
    const f = await failures(
      {
        ...base,
        placement: { profile: "pp_eu" },
        enableLora: true,
        autoscaling: { minReplicas: 1, scaleUpWindow: "1m", scalingMetrics: [] },
      },
      v1,
    );
    expect(f.map((x) => x.property)).toEqual([
      "placement",
      "enableLora",
      "autoscaling.scaleUpWindow",
      "autoscaling.scalingMetrics",
    ]);
    for (const x of f)
      expect(x.reason).toMatch(
        /^DedicatedEndpoint "ep": \S+ = .*v2 only: set together:projectId.*Fix: `pulumi config set together:projectId/,
      );
  });

  test("Together itself refuses a bad metric name with its 400", async () => {
    const { ctx } = context();
    const inputs = await checked({ ...base, displayName: "inputs-raw", state: "STOPPED" }, ctx);
    const { id, outs } = await lifecycle.create(inputs, ctx);
    const err = await v2()
      .createDeployment(PROJECT, id, {
        name: "raw",
        model: (outs.v2 as { modelRef: string }).modelRef,
        config: (outs.v2 as { config: string }).config,
        autoscaling: {
          minReplicas: 0,
          maxReplicas: 0,
          scalingMetrics: [{ name: "qps", target: 1, type: "X" }],
        },
      })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TogetherError);
    expect((err as TogetherError).status).toBe(400);
    expect((err as Error).message).toContain("scalingMetrics[0].name must be one of");
    await lifecycle.delete(id, outs, ctx);
  });
});

describe("v2-only inputs on the wire and through the lifecycle", () => {
  test("windows and metrics: sent, echoed as declared, updated in place (removed ones cleared), drift restored", async () => {
    const { ctx } = context();
    const decl = {
      ...base,
      displayName: "inputs-windows",
      autoscaling: {
        minReplicas: 1,
        maxReplicas: 2,
        scaleUpWindow: "30s",
        scaleDownWindow: "5m",
        scalingMetrics: [{ name: "ttft", target: 0.5, type: "METRIC_TARGET_TYPE_VALUE", percentile: "p95" }],
      },
      inactiveTimeoutMinutes: 30,
    };
    const inputs = await checked(decl, ctx);
    const mark = emu.requests.length;
    const { id, outs } = await lifecycle.create(inputs, ctx);
    expect(deploymentPosts(mark)[0]?.body).toMatchObject({
      autoscaling: { ...decl.autoscaling, scaleToZeroWindow: "30m" },
    });
    const live = await v2().getDeployment(PROJECT, id, outs.deploymentId as string);
    expect(live.autoscaling).toMatchObject({
      scaleUpWindow: "30s",
      scaleDownWindow: "300s",
      scaleToZeroWindow: "1800s",
    });
    expect(outs.autoscaling).toEqual({ ...decl.autoscaling, scaleToZeroWindow: "30m" });
    expect((await lifecycle.diff(id, outs, await checked(decl, ctx), ctx)).changes).toBe(false);

    // Windows changed, the idle stop and the metrics removed: an update of the same deployment, cleared on Together.
    const next = { ...decl, autoscaling: { minReplicas: 1, maxReplicas: 2, scaleUpWindow: "1m" } };
    const { inactiveTimeoutMinutes: _t, ...withoutTimeout } = next;
    const news = await checked(withoutTimeout, ctx);
    const diff = await lifecycle.diff(id, outs, news, ctx);
    expect(diff).toMatchObject({ changes: true });
    expect(diff.replaces ?? []).toEqual([]);
    const { outs: after } = await lifecycle.update(id, outs, news, ctx);
    expect(after.deploymentId).toBe(outs.deploymentId);
    const now = await v2().getDeployment(PROJECT, id, outs.deploymentId as string);
    expect(now.autoscaling.scaleUpWindow).toBe("60s");
    expect(now.autoscaling.scaleToZeroWindow ?? undefined).toBeUndefined();
    expect(now.autoscaling.scalingMetrics ?? undefined).toBeUndefined();
    expect(after.autoscaling).toEqual({ minReplicas: 1, maxReplicas: 2, scaleUpWindow: "1m" });

    // Changed by hand: refresh shows Together's value, the next update restores the declaration.
    await v2().updateDeployment(
      PROJECT,
      id,
      now.id,
      { autoscaling: { scaleUpWindow: "10m" } },
      "autoscaling",
    );
    const read = await lifecycle.read(id, after, ctx);
    expect(read.props?.autoscaling).toMatchObject({ scaleUpWindow: "600s" });
    expect((await lifecycle.diff(id, read.props!, news, ctx)).changes).toBe(true);
    const { outs: restored } = await lifecycle.update(id, read.props!, news, ctx);
    expect(restored.autoscaling).toEqual({ minReplicas: 1, maxReplicas: 2, scaleUpWindow: "1m" });
    expect((await v2().getDeployment(PROJECT, id, now.id)).autoscaling.scaleUpWindow).toBe("60s");
    await lifecycle.delete(id, restored, ctx);
  });

  test("placement and enableLora: sent at create; a change rolls out a new deployment behind the same endpoint", async () => {
    const { ctx } = context();
    const decl = { ...base, displayName: "inputs-placement", placement: { profile: "pp_eu" } };
    const mark = emu.requests.length;
    const { id, outs } = await lifecycle.create(await checked(decl, ctx), ctx);
    expect(deploymentPosts(mark)[0]?.body).toMatchObject({ placement: { profile: "pp_eu" } });
    expect(outs).toMatchObject({ placement: { profile: "pp_eu" } });
    expect((await lifecycle.diff(id, outs, await checked(decl, ctx), ctx)).changes).toBe(false);

    const moved = {
      ...decl,
      placement: { regions: ["us-east-1"], constraint: "ENFORCEMENT_REQUIRED", hipaa: true },
      enableLora: true,
    };
    const news = await checked(moved, ctx);
    const diff = await lifecycle.diff(id, outs, news, ctx);
    expect(diff).toMatchObject({ changes: true });
    expect(diff.replaces).toBeUndefined();
    const mark2 = emu.requests.length;
    const { outs: after } = await lifecycle.update(id, outs, news, ctx);
    expect(deploymentPosts(mark2)[0]?.body).toMatchObject({
      enableLora: true,
      placement: {
        inline: {
          regions: ["us-east-1"],
          constraint: "ENFORCEMENT_REQUIRED",
          compliancePolicy: { hipaa: true },
        },
      },
    });
    expect(after).toMatchObject({ endpointId: id, name: outs.name, enableLora: true, state: "STARTED" });
    expect(after.deploymentId).not.toBe(outs.deploymentId);
    const ep = await v2().getEndpoint(PROJECT, id);
    expect(ep.deployments.map((d) => d.id)).toEqual([after.deploymentId]);
    expect((await v2().getDeployment(PROJECT, id, after.deploymentId as string)).enableLora).toBe(true);
    expect((await lifecycle.diff(id, after, await checked(moved, ctx), ctx)).changes).toBe(false);
    await lifecycle.delete(id, after, ctx);
    expect(emu.summary()).toMatchObject({ v2EndpointsLive: 0, deploymentsBilling: 0 });
  });
});

describe("displayName on v2: the endpoint's name", () => {
  test("renamed by hand is drift that up renames back; a rename to a taken name fails preview and up, naming it", async () => {
    const { ctx } = context();
    const decl = { ...base, displayName: "rename-ep" };
    const inputs = await checked(decl, ctx);
    const { id, outs } = await lifecycle.create(inputs, ctx);
    const other = await lifecycle.create(await checked({ ...base, displayName: "rename-other" }, ctx), ctx);
    try {
      // Renamed by hand: refresh records Together's name, the next up renames it back in place.
      const etag = (await v2().getEndpoint(PROJECT, id)).etag;
      await v2().updateEndpoint(PROJECT, id, { etag, name: "renamed-by-hand" });
      const read = await lifecycle.read(id, outs, ctx);
      expect(read.props?.displayName).toBe("renamed-by-hand");
      const diff = await lifecycle.diff(id, read.props!, inputs, ctx);
      expect(diff).toMatchObject({ changes: true });
      expect(diff.replaces ?? []).toEqual([]);
      const { outs: back } = await lifecycle.update(id, read.props!, inputs, ctx);
      expect((await v2().getEndpoint(PROJECT, id)).name.split("/").pop()).toBe("rename-ep");
      expect(back.displayName).toBe("rename-ep");

      // A rename to the other endpoint's name: preview knows the old name, so it fails there.
      const taken = await lifecycle.check(inputs, { ...decl, displayName: "rename-other" }, ctx);
      expect(taken.failures).toEqual([
        {
          property: "displayName",
          reason: expect.stringMatching(
            new RegExp(
              `^DedicatedEndpoint "ep": displayName = "rename-other": project ${PROJECT} already has an ` +
                `endpoint of that name \\(${other.id}\\).*Fix: choose another displayName`,
            ),
          ),
        },
      ]);
      // Taken after preview: up fails with the same words, not an etag conflict, and the name is unchanged.
      const free = await checked({ ...decl, displayName: "rename-free" }, ctx);
      const otherEtag = (await v2().getEndpoint(PROJECT, other.id)).etag;
      await v2().updateEndpoint(PROJECT, other.id, { etag: otherEtag, name: "rename-free" });
      const failed = await lifecycle.update(id, back, free, ctx).then(
        () => undefined,
        (err: unknown) => err,
      );
      expect(failed).toBeInstanceOf(PartialFailureError);
      expect(String((failed as PartialFailureError).reasons)).toMatch(/already has an endpoint of that name/);
      expect(String((failed as PartialFailureError).reasons)).not.toMatch(/etag/);
      expect((await v2().getEndpoint(PROJECT, id)).name.split("/").pop()).toBe("rename-ep");
      await lifecycle.delete(id, back, ctx);
    } finally {
      await lifecycle.delete(other.id, other.outs, ctx);
    }
  });
});

describe("DEGRADED during the wait", () => {
  /** Degrades the resource's deployment as soon as it exists (while it provisions). */
  async function degradeWhenCreated(name: string, forMs?: number): Promise<void> {
    for (;;) {
      const [ep] = await v2().listEndpoints(PROJECT, { name });
      const dep = ep?.deployments[0];
      if (dep)
        return emu.control.degradeDeployment(dep.id, "1 replica lost: node drained", {
          ...(forMs !== undefined && { forMs }),
        });
      await new Promise((r) => setTimeout(r, 5));
    }
  }

  test("recovering within the wait: create goes on waiting, says so once, and succeeds READY", async () => {
    const { ctx, logs } = context();
    const inputs = await checked({ ...base, displayName: "inputs-degraded-ok" }, ctx);
    const [made] = await Promise.all([
      lifecycle.create(inputs, ctx),
      degradeWhenCreated("inputs-degraded-ok", 20 * 60_000),
    ]);
    expect(made.outs).toMatchObject({ state: "STARTED", liveState: "DEPLOYMENT_STATE_READY" });
    expect(logs.filter((l) => l.includes("is DEGRADED"))).toEqual([
      expect.stringMatching(
        /DEGRADED \(0 of 1 replica\(s\) serving\): 1 replica lost: node drained; .*still waiting/,
      ),
    ]);
    await lifecycle.delete(made.id, made.outs, ctx);
  });

  test("still DEGRADED at the deadline: fails with Together's message and a fix; the endpoint stays in state", async () => {
    const { ctx } = context();
    const inputs = await checked({ ...base, displayName: "inputs-degraded", timeoutMinutes: 10 }, ctx);
    const [err] = await Promise.all([
      lifecycle.create(inputs, ctx).then(
        () => undefined,
        (e: unknown) => e,
      ),
      degradeWhenCreated("inputs-degraded"),
    ]);
    expect(err).toBeInstanceOf(PartialFailureError);
    expect((err as Error).message).toMatch(
      /stayed DEGRADED for the whole wait \(10 min\): 1 replica lost: node drained \(0 of 1 replica\(s\) serving\)\. Fix: /,
    );
    const partial = err as PartialFailureError;
    expect(partial.properties).toMatchObject({ liveState: "DEPLOYMENT_STATE_DEGRADED" });
    await lifecycle.delete(partial.id, partial.properties, ctx);
    expect(emu.summary()).toMatchObject({ v2EndpointsLive: 0, deploymentsBilling: 0 });
  });
});
