// DedicatedEndpoint through the lifecycle harness: real programs using the SDK class, the real dynamic-provider
// process (running dist/), state kept between runs, the emulator as Together on an accelerated clock.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { TogetherClient } from "../../provider/client";
import { startEmulator, type Emulator } from "../emulator";
import { HarnessRunError, LifecycleHarness, type RunOptions, type RunResult } from "./harness";
import { DedicatedEndpoint, type DedicatedEndpointArgs } from "../../sdk/dedicated-endpoint";
import { FineTuneJob } from "../../sdk/fine-tune-job";
import { TrainingFile } from "../../sdk/training-file";

const TIME_SCALE = 600;
// Recognisable, so a leak into state or logs cannot hide.
const API_KEY = "tgp-SECRET-KEY-DedicatedEndpoint-4be1d9";
const MODEL = "Qwen/Qwen3-8B";
const H100 = "1x_nvidia_h100_80gb_sxm";
const H100_HOURLY = 3.36; // 5.6 cents per minute in the emulator's catalogue
const DEFAULT_START_MS = 180_000;
const TRAIN_JSONL = path.join(__dirname, "fixtures", "dedicated-endpoint", "train.jsonl");
const HOUR_MS = 3_600_000;

let emu: Emulator;
let client: TogetherClient;
let root: string;

beforeAll(async () => {
  emu = await startEmulator({ apiKey: API_KEY, timeScale: TIME_SCALE });
  client = new TogetherClient({ baseUrl: emu.baseUrl, apiKey: API_KEY });
  root = fs.mkdtempSync(path.join(os.tmpdir(), "de-lifecycle-"));
});

afterAll(async () => {
  await emu.close();
  fs.rmSync(root, { recursive: true, force: true });
});

beforeEach(() => {
  emu.faults.clear();
  emu.control.setEndpointStartMs(DEFAULT_START_MS);
});

function project(name: string, stack = "dev"): { h: LifecycleHarness; stateFile: string } {
  const dir = path.join(root, name);
  fs.mkdirSync(dir, { recursive: true });
  const stateFile = path.join(dir, `state-${stack}.json`);
  const h = new LifecycleHarness({
    stateFile,
    stack,
    cwd: dir,
    env: { PULUMI_TOGETHER_TIME_SCALE: String(TIME_SCALE) },
  });
  return { h, stateFile };
}

const config = (): RunOptions => ({
  config: { "together:apiKey": API_KEY, "together:baseUrl": emu.baseUrl },
  secretKeys: ["together:apiKey"],
});

function program(args: Partial<DedicatedEndpointArgs>, name = "serve"): () => Record<string, unknown> {
  return () => {
    const ep = new DedicatedEndpoint(name, { model: MODEL, hardware: H100, ...args });
    return {
      endpointId: ep.endpointId,
      name: ep.name,
      state: ep.state,
      liveState: ep.liveState,
      hourlyPriceUsd: ep.hourlyPriceUsd,
      displayName: ep.displayName,
      autoscaling: ep.autoscaling,
    };
  };
}

const ops = (r: { ops: { op: string }[] }): string[] => r.ops.map((o) => o.op);
const live = (id: string) => {
  const e = emu.store.endpoints.get(id);
  return e && !e.deleted ? e : undefined;
};
const wireState = async (id: string): Promise<string> => (await client.endpoints.get(id)).state;
const bodyOf = (r: { body?: unknown }) => (r.body ?? {}) as Record<string, unknown>;
const endpointRequests = () => emu.requests.filter((r) => r.path.startsWith("/v1/endpoints"));

async function failure(run: Promise<RunResult>): Promise<HarnessRunError> {
  const err = await run.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(HarnessRunError);
  return err as HarnessRunError;
}

/**
 * Works around a gap in provider/runtime.ts (not ours to edit): the runtime strips `__provider` from a
 * lifecycle's arguments and does not put it back into a PartialFailureError's properties, so the outputs stored
 * for a partially failed resource lack it and a later delete/read fails with "code must be a string". The real
 * engine stores those properties as-is; until runtime.dispatch restores the key, copy it from the stored inputs.
 */
