// DedicatedEndpoint on Together's v2 platform (endpoints and deployments) on the real Pulumi CLI, with
// together:projectId in stack config: one stack goes file -> job -> endpoint + deployment, then scales, stops,
// starts, is renamed, rolls out new hardware and a new model behind the same endpoint (the README's v2 claims),
// and is destroyed to nothing live or billing; every bad v2 input fails `pulumi preview` naming resource, field,
// value and fix, and creates nothing; setting the project on a v1 stack replaces its endpoint with a v2 one.
// What each step sent is read from the emulator's request log.
import type { DeploymentRecord, Emulator } from "../../emulator";
import { deploymentState, isBillingDeployment } from "../../emulator/v2-deployment-state";
import { describeWithCli } from "./kit/cli";
import { H100, MODEL, TRAIN_JSONL } from "./kit/behind-pulumi";
import { calls, mutatingRequests, useE2E } from "./kit/fixture";
import type { ScratchProgram } from "../../scripts/real-cli/scratch-program";
import { readRequestLog } from "../../testing";

const API_KEY = "tgp-SECRET-KEY-e2e-endpoint-v2-51c9e7";
const PROJECT = "proj_e2e_v2_engine";
const H100_X2 = "2x_nvidia_h100_80gb_sxm";
/** The catalogue model a later step serves instead of the job's, to roll out a new model. */
const OTHER_MODEL = "Qwen/Qwen3-1.7B";

// Every knob is stack config, so one program serves every step (and the bad-input previews).
const PROGRAM = `
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { DedicatedEndpoint, FineTuneJob, TrainingFile } from "pulumi-together";

const c = new pulumi.Config();
const data = new TrainingFile("chats", { source: path.join(__dirname, "train.jsonl") });
const job = new FineTuneJob("tune", {
  model: ${JSON.stringify(MODEL)},
  trainingFile: data.fileId,
  nEpochs: 1,
  trainingType: { type: "lora", loraR: 8 },
});
const endpoint = new DedicatedEndpoint("serve", {
  model: c.get("model") ?? job.outputModelName,
  hardware: c.get("hardware") ?? ${JSON.stringify(H100)},
  autoscaling: { minReplicas: c.getNumber("minReplicas") ?? 1, maxReplicas: c.getNumber("maxReplicas") ?? 1 },
  state: (c.get("state") as "STARTED" | "STOPPED" | undefined) ?? "STARTED",
  displayName: c.get("displayName"),
  availabilityZone: c.get("availabilityZone"),
  visibility: c.get("visibility") as "VISIBILITY_PRIVATE" | "VISIBILITY_INTERNAL" | undefined,
  maxHourlyPriceUsd: 10,
});
export const jobId = job.jobId;
export const outputModelName = job.outputModelName;
export const endpointId = endpoint.endpointId;
export const deploymentId = endpoint.deploymentId;
export const endpointName = endpoint.name;
export const state = endpoint.state;
export const liveState = endpoint.liveState;
export const hourlyPriceUsd = endpoint.hourlyPriceUsd;
`;

/** The lines of the last "Resources:" block a command printed, e.g. ["~ 1 updated", "3 unchanged"]. */
function summary(out: string): string[] {
  const block = out.slice(out.lastIndexOf("Resources:\n") + "Resources:\n".length);
  return block
    .slice(0, block.search(/\n\s*\n|$/))
    .split("\n")
    .map((line) => line.trim());
}

interface Outputs {
  jobId: string;
  outputModelName: string;
  endpointId: string;
  deploymentId: string;
  endpointName: string;
  state: string;
  liveState: string;
  hourlyPriceUsd: number;
}

