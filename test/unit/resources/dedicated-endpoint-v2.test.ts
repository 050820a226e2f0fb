// DedicatedEndpoint on Together's v2 platform, in-process against the emulator: with a project configured the
// same resource creates an endpoint and its deployment, updates replicas and state with etags, refreshes and
// destroys to nothing live or billing; every bad input fails check naming the field, value and fix, creating
// nothing. Without a project the v1 path runs (its own tests prove it unchanged).
import { type TogetherClient, TogetherError } from "../../../provider/client";
import { lifecycle } from "../../../provider/resources/dedicated-endpoint/lifecycle";
import { withEtag } from "../../../provider/resources/dedicated-endpoint/v2/deployment";
import { acceleratorOf } from "../../../provider/resources/dedicated-endpoint/v2/resolve";
import { configure, providerContext, resetRuntimeForTests } from "../../../provider/runtime";
import { PartialFailureError } from "../../../provider/shared/partial-failure";
import type { Emulator } from "../../../emulator";
import { useV2Provider } from "./v2-provider";
import { api, conversationJsonl, settleFile, uploadText } from "../../emulator/test-helpers";

const PROJECT = "proj_unit";
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
  displayName: "unit-v2-ep",
};

/** A completed fine-tune: its merged model is in the project's registry under its output name. */
async function fineTunedModel(): Promise<string> {
  const file = await uploadText(emu, conversationJsonl(20));
  await settleFile(emu);
  const job = await api(emu, "POST", "/fine-tunes", {
    training_file: file,
    model: "Qwen/Qwen3-0.6B",
    suffix: "v2unit",
    training_type: { type: "Lora", lora_r: 8, lora_alpha: 16 },
  });
  expect(job.status).toBe(200);
  emu.clock.advance(24 * 3_600_000);
  const done = await api(emu, "GET", `/fine-tunes/${job.body.id}`);
  expect(done.body.status).toBe("completed");
  return done.body.output_name ?? done.body.model_output_name;
}