function restoreProviderKey(h: LifecycleHarness, stateFile: string): void {
  const state = h.state();
  for (const r of state.resources) {
    if (r.outputs.__provider === undefined) r.outputs.__provider = r.inputs.__provider;
  }
  fs.writeFileSync(stateFile, JSON.stringify(state, null, 2));
}

/** Polls the emulator until the provider (running in its own process) has created an endpoint named so. */
async function endpointNamed(displayName: string): Promise<string> {
  for (let i = 0; i < 400; i++) {
    const found = [...emu.store.endpoints.values()].find((e) => !e.deleted && e.displayName === displayName);
    if (found) return found.id;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`no endpoint named ${displayName} appeared`);
}

/** Cleans up through the API where destroy itself is not what a test proves (each harness run spawns a provider). */
async function removeBehindPulumi(h: LifecycleHarness): Promise<void> {
  for (const r of h.state().resources) await client.endpoints.delete(r.id);
}

function expectNoKeyLeak(stateFile: string, ...runs: { providerLog: string }[]): void {
  const state = fs.readFileSync(stateFile, "utf8").replace(/"value":\s*"[^"]*"/g, '"value":"<secret>"');
  expect(state).not.toContain(API_KEY);
  for (const r of runs) expect(r.providerLog).not.toContain(API_KEY);
}