describeWithCli("DedicatedEndpoint on v2 on the real engine", (cli) => {
  const e2e = useE2E(cli, "endpoint-v2", API_KEY, { projectId: PROJECT });
  let p: ScratchProgram;
  let emu: Emulator;
  /** Everything the CLI printed in this file, for the secrets check. */
  let printed = "";
  const pulumi = async (args: string[]): Promise<string> => {
    const { output } = await p.pulumi(args);
    printed += output;
    return output;
  };
  const setConfig = async (stack: string, config: Record<string, string | undefined>) => {
    for (const [key, value] of Object.entries(config))
      await p.pulumi(
        value === undefined
          ? ["config", "rm", "--stack", stack, key]
          : ["config", "set", "--stack", stack, key, value],
      );
  };
  /** `up` of the dev stack after setting (or removing, for undefined) config; its output and first request. */
  const up = async (config: Record<string, string | undefined> = {}) => {
    await setConfig("dev", config);
    const since = emu.requests.length;
    const out = await pulumi(["up", "--yes", "--stack", "dev"]);
    return { out, since };
  };
  /** Requests that change something at Together: a deployment create with validateOnly=true changes nothing. */
  const changes = (since: number) =>
    mutatingRequests(emu, since).filter((r) => r.query.validateOnly !== "true");
  const validations = (since: number) =>
    emu.requests.slice(since).filter((r) => r.method === "POST" && r.query.validateOnly === "true");
  const outputs = async () => (await p.outputs("dev")) as unknown as Outputs;
  const deployment = (id: string): DeploymentRecord => emu.v2.deployments.get(id)!;
  const v2Path = (rest: string) => `/v2/projects/${PROJECT}/endpoints${rest}`;

  beforeAll(async () => {
    emu = e2e.emu;
    p = await e2e.program("endpoint-v2", {
      files: {
        "index.ts": PROGRAM,
        "train.jsonl": TRAIN_JSONL,
      },
    });
    await e2e.initStack(p, "dev", { "together:projectId": PROJECT });
    e2e.onCleanup(() => p.pulumi(["destroy", "--yes", "--stack", "dev"]));
  });

  test("preview on a new stack lists the creates with the endpoint's v2 hourly price, and changes nothing", async () => {
    const out = await pulumi(["preview", "--stack", "dev"]);
    expect(out).toMatch(/\+\s+pulumi-nodejs:dynamic\/together:TrainingFile\s+chats\s+create/);
    expect(out).toMatch(/\+\s+pulumi-nodejs:dynamic\/together:FineTuneJob\s+tune\s+create/);
    expect(out).toMatch(/\+\s+pulumi-nodejs:dynamic\/together:DedicatedEndpoint\s+serve\s+create/);
    // Priced from the job's base model (its own is not trained yet) against the v2 instance types.
    expect(out).toContain(
      `DedicatedEndpoint "serve": v2 project ${PROJECT}: ${H100} costs $3.36/h per replica, up to $3.36/h at 1 replica(s) while started`,
    );
    expect(out).toMatch(/\+ 4 to create/);
    expect(mutatingRequests(emu)).toEqual([]);
    expect(validations(0)).toEqual([]);
  });

  test("up creates the endpoint and its deployment on /v2, READY and routed; nothing on /v1/endpoints", async () => {
    const { out, since } = await up();
    expect(out).toMatch(/\+ 4 created/);
    const o = await outputs();
    const ep = emu.v2.liveEndpoint(o.endpointId)!;
    // Callers address it as <project_slug>/<endpoint_name>; the slug is the project's, the name the default.
    expect(o.endpointName).toBe(`${emu.v2.project.slug}/${ep.name}`);
    expect(ep.name).toBe("e2e-dev-serve");
    expect(ep.trafficSplit).toEqual([{ deploymentId: o.deploymentId, weight: 1 }]);
    const d = deployment(o.deploymentId);
    expect(d).toMatchObject({ endpointId: o.endpointId, deleted: false, model: { name: o.outputModelName } });
    expect(d.config.instanceType.hardwareId).toBe(H100);
    expect(deploymentState(d, emu.clock.now())).toBe("DEPLOYMENT_STATE_READY");
    expect(o).toMatchObject({ state: "STARTED", liveState: "DEPLOYMENT_STATE_READY", hourlyPriceUsd: 3.36 });
    expect(calls(changes(since)).filter((c) => c.includes("/endpoints"))).toEqual([
      `POST ${v2Path("")}`,
      `POST ${v2Path(`/${o.endpointId}/deployments`)}`,
      `PATCH ${v2Path(`/${o.endpointId}`)}`,
    ]);
    // The emulator's own log, read over HTTP as a user's test would: no v1 endpoint was ever asked for.
    expect(await readRequestLog(emu.baseUrl, { method: "POST", path: "/v1/endpoints" })).toEqual([]);
    expect(emu.summary()).toMatchObject({
      endpointsCreated: 0,
      v2EndpointsLive: 1,
      deploymentsLive: 1,
      deploymentsBilling: 1,
    });
    const state = (await (await fetch(emu.baseUrl.replace(/\/v1$/, "/_emulator/state"))).json()) as {
      projectId: string;
      v2Endpoints: { id: string; deployments: { id: string }[] }[];
    };
    expect(state.projectId).toBe(PROJECT);
    expect(state.v2Endpoints.map((e) => [e.id, e.deployments.map((x) => x.id)])).toEqual([
      [o.endpointId, [o.deploymentId]],
    ]);
  });

  test("a second up and refresh change nothing", async () => {
    const { out, since } = await up();
    expect(out).toMatch(/4 unchanged/);
    expect(changes(since)).toEqual([]);
    // Once the endpoint exists, check (in the preview pass and again in the update pass) asks Together for its
    // verdict on the deployment with validateOnly=true.
    expect(calls(validations(since))).toEqual(
      Array(2).fill(`POST ${v2Path(`/${(await outputs()).endpointId}/deployments`)}`),
    );
    const refreshed = await pulumi(["refresh", "--yes", "--expect-no-changes", "--stack", "dev"]);
    expect(refreshed).toMatch(/4 unchanged/);
    expect(changes(since)).toEqual([]);
  });

  test("more replicas: an update (PATCH of the deployment with its etag), not a replace", async () => {
    const before = await outputs();
    const { out, since } = await up({ maxReplicas: "2" });
    expect(out).toMatch(/~\s+pulumi-nodejs:dynamic\/together:DedicatedEndpoint\s+serve\s+updated/);
    expect(summary(out)).toEqual(["~ 1 updated", "3 unchanged"]);
    const sent = changes(since);
    expect(calls(sent)).toEqual([
      `PATCH ${v2Path(`/${before.endpointId}/deployments/${before.deploymentId}`)}`,
    ]);
    expect(sent[0]!.body).toMatchObject({
      etag: expect.any(String),
      autoscaling: { minReplicas: 1, maxReplicas: 2 },
    });
    const after = await outputs();
    expect(after).toMatchObject({
      endpointId: before.endpointId,
      deploymentId: before.deploymentId,
      hourlyPriceUsd: 6.72,
    });
    expect(deployment(before.deploymentId).autoscaling).toMatchObject({ minReplicas: 1, maxReplicas: 2 });
  });

  test("state STOPPED scales the deployment to min = max = 0 (nothing billing); STARTED restores the bounds", async () => {
    const o = await outputs();
    const depPath = v2Path(`/${o.endpointId}/deployments/${o.deploymentId}`);
    const stop = await up({ state: "STOPPED" });
    expect(stop.out).toMatch(/1 updated/);
    const stopped = changes(stop.since);
    expect(calls(stopped)).toEqual([`PATCH ${depPath}`]);
    expect(stopped[0]!.body).toMatchObject({
      etag: expect.any(String),
      autoscaling: { minReplicas: 0, maxReplicas: 0 },
    });
    expect(deploymentState(deployment(o.deploymentId), emu.clock.now())).toBe("DEPLOYMENT_STATE_STOPPED");
    expect(await outputs()).toMatchObject({ state: "STOPPED", liveState: "DEPLOYMENT_STATE_STOPPED" });
    expect(emu.summary()).toMatchObject({ v2EndpointsLive: 1, deploymentsLive: 1, deploymentsBilling: 0 });
    // Stopped (0 replicas on the wire) is still the declaration: refresh finds no drift.
    await pulumi(["refresh", "--yes", "--expect-no-changes", "--stack", "dev"]);

    const start = await up({ state: "STARTED" });
    expect(start.out).toMatch(/1 updated/);
    const started = changes(start.since);
    expect(calls(started)).toEqual([`PATCH ${depPath}`]);
    expect(started[0]!.body).toMatchObject({ autoscaling: { minReplicas: 1, maxReplicas: 2 } });
    expect(await outputs()).toMatchObject({
      deploymentId: o.deploymentId,
      state: "STARTED",
      liveState: "DEPLOYMENT_STATE_READY",
    });
    expect(emu.summary()).toMatchObject({ deploymentsLive: 1, deploymentsBilling: 1 });
  });

  test("displayName renames the endpoint in place (PATCH name with its etag): the name callers use follows", async () => {
    const before = await outputs();
    const { out, since } = await up({ displayName: "helpdesk-v2" });
    expect(summary(out)).toEqual(["~ 1 updated", "3 unchanged"]);
    const sent = changes(since);
    expect(calls(sent)).toEqual([`PATCH ${v2Path(`/${before.endpointId}`)}`]);
    expect(sent[0]!.body).toMatchObject({ etag: expect.any(String), name: "helpdesk-v2" });
    expect(emu.v2.liveEndpoint(before.endpointId)!.name).toBe("helpdesk-v2");
    expect(await outputs()).toMatchObject({
      endpointId: before.endpointId,
      deploymentId: before.deploymentId,
      endpointName: `${emu.v2.project.slug}/helpdesk-v2`,
    });
    await pulumi(["refresh", "--yes", "--expect-no-changes", "--stack", "dev"]);
  });

  /** Asserts a rollout: a new deployment behind the same endpoint, READY before traffic moved and the old one
   *  was deleted; returns the new deployment. */
  const expectRollout = (step: { out: string; since: number }, before: Outputs, after: Outputs) => {
    expect(step.out).toMatch(/~\s+pulumi-nodejs:dynamic\/together:DedicatedEndpoint\s+serve\s+updated/);
    expect(summary(step.out)).toEqual(["~ 1 updated", "3 unchanged"]);
    expect(after.endpointId).toBe(before.endpointId);
    expect(after.endpointName).toBe(before.endpointName);
    expect(after.deploymentId).not.toBe(before.deploymentId);
    const sent = changes(step.since);
    expect(calls(sent)).toEqual([
      `POST ${v2Path(`/${before.endpointId}/deployments`)}`,
      `PATCH ${v2Path(`/${before.endpointId}`)}`,
      `DELETE ${v2Path(`/${before.endpointId}/deployments/${before.deploymentId}`)}`,
    ]);
    const [, moveTraffic, deleteOld] = sent;
    expect(moveTraffic!.body).toMatchObject({
      trafficSplit: [{ deploymentId: after.deploymentId, weight: 1 }],
    });
    // The new deployment was READY (emulated time) when traffic moved to it, so the endpoint never went dark.
    const fresh = deployment(after.deploymentId);
    expect(fresh.phase.kind).toBe("provisioning");
    expect(moveTraffic!.at).toBeGreaterThanOrEqual((fresh.phase as { readyAt: number }).readyAt);
    expect(deleteOld!.at).toBeGreaterThanOrEqual(moveTraffic!.at);
    expect(deployment(before.deploymentId).deleted).toBe(true);
    expect(emu.v2.liveEndpoint(before.endpointId)!.trafficSplit).toEqual([
      { deploymentId: after.deploymentId, weight: 1 },
    ]);
    expect(emu.summary()).toMatchObject({ v2EndpointsLive: 1, deploymentsLive: 1, deploymentsBilling: 1 });
    return fresh;
  };

  test("new hardware: a new deployment behind the same endpoint and name, READY before the old one is deleted", async () => {
    const before = await outputs();
    const step = await up({ hardware: H100_X2, maxReplicas: "1" });
    const after = await outputs();
    const fresh = expectRollout(step, before, after);
    expect(fresh.config.instanceType.hardwareId).toBe(H100_X2);
    expect(fresh.model.name).toBe(before.outputModelName);
    expect(after).toMatchObject({ liveState: "DEPLOYMENT_STATE_READY", hourlyPriceUsd: 6.72 });
  });

  test("a new model: the same rollout, the endpoint kept", async () => {
    const before = await outputs();
    const step = await up({ model: OTHER_MODEL });
    const after = await outputs();
    const fresh = expectRollout(step, before, after);
    expect(fresh.model.name).toBe(OTHER_MODEL);
    expect(fresh.config.instanceType.hardwareId).toBe(H100_X2);
  });

  test("destroy clears the traffic, deletes the deployments, then the endpoint (404): nothing live or billing", async () => {
    const o = await outputs();
    const since = emu.requests.length;
    const out = await pulumi(["destroy", "--yes", "--stack", "dev"]);
    expect(out).toMatch(/- 4 deleted/);
    const v2Calls = calls(changes(since)).filter((c) => c.includes("/v2/"));
    expect(v2Calls).toEqual([
      `PATCH ${v2Path(`/${o.endpointId}`)}`,
      `DELETE ${v2Path(`/${o.endpointId}/deployments/${o.deploymentId}`)}`,
      `DELETE ${v2Path(`/${o.endpointId}`)}`,
    ]);
    const confirm = emu.requests
      .slice(since)
      .filter((r) => r.method === "GET" && r.path === v2Path(`/${o.endpointId}`))
      .pop();
    expect(confirm?.status).toBe(404);
    expect(emu.summary()).toMatchObject({
      filesLive: 0,
      jobsActive: 0,
      v2EndpointsLive: 0,
      deploymentsLive: 0,
      deploymentsBilling: 0,
    });
    expect([...emu.v2.deployments.values()].filter((d) => isBillingDeployment(d, emu.clock.now()))).toEqual(
      [],
    );
    expect((await p.exportState("dev")).deployment.resources ?? []).toEqual([]);
  });

  describe("bad v2 inputs fail preview with resource, field, value and fix, and create nothing", () => {
    let since = 0;
    const failing = async (stack: string, config: Record<string, string | undefined>) => {
      await setConfig(stack, config);
      const { code, output } = await p.pulumi(["preview", "--stack", stack], { allowFailure: true });
      printed += output;
      expect(code).not.toBe(0);
      await setConfig(stack, Object.fromEntries(Object.keys(config).map((k) => [k, undefined])));
      return output;
    };
    beforeAll(async () => {
      await e2e.initStack(p, "bad", { "together:projectId": PROJECT });
      await e2e.initStack(p, "no-project");
      since = emu.requests.length;
    });

    test("an unknown model", async () => {
      const out = await failing("bad", { model: "acme/no-such-model" });
      expect(out).toMatch(
        /DedicatedEndpoint "serve": model = "acme\/no-such-model": is neither a model in the project's registry nor one Together can deploy .*Fix: use a catalogue model name or a FineTuneJob's outputModelName/,
      );
    });

    test("hardware with no certified config", async () => {
      const out = await failing("bad", { hardware: "8x_nvidia_b200_192gb_sxm" });
      expect(out).toMatch(
        /DedicatedEndpoint "serve": hardware = "8x_nvidia_b200_192gb_sxm": no config revision certified for .* has that hardware; certified: .*1x nvidia-h100-80gb.*Fix: choose hardware/,
      );
    });

    test("replicas out of order (min > max)", async () => {
      const out = await failing("bad", { minReplicas: "3", maxReplicas: "2" });
      expect(out).toMatch(/DedicatedEndpoint "serve": autoscaling\.maxReplicas = 2: .*Fix: /);
    });

    test("a v1-only input (availabilityZone)", async () => {
      const out = await failing("bad", { availabilityZone: "us-east-1" });
      expect(out).toMatch(
        /DedicatedEndpoint "serve": availabilityZone = "us-east-1": has no counterpart on Together's v2 platform.*Fix: remove availabilityZone, or unset together:projectId/,
      );
    });

    test("a v2-only input (visibility) without a project", async () => {
      const out = await failing("no-project", { visibility: "VISIBILITY_INTERNAL" });
      expect(out).toMatch(
        /DedicatedEndpoint "serve": visibility = "VISIBILITY_INTERNAL": is a setting of Together's v2 endpoints platform.*Fix: `pulumi config set together:projectId <project id>`/,
      );
    });

    test("none of these previews sent Together anything that changes it", () => {
      expect(mutatingRequests(emu, since)).toEqual([]);
      expect(emu.summary()).toMatchObject({ endpointsCreated: 0, v2EndpointsLive: 0, deploymentsLive: 0 });
    });
  });

  describe("setting together:projectId on a stack served on v1", () => {
    test("replaces the v1 endpoint: the v2 one is READY before the v1 one is stopped and deleted", async () => {
      await e2e.initStack(p, "switch");
      await pulumi(["up", "--yes", "--stack", "switch"]);
      const v1 = (await p.outputs("switch")) as unknown as Outputs;
      expect(emu.store.liveEndpoint(v1.endpointId)).toBeDefined();

      await setConfig("switch", { "together:projectId": PROJECT });
      const since = emu.requests.length;
      const out = await pulumi(["up", "--yes", "--stack", "switch"]);
      expect(out).toMatch(/\+-\s+pulumi-nodejs:dynamic\/together:DedicatedEndpoint\s+serve\s+replaced/);
      expect(summary(out)).toEqual(["+-1 replaced", "3 unchanged"]);
      const v2 = (await p.outputs("switch")) as unknown as Outputs;
      expect(v2.endpointName).toBe(`${emu.v2.project.slug}/e2e-switch-serve`);
      expect(v2).toMatchObject({ state: "STARTED", liveState: "DEPLOYMENT_STATE_READY" });
      const log = calls(changes(since));
      const v1Touched = log.findIndex((c) => c.includes(`/v1/endpoints/${v1.endpointId}`));
      expect(log.slice(0, v1Touched)).toEqual([
        `POST ${v2Path("")}`,
        `POST ${v2Path(`/${v2.endpointId}/deployments`)}`,
        `PATCH ${v2Path(`/${v2.endpointId}`)}`,
      ]);
      expect(log).toContain(`DELETE /v1/endpoints/${v1.endpointId}`);
      const fresh = deployment(v2.deploymentId);
      const firstV1Touch = changes(since)[v1Touched]!;
      expect(firstV1Touch.at).toBeGreaterThanOrEqual((fresh.phase as { readyAt: number }).readyAt);
      expect(emu.store.liveEndpoint(v1.endpointId)).toBeUndefined();
      expect(emu.summary()).toMatchObject({ endpointsLive: 0, endpointsBilling: 0, v2EndpointsLive: 1 });

      expect(await pulumi(["destroy", "--yes", "--stack", "switch"])).toMatch(/- 4 deleted/);
      expect(emu.summary()).toMatchObject({
        filesLive: 0,
        endpointsLive: 0,
        v2EndpointsLive: 0,
        deploymentsLive: 0,
        deploymentsBilling: 0,
      });
    });
  });

  test("the API key is in no exported state, CLI output or request log", async () => {
    const exported = JSON.stringify(await p.exportState("dev"));
    expect(exported).not.toContain(API_KEY);
    expect(printed).not.toContain(API_KEY);
    expect(JSON.stringify(emu.requests)).not.toContain(API_KEY);
  });
});