describe("DedicatedEndpoint on v2", () => {
  test("create -> scale -> stop -> start -> refresh -> destroy, ending with nothing live or billing", async () => {
    const { ctx } = context();
    const inputs = await checked({ ...base, autoscaling: { minReplicas: 1, maxReplicas: 1 } }, ctx);
    expect(inputs).toMatchObject({
      hourlyPriceUsd: 3.36,
      v2: { projectId: PROJECT, config: expect.stringMatching(/configs\/cr_/), centsPerHour: 336 },
    });
    const { id, outs } = await lifecycle.create(inputs, ctx);
    expect(outs).toMatchObject({
      endpointId: id,
      deploymentId: expect.stringMatching(/^dep/),
      name: "emulator-user/unit-v2-ep",
      state: "STARTED",
      liveState: "DEPLOYMENT_STATE_READY",
      hourlyPriceUsd: 3.36,
    });
    const ep = await client.endpointsV2!.getEndpoint(PROJECT, id);
    expect(ep.trafficSplit).toEqual([{ deploymentId: outs.deploymentId, weight: 1 }]);
    expect(emu.summary()).toMatchObject({ v2EndpointsLive: 1, deploymentsBilling: 1 });

    // An unchanged declaration diffs to nothing.
    const same = await checked({ ...base, autoscaling: { minReplicas: 1, maxReplicas: 1 } }, ctx, inputs);
    expect((await lifecycle.diff(id, outs, same, ctx)).changes).toBe(false);

    const scaled = await checked({ ...base, autoscaling: { minReplicas: 1, maxReplicas: 2 } }, ctx, inputs);
    const diff = await lifecycle.diff(id, outs, scaled, ctx);
    expect(diff).toMatchObject({ changes: true });
    expect(diff.replaces ?? []).toEqual([]);
    const up1 = await lifecycle.update(id, outs, scaled, ctx);
    expect(up1.outs).toMatchObject({
      autoscaling: { minReplicas: 1, maxReplicas: 2 },
      state: "STARTED",
      hourlyPriceUsd: 6.72,
      deploymentId: outs.deploymentId,
    });

    const stop = await checked(
      { ...base, autoscaling: { minReplicas: 1, maxReplicas: 2 }, state: "STOPPED" },
      ctx,
    );
    const up2 = await lifecycle.update(id, up1.outs, stop, ctx);
    expect(up2.outs).toMatchObject({ state: "STOPPED", liveState: "DEPLOYMENT_STATE_STOPPED" });
    expect(emu.summary()).toMatchObject({ deploymentsBilling: 0, v2EndpointsLive: 1 });

    const up3 = await lifecycle.update(id, up2.outs, scaled, ctx);
    expect(up3.outs).toMatchObject({ state: "STARTED", liveState: "DEPLOYMENT_STATE_READY" });
    expect(emu.summary().deploymentsBilling).toBe(1);

    // Refresh: rescaled by hand is drift the next update restores.
    const live = await client.endpointsV2!.getDeployment(PROJECT, id, outs.deploymentId as string);
    await client.endpointsV2!.updateDeployment(PROJECT, id, live.id, {
      autoscaling: { minReplicas: 1, maxReplicas: 3 },
    });
    const read = await lifecycle.read(id, up3.outs, ctx);
    expect(read.props).toMatchObject({
      autoscaling: { minReplicas: 1, maxReplicas: 3 },
      hourlyPriceUsd: 10.08,
    });
    expect((await lifecycle.diff(id, read.props!, scaled, ctx)).changes).toBe(true);

    await lifecycle.delete(id, read.props!, ctx);
    expect(emu.summary()).toMatchObject({ v2EndpointsLive: 0, deploymentsBilling: 0 });
    expect(await lifecycle.read(id, read.props!, ctx)).toEqual({ id: "" });
    // Destroying what is already gone succeeds.
    await lifecycle.delete(id, read.props!, ctx);
  });

  test("a fine-tuned model is found in the project's registry by name and served", async () => {
    const { ctx } = context();
    const model = await fineTunedModel();
    const inputs = await checked(
      { ...base, model, hardware: "1x_nvidia_h100_80gb_sxm", displayName: "unit-v2-ft" },
      ctx,
    );
    expect((inputs.v2 as { modelRef: string }).modelRef).toMatch(new RegExp(`^projects/${PROJECT}/models/`));
    const { id, outs } = await lifecycle.create(inputs, ctx);
    expect(outs).toMatchObject({ name: "emulator-user/unit-v2-ft", liveState: "DEPLOYMENT_STATE_READY" });
    await lifecycle.delete(id, outs, ctx);
    expect(emu.summary()).toMatchObject({ v2EndpointsLive: 0, deploymentsBilling: 0 });
  });

  test("a deployment that FAILs ends the wait at once with Together's message; the endpoint stays in state", async () => {
    const { ctx } = context();
    const inputs = await checked({ ...base, displayName: "unit-v2-fail" }, ctx);
    const pending = lifecycle.create(inputs, ctx);
    // Fail it as soon as it exists (the create waits for READY).
    const fail = (async () => {
      for (;;) {
        const [ep] = await client.endpointsV2!.listEndpoints(PROJECT, { name: "unit-v2-fail" });
        const dep = ep?.deployments[0];
        if (dep) return emu.control.failDeployment(dep.id, "no capacity in us-central-1");
        await new Promise((r) => setTimeout(r, 5));
      }
    })();
    const err = await pending.then(
      () => undefined,
      (e: unknown) => e,
    );
    await fail;
    expect(err).toBeInstanceOf(PartialFailureError);
    expect((err as Error).message).toContain("FAILED: no capacity in us-central-1");
    const partial = err as PartialFailureError;
    await lifecycle.delete(partial.id, partial.properties, ctx);
    expect(emu.summary()).toMatchObject({ v2EndpointsLive: 0, deploymentsBilling: 0 });
  });

  test("once the endpoint exists, check asks Together (validateOnly) and fails the preview with its verdict", async () => {
    const { ctx } = context();
    const inputs = await checked({ ...base, displayName: "unit-v2-validate" }, ctx);
    const { id, outs } = await lifecycle.create(inputs, ctx);
    const before = emu.requests.length;
    // A refusal only Together can give (the local rules pass: 3 replicas are within every bound they know).
    emu.faults.add({
      method: "POST",
      path: /\/endpoints\/[^/]+\/deployments$/,
      action: {
        type: "status",
        status: 400,
        message: "autoscaling.maxReplicas exceeds the project's quota of 2",
      },
    });
    const f = await failures({
      ...base,
      displayName: "unit-v2-validate",
      autoscaling: { minReplicas: 1, maxReplicas: 3 },
    });
    emu.faults.clear();
    expect(f).toEqual([
      {
        property: "model",
        reason: expect.stringMatching(/refused the deployment \(validateOnly\).*maxReplicas.*Fix:/),
      },
    ]);
    expect(emu.requests.slice(before).some((r) => r.query?.validateOnly === "true")).toBe(true);
    await lifecycle.delete(id, outs, ctx);
  });

  test("bad inputs fail check with resource, field, value and fix, and create nothing", async () => {
    const before = emu.summary();
    expect(await failures({ ...base, model: "acme/no-such-model" })).toEqual([
      {
        property: "model",
        reason: expect.stringMatching(/^DedicatedEndpoint "ep": model = "acme\/no-such-model": .*Fix: /),
      },
    ]);
    expect(await failures({ ...base, hardware: "8x_nvidia_b200_192gb_sxm" })).toEqual([
      {
        property: "hardware",
        reason: expect.stringMatching(/hardware = "8x_nvidia_b200_192gb_sxm": no config .*Fix: /),
      },
    ]);
    expect(await failures({ ...base, autoscaling: { minReplicas: 3, maxReplicas: 2 } })).toEqual([
      { property: "autoscaling.maxReplicas", reason: expect.stringContaining("Fix:") },
    ]);
    expect(
      await failures({ ...base, autoscaling: { minReplicas: 1, maxReplicas: 4 }, maxHourlyPriceUsd: 5 }),
    ).toEqual([{ property: "maxHourlyPriceUsd", reason: expect.stringContaining("Fix:") }]);
    expect(await failures({ ...base, availabilityZone: "us-central-4b" })).toEqual([
      {
        property: "availabilityZone",
        reason: expect.stringMatching(/no counterpart on Together's v2.*Fix: /),
      },
    ]);
    expect(await failures({ ...base, displayName: "Unit EP" })).toEqual([
      { property: "displayName", reason: expect.stringMatching(/is not a v2 endpoint name.*Fix: /) },
    ]);
    // A v2-only input without a project: no API call decides it.
    expect(await failures({ ...base, visibility: "VISIBILITY_INTERNAL" }, context(null).ctx)).toEqual([
      {
        property: "visibility",
        reason: expect.stringMatching(
          /^DedicatedEndpoint "ep": visibility = "VISIBILITY_INTERNAL": .*Fix: `pulumi config set together:projectId/,
        ),
      },
    ]);
    expect(emu.summary()).toMatchObject({
      v2EndpointsLive: before.v2EndpointsLive,
      deploymentsLive: before.deploymentsLive,
    });
  });

  test("switching platform by configuration replaces; within v2 new hardware is an update", async () => {
    const { ctx } = context();
    const v2 = await checked(base, ctx);
    const v1 = await checked(base, context(null).ctx);
    expect(v1.v2).toBeUndefined();
    expect(await lifecycle.diff("x", v1, v2, ctx)).toMatchObject({ changes: true, replaces: ["v2"] });
    const other = await checked({ ...base, hardware: "2x_nvidia_h100_80gb_sxm" }, ctx);
    const diff = await lifecycle.diff("x", v2, other, ctx);
    expect(diff.changes).toBe(true);
    expect(diff.replaces).toBeUndefined();
  });

  test("visibility: set at create, drift read and restored, removing it returns to private", async () => {
    const { ctx } = context();
    const named = { ...base, displayName: "unit-v2-visibility" };
    const inputs = await checked({ ...named, visibility: "VISIBILITY_INTERNAL" }, ctx);
    const { id, outs } = await lifecycle.create(inputs, ctx);
    expect(outs.visibility).toBe("VISIBILITY_INTERNAL");
    expect((await client.endpointsV2!.getEndpoint(PROJECT, id)).visibility).toBe("VISIBILITY_INTERNAL");
    // Changed by hand: refresh shows it, and the next update restores the declaration.
    const ep = await client.endpointsV2!.getEndpoint(PROJECT, id);
    await client.endpointsV2!.updateEndpoint(PROJECT, id, {
      visibility: "VISIBILITY_PRIVATE",
      etag: ep.etag,
    });
    const read = await lifecycle.read(id, outs, ctx);
    expect(read.props).toMatchObject({ visibility: "VISIBILITY_PRIVATE" });
    expect(await lifecycle.diff(id, read.props!, inputs, ctx)).toMatchObject({ changes: true });
    const restored = await lifecycle.update(id, read.props!, inputs, ctx);
    expect(restored.outs.visibility).toBe("VISIBILITY_INTERNAL");

    const news = await checked(named, ctx);
    expect(await lifecycle.diff(id, restored.outs, news, ctx)).toMatchObject({ changes: true });
    const { outs: after } = await lifecycle.update(id, restored.outs, news, ctx);
    expect(after.visibility).toBeUndefined();
    expect((await client.endpointsV2!.getEndpoint(PROJECT, id)).visibility).toBe("VISIBILITY_PRIVATE");
    await lifecycle.delete(id, after, ctx);
  });

  test("a deployment deleted by hand: refresh shows it, the next update creates it again behind the endpoint", async () => {
    const { ctx } = context();
    const inputs = await checked({ ...base, displayName: "unit-v2-gone" }, ctx);
    const { id, outs } = await lifecycle.create(inputs, ctx);
    const v2 = client.endpointsV2!;
    await v2.updateEndpoint(PROJECT, id, { trafficSplit: [] });
    await v2.deleteDeployment(PROJECT, id, outs.deploymentId as string);
    const read = await lifecycle.read(id, outs, ctx);
    expect(read.props).toMatchObject({ deploymentId: "", state: "DEPLOYMENT_STATE_UNSPECIFIED" });
    expect((await lifecycle.diff(id, read.props!, inputs, ctx)).changes).toBe(true);
    const { outs: after } = await lifecycle.update(id, read.props!, inputs, ctx);
    expect(after).toMatchObject({ endpointId: id, state: "STARTED", liveState: "DEPLOYMENT_STATE_READY" });
    expect((await v2.getEndpoint(PROJECT, id)).trafficSplit).toEqual([
      { deploymentId: after.deploymentId, weight: 1 },
    ]);
    await lifecycle.delete(id, after, ctx);
  });

  test("new hardware rolls out behind the same endpoint: new deployment READY, traffic moved, old deleted", async () => {
    const { ctx } = context();
    const inputs = await checked({ ...base, displayName: "unit-v2-rollout" }, ctx);
    const { id, outs } = await lifecycle.create(inputs, ctx);
    const news = await checked(
      { ...base, displayName: "unit-v2-rollout", hardware: "2x_nvidia_h100_80gb_sxm" },
      ctx,
    );
    const mark = emu.requests.length;
    const { outs: after } = await lifecycle.update(id, outs, news, ctx);
    expect(after).toMatchObject({
      endpointId: id,
      name: outs.name,
      hardware: "2x_nvidia_h100_80gb_sxm",
      state: "STARTED",
      hourlyPriceUsd: 6.72,
    });
    expect(after.deploymentId).not.toBe(outs.deploymentId);
    const ep = await client.endpointsV2!.getEndpoint(PROJECT, id);
    expect(ep.trafficSplit).toEqual([{ deploymentId: after.deploymentId, weight: 1 }]);
    expect(ep.deployments.map((d) => d.id)).toEqual([after.deploymentId]);
    // The old deployment was deleted only after traffic moved to the new one.
    const log = emu.requests.slice(mark);
    const moved = log.findIndex(
      (r) => r.method === "PATCH" && r.path === `/v2/projects/${PROJECT}/endpoints/${id}`,
    );
    const deleted = log.findIndex(
      (r) => r.method === "DELETE" && r.path.endsWith(`/deployments/${String(outs.deploymentId)}`),
    );
    expect(moved).toBeGreaterThanOrEqual(0);
    expect(deleted).toBeGreaterThan(moved);
    await lifecycle.delete(id, after, ctx);
    expect(emu.summary()).toMatchObject({ v2EndpointsLive: 0, deploymentsBilling: 0 });
  });
});

describe("v2 helpers", () => {
  test("the v1 hardware id names the accelerators a config selects", () => {
    expect(acceleratorOf("2x_nvidia_h100_80gb_sxm")).toEqual({ count: 2, type: "nvidia-h100-80gb" });
    expect(acceleratorOf("nope")).toBeUndefined();
  });

  test("an etag conflict re-reads and retries once, then fails clearly", async () => {
    const conflict = Object.assign(new Error("etag mismatch"), { code: "conflict" });
    Object.setPrototypeOf(conflict, TogetherError.prototype);
    let reads = 0;
    let writes = 0;
    const ok = await withEtag(
      "endpoint x",
      async () => `e${++reads}`,
      async (etag) => {
        if (++writes === 1) throw conflict;
        return etag;
      },
    );
    expect(ok).toBe("e2");
    await expect(
      withEtag(
        "endpoint x",
        async () => "e",
        async () => Promise.reject(conflict),
      ),
    ).rejects.toThrow(/changed twice .*Fix: /);
  });
});

describe("the provider context's project", () => {
  afterEach(() => {
    resetRuntimeForTests();
    delete process.env.TOGETHER_PROJECT_ID;
  });

  test("comes from together:projectId, else TOGETHER_PROJECT_ID; none means v1; a bad one fails the call", async () => {
    resetRuntimeForTests();
    await configure({ get: (k) => (k === "together:projectId" ? "proj_stack" : undefined) });
    expect(providerContext().projectId?.()).toBe("proj_stack");
    resetRuntimeForTests();
    await configure({ get: () => undefined });
    expect(providerContext().projectId?.()).toBeUndefined();
    process.env.TOGETHER_PROJECT_ID = "proj_env";
    expect(providerContext().projectId?.()).toBe("proj_env");
    process.env.TOGETHER_PROJECT_ID = "projects/p1";
    expect(() => providerContext().projectId?.()).toThrow("export TOGETHER_PROJECT_ID=<project id>");
  });
});