describe("DedicatedEndpoint lifecycle", () => {
  test("serves a catalogue model, shows its price, scales in place, and leaves nothing after destroy", async () => {
    const { h, stateFile } = project("basic");
    const mark = emu.requests.length;
    const preview = await h.preview(program({}), config());
    expect(ops(preview)).toEqual(["create(preview)"]);
    expect(preview.providerLog).toContain(
      `${H100} costs $3.36/h per replica, up to $3.36/h at 1 replica(s) while started`,
    );

    const up = await h.up(program({}), config());
    expect(ops(up)).toEqual(["create"]);
    const id = up.outputs.endpointId as string;
    expect(up.outputs).toMatchObject({
      state: "STARTED",
      liveState: "STARTED",
      hourlyPriceUsd: H100_HOURLY,
      displayName: "proj-dev-serve",
      autoscaling: { minReplicas: 1, maxReplicas: 1 },
    });
    expect(up.outputs.name).toMatch(/^emulator-user\/Qwen3-8B-[0-9a-f]{8}$/);
    expect(await wireState(id)).toBe("STARTED");
    expect(up.providerLog).toMatch(/is (PENDING|STARTING), waiting for STARTED \(\d+ (ms|s) elapsed\)/);

    const scaled = await h.up(program({ autoscaling: { minReplicas: 1, maxReplicas: 2 } }), config());
    expect(ops(scaled)).toEqual(["update"]);
    expect(scaled.outputs).toMatchObject({ endpointId: id, hourlyPriceUsd: 2 * H100_HOURLY });
    expect(live(id)?.autoscaling).toEqual({ min_replicas: 1, max_replicas: 2 });
    const posts = emu.requests.slice(mark).filter((r) => r.method === "POST" && r.path === "/v1/endpoints");
    expect(posts).toHaveLength(1);

    const before = emu.requests.length;
    const destroyed = await h.destroy(config());
    expect(ops(destroyed)).toEqual(["delete"]);
    expect(live(id)).toBeUndefined();
    expect(emu.summary()).toMatchObject({ endpointsLive: 0, endpointsBilling: 0 });
    // Stop, then delete, then confirm it is gone.
    const tail = emu.requests.slice(before).filter((r) => r.path === `/v1/endpoints/${id}`);
    const patch = tail.findIndex((r) => r.method === "PATCH" && bodyOf(r).state === "STOPPED");
    const del = tail.findIndex((r) => r.method === "DELETE");
    expect(patch).toBeGreaterThanOrEqual(0);
    expect(del).toBeGreaterThan(patch);
    expect(tail.slice(del + 1).some((r) => r.method === "GET" && r.status === 404)).toBe(true);
    expect(h.state().resources).toEqual([]);
    expectNoKeyLeak(stateFile, preview, up, scaled, destroyed);
  });

  test("state STOPPED then STARTED updates the same endpoint in place", async () => {
    const { h } = project("stop-start");
    const up = await h.up(program({}), config());
    const id = up.outputs.endpointId as string;

    const stopped = await h.up(program({ state: "STOPPED" }), config());
    expect(ops(stopped)).toEqual(["update"]);
    expect(stopped.outputs).toMatchObject({ endpointId: id, state: "STOPPED", liveState: "STOPPED" });
    expect(await wireState(id)).toBe("STOPPED");
    expect(emu.summary().endpointsBilling).toBe(0);

    const restarted = await h.up(program({ state: "STARTED" }), config());
    expect(ops(restarted)).toEqual(["update"]);
    expect(restarted.outputs).toMatchObject({ endpointId: id, state: "STARTED", liveState: "STARTED" });
    expect(await wireState(id)).toBe("STARTED");
    await client.endpoints.delete(id);
  });

  test("serves a fine-tuned model made by a completed job", async () => {
    const { h } = project("fine-tuned");
    const file = await client.files.upload({
      path: TRAIN_JSONL,
      fileName: "train.jsonl",
      purpose: "fine-tune",
      fileType: "jsonl",
    });
    await emu.idle();
    const job = await client.fineTunes.create({
      training_file: file.id,
      model: "Qwen/Qwen3-0.6B",
      suffix: "serve",
    });
    emu.clock.advance(HOUR_MS);
    const done = await client.fineTunes.get(job.id);
    expect(done.status).toBe("completed");
    const tuned = done.model_output_name ?? "";
    expect(tuned).toMatch(/^emulator-user\/Qwen3-0\.6B-serve-[0-9a-f]{6}$/);

    const up = await h.up(program({ model: tuned, hardware: "1x_nvidia_l40s_48gb_pcie" }), config());
    expect(ops(up)).toEqual(["create"]);
    expect(up.outputs).toMatchObject({ state: "STARTED", hourlyPriceUsd: 2.1 });
    expect(live(up.outputs.endpointId as string)?.model).toBe(tuned);
    await removeBehindPulumi(h);
  });

  test("one program chains TrainingFile -> FineTuneJob -> DedicatedEndpoint", async () => {
    const { h } = project("chain");
    fs.copyFileSync(TRAIN_JSONL, path.join(root, "chain", "train.jsonl"));
    const chain = () => {
      const file = new TrainingFile("train", { source: path.join(root, "chain", "train.jsonl") });
      const job = new FineTuneJob("tune", {
        trainingFile: file.fileId,
        model: "Qwen/Qwen3-0.6B",
        waitFor: "completed",
      });
      const ep = new DedicatedEndpoint("serve", {
        model: job.outputModelName.apply((m) => m ?? ""),
        hardware: "1x_nvidia_l40s_48gb_pcie",
        maxHourlyPriceUsd: 3,
      });
      return { model: job.outputModelName, endpointId: ep.endpointId, name: ep.name, state: ep.state };
    };
    // In preview the job's output is unknown: the endpoint's hardware check waits for it, the price cap does not.
    const preview = await h.preview(chain, config());
    expect(ops(preview)).toEqual(["create(preview)", "create(preview)", "create(preview)"]);
    const up = await h.up(chain, config());
    expect(ops(up)).toEqual(["create", "create", "create"]);
    expect(up.outputs).toMatchObject({ state: "STARTED" });
    expect(live(up.outputs.endpointId as string)?.model).toBe(up.outputs.model);
    await h.destroy(config());
    expect(live(up.outputs.endpointId as string)).toBeUndefined();
  });

  test("a hardware change replaces create-before-delete: the new endpoint is started before the old is deleted", async () => {
    const { h } = project("replace");
    const first = await h.up(program({}), config());
    const oldId = first.outputs.endpointId as string;
    const mark = emu.requests.length;

    const replaced = await h.up(program({ hardware: "2x_nvidia_h100_80gb_sxm" }), config());
    expect(ops(replaced)).toEqual(["replace(create-before-delete)", "delete(replaced)"]);
    const newId = replaced.outputs.endpointId as string;
    expect(newId).not.toBe(oldId);
    expect(replaced.outputs.hourlyPriceUsd).toBe(2 * H100_HOURLY);

    const log = emu.requests.slice(mark);
    const created = log.findIndex((r) => r.method === "POST" && r.path === "/v1/endpoints");
    const firstOldTouch = log.findIndex((r) => r.path === `/v1/endpoints/${oldId}`);
    const oldDeleted = log.findIndex((r) => r.method === "DELETE" && r.path === `/v1/endpoints/${oldId}`);
    const newPolls = log.flatMap((r, i) =>
      r.method === "GET" && r.path === `/v1/endpoints/${newId}` ? [i] : [],
    );
    expect(created).toBeGreaterThanOrEqual(0);
    expect(firstOldTouch).toBeGreaterThan(created);
    expect(newPolls.filter((i) => i > created && i < firstOldTouch).length).toBeGreaterThan(0);
    expect(oldDeleted).toBeGreaterThan(firstOldTouch);
    // The provider saw the new endpoint STARTED before it began stopping the old one.
    const log2 = replaced.providerLog;
    expect(log2.indexOf(`endpoint ${newId} is STARTED after`)).toBeGreaterThanOrEqual(0);
    expect(log2.indexOf(`endpoint ${newId} is STARTED after`)).toBeLessThan(
      log2.indexOf(`stopping endpoint ${oldId}`),
    );
    expect(live(oldId)).toBeUndefined();
    expect(await wireState(newId)).toBe("STARTED");
    await removeBehindPulumi(h);
  });

  test("hardware the model cannot use fails the preview with the valid options, and nothing is created", async () => {
    const { h } = project("bad-hardware");
    const posts = () => emu.requests.filter((r) => r.method === "POST" && r.path === "/v1/endpoints").length;
    const before = posts();
    const err = await failure(
      h.preview(program({ model: "meta-llama/Llama-3.3-70B-Instruct-Reference", hardware: H100 }), config()),
    );
    expect(err.message).toContain(
      `DedicatedEndpoint "serve": hardware = "${H100}": is not offered for model "meta-llama/Llama-3.3-70B-Instruct-Reference", ` +
        `allowed one of the configurations Together offers for model "meta-llama/Llama-3.3-70B-Instruct-Reference": ` +
        `4x_nvidia_h100_80gb_sxm ($13.44/h per replica, available), 8x_nvidia_h100_80gb_sxm ($26.88/h per replica, available), ` +
        `8x_nvidia_h200_140gb_sxm ($39.84/h per replica, available). Fix: set hardware to one marked available`,
    );
    await failure(
      h.up(program({ model: "meta-llama/Llama-3.3-70B-Instruct-Reference", hardware: H100 }), config()),
    );
    expect(posts()).toBe(before);
    expect(h.state().resources).toEqual([]);

    emu.control.setHardwareAvailability("2x_nvidia_h100_80gb_sxm", "unavailable");
    try {
      const busy = await failure(h.preview(program({ hardware: "2x_nvidia_h100_80gb_sxm" }), config()));
      expect(busy.message).toContain(
        'is offered for model "Qwen/Qwen3-8B" but Together reports it unavailable right now',
      );
    } finally {
      emu.control.setHardwareAvailability("2x_nvidia_h100_80gb_sxm", "available");
    }
  });

  test("a price above maxHourlyPriceUsd fails the preview with both figures", async () => {
    const { h } = project("price-cap");
    const err = await failure(
      h.preview(program({ autoscaling: { minReplicas: 1, maxReplicas: 3 }, maxHourlyPriceUsd: 5 }), config()),
    );
    expect(err.message).toContain(
      `DedicatedEndpoint "serve": maxHourlyPriceUsd = 5: the endpoint would cost up to $10.08/h (3 x $3.36/h on ${H100}), ` +
        `above the cap of $5.00/h, allowed an hourly price of at most 5. Fix: lower autoscaling.maxReplicas, ` +
        `choose cheaper hardware, or raise maxHourlyPriceUsd to at least 10.08`,
    );
    expect(h.state().resources).toEqual([]);
    const ok = await h.preview(
      program({ autoscaling: { minReplicas: 1, maxReplicas: 1 }, maxHourlyPriceUsd: 5 }),
      config(),
    );
    expect(ops(ok)).toEqual(["create(preview)"]);
  });

  test("ERROR while starting fails fast with Together's state, keeps the endpoint, and destroy removes it", async () => {
    const { h, stateFile } = project("error");
    emu.control.setEndpointStartMs(10 * HOUR_MS);
    const run = h.up(program({ timeoutMinutes: 600, displayName: "proj-dev-error" }), config());
    const id = await endpointNamed("proj-dev-error");
    emu.control.setEndpointError(id, "replica crashed: CUDA out of memory");
    const started = Date.now();
    const err = await failure(run);
    // 600 min at x600 would be 60 s: failing at once shows the wait ended on ERROR, not on the deadline.
    expect(Date.now() - started).toBeLessThan(30_000);
    expect(err.message).toContain(
      `DedicatedEndpoint "serve": endpoint ${id} create failed: Together reports ERROR`,
    );
    expect(err.message).toContain("It is kept in the stack so that destroy removes it");
    const [entry] = h.state().resources;
    expect(entry?.id).toBe(id);
    expect(entry?.outputs).toMatchObject({ state: "ERROR", liveState: "ERROR" });

    restoreProviderKey(h, stateFile);
    await h.destroy(config());
    expect(live(id)).toBeUndefined();
    expect(h.state().resources).toEqual([]);
  });

  test("a timed-out wait keeps the endpoint and the next up resumes it without a second create", async () => {
    const { h, stateFile } = project("timeout");
    emu.control.setEndpointStartMs(2 * HOUR_MS);
    const prog = program({ timeoutMinutes: 1, displayName: "proj-dev-timeout" });
    const err = await failure(h.up(prog, config()));
    const [entry] = h.state().resources;
    const id = entry?.id ?? "";
    expect(err.message).toContain(
      `DedicatedEndpoint "serve": endpoint ${id} did not reach STARTED within 1 min (last state PENDING). ` +
        "It is kept in the stack; run up again to resume waiting, or raise timeoutMinutes",
    );
    expect(entry?.outputs).toMatchObject({ state: "PENDING", endpointId: id });
    restoreProviderKey(h, stateFile);

    emu.clock.advance(2 * HOUR_MS);
    const resumed = await h.up(prog, config());
    expect(ops(resumed)).toEqual(["update"]);
    expect(resumed.outputs).toMatchObject({ endpointId: id, state: "STARTED" });
    const posts = endpointRequests().filter(
      (r) => r.method === "POST" && bodyOf(r).display_name === "proj-dev-timeout",
    );
    expect(posts).toHaveLength(1);
    await removeBehindPulumi(h);
  });

  test("an endpoint stopped by its inactivity timeout stays stopped through refresh and up", async () => {
    const { h } = project("auto-stop");
    const up = await h.up(program({ inactiveTimeoutMinutes: 15 }), config());
    const id = up.outputs.endpointId as string;
    const post = emu.requests.filter((r) => r.method === "POST" && r.path === "/v1/endpoints").pop();
    expect(post?.body).toMatchObject({ display_name: "proj-dev-serve", inactive_timeout: 15 });
    emu.control.stopEndpointForInactivity(id);

    const refreshed = await h.refresh(config());
    expect(ops(refreshed)).toEqual(["refresh(drift)"]);
    expect(refreshed.providerLog).toContain("stopped by its inactivity timeout; not treated as drift");
    expect(h.state().resources[0]?.outputs).toMatchObject({ state: "STARTED", liveState: "STOPPED" });

    const mark = emu.requests.length;
    expect(ops(await h.up(program({ inactiveTimeoutMinutes: 15 }), config()))).toEqual(["same"]);
    // A rescale while idle does not restart it either.
    const rescaled = await h.up(
      program({ inactiveTimeoutMinutes: 15, autoscaling: { maxReplicas: 2 } }),
      config(),
    );
    expect(ops(rescaled)).toEqual(["update"]);
    expect(rescaled.providerLog).toContain("left stopped (not restarted)");
    const patches = emu.requests.slice(mark).filter((r) => r.method === "PATCH");
    expect(patches.map((r) => r.body)).toEqual([{ autoscaling: { min_replicas: 1, max_replicas: 2 } }]);
    expect(await wireState(id)).toBe("STOPPED");
    expect(emu.summary().endpointsBilling).toBe(0);
    await removeBehindPulumi(h);
  });

  test("an endpoint stopped or rescaled by hand is drift: refresh records it and up restores the declaration", async () => {
    const { h } = project("manual-stop");
    const prog = program({ inactiveTimeoutMinutes: 0, autoscaling: { minReplicas: 1, maxReplicas: 2 } });
    const up = await h.up(prog, config());
    const id = up.outputs.endpointId as string;
    await client.endpoints.update(id, {
      state: "STOPPED",
      autoscaling: { min_replicas: 1, max_replicas: 1 },
    });
    emu.clock.advance(60_000);
    expect(await wireState(id)).toBe("STOPPED");

    const refreshed = await h.refresh(config());
    expect(ops(refreshed)).toEqual(["refresh(drift)"]);
    expect(h.state().resources[0]?.outputs).toMatchObject({
      state: "STOPPED",
      liveState: "STOPPED",
      autoscaling: { minReplicas: 1, maxReplicas: 1 },
    });
    const restored = await h.up(prog, config());
    expect(ops(restored)).toEqual(["update"]);
    expect(restored.outputs).toMatchObject({
      endpointId: id,
      state: "STARTED",
      autoscaling: { minReplicas: 1, maxReplicas: 2 },
    });
    expect(await wireState(id)).toBe("STARTED");
    expect(live(id)?.autoscaling).toEqual({ min_replicas: 1, max_replicas: 2 });
    await removeBehindPulumi(h);
  });

  test("two stacks of one program get distinct display names and endpoints", async () => {
    const a = project("stacks", "dev");
    const b = project("stacks", "feature_login");
    const upA = await a.h.up(program({}), config());
    const upB = await b.h.up(program({}), config());
    expect(upA.outputs.displayName).toBe("proj-dev-serve");
    expect(upB.outputs.displayName).toMatch(/^proj-feature-login-serve-[0-9a-f]{8}$/);
    expect(upA.outputs.endpointId).not.toBe(upB.outputs.endpointId);
    expect(live(upA.outputs.endpointId as string)?.displayName).toBe("proj-dev-serve");
    expect(live(upB.outputs.endpointId as string)?.displayName).toBe(upB.outputs.displayName);
    await a.h.destroy(config());
    expect(live(upB.outputs.endpointId as string)).toBeDefined();
    await removeBehindPulumi(b.h);
  });

  test("an ambiguous create (connection reset after commit) ends with exactly one endpoint", async () => {
    const { h } = project("ambiguous");
    const created = () => [...emu.store.endpoints.values()].filter((e) => e.displayName === "proj-dev-once");
    emu.faults.add({ method: "POST", path: "/v1/endpoints", action: { type: "reset", phase: "after" } });
    const up = await h.up(program({ displayName: "proj-dev-once" }), config());
    expect(emu.faults.injected).toBe(1);
    expect(ops(up)).toEqual(["create"]);
    expect(up.providerLog).toContain("adopted endpoint");
    expect(created()).toHaveLength(1);
    expect(up.outputs).toMatchObject({ endpointId: created()[0]?.id, state: "STARTED" });
    await removeBehindPulumi(h);
  });

  test("adoptEndpointId brings an existing endpoint under management and converges it", async () => {
    const { h } = project("adopt");
    const existing = await client.endpoints.create({
      model: MODEL,
      hardware: H100,
      autoscaling: { min_replicas: 1, max_replicas: 1 },
      display_name: "made-by-hand",
      state: "STOPPED",
    });
    const up = await h.up(program({ adoptEndpointId: existing.id }), config());
    expect(ops(up)).toEqual(["create"]);
    expect(up.outputs).toMatchObject({
      endpointId: existing.id,
      displayName: "proj-dev-serve",
      state: "STARTED",
    });
    expect(await wireState(existing.id)).toBe("STARTED");
    // Dropping the argument after adoption changes nothing.
    expect(ops(await h.up(program({}), config()))).toEqual(["same"]);
    await h.destroy(config());
    expect(live(existing.id)).toBeUndefined();
  });
});
