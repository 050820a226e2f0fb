// FineTuneJob through the lifecycle harness: real programs using the SDK class, the real dynamic-provider
// process (running dist/), state kept between runs, the emulator as Together on an accelerated clock.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { TogetherClient } from "../../provider/client";
import { startEmulator, type Emulator } from "../../emulator";
import { DEFAULT_JOB_DURATIONS } from "../../emulator/store";
import { HarnessRunError, LifecycleHarness, type RunOptions, type RunResult } from "../../testing/harness";
import { FineTuneJob, type FineTuneJobArgs } from "../../sdk/fine-tune-job";

const TIME_SCALE = 600;
// Recognisable, so a leak into state or logs cannot hide.
const API_KEY = "tgp-SECRET-KEY-FineTuneJob-51c0de";
const HF_TOKEN = "hf_SECRET_TOKEN_FineTuneJob_7d2b";
const WANDB_KEY = "wandb-SECRET-KEY-FineTuneJob-93ae";
const MODEL = "Qwen/Qwen3-0.6B";
const FIXTURE = path.join(__dirname, "fixtures", "fine-tune-job", "train.jsonl");

let emu: Emulator;
let client: TogetherClient;
let root: string;
let trainingFile: string;
/** Every run's captured output, checked for leaked tokens after each test. */
const captured: string[] = [];

beforeAll(async () => {
  emu = await startEmulator({ apiKey: API_KEY, timeScale: TIME_SCALE });
  client = new TogetherClient({ baseUrl: emu.baseUrl, apiKey: API_KEY });
  root = fs.mkdtempSync(path.join(os.tmpdir(), "ftj-lifecycle-"));
  const file = await client.files.upload({
    path: FIXTURE,
    fileName: "train.jsonl",
    purpose: "fine-tune",
    fileType: "jsonl",
  });
  trainingFile = file.id;
  await emu.idle();
});

afterAll(async () => {
  await emu.close();
  fs.rmSync(root, { recursive: true, force: true });
});

beforeEach(() => {
  emu.faults.clear();
  emu.control.setUserLimit(1_000);
  emu.control.setJobDurations(DEFAULT_JOB_DURATIONS);
  captured.length = 0;
});

/** Training that lasts for (emulated) weeks, so a job stays `running` across runs. */
const slowTraining = (): void => emu.control.setJobDurations({ msPer1kTokens: 1_000 * 60 * 60_000 });
/** A queue that holds a job for (emulated) hours. */
const longQueue = (hours: number): void => emu.control.setJobDurations({ queuedMs: hours * 60 * 60_000 });

/** After every scenario: neither token (nor the API key) in the state file outside secret envelopes, nor in any
 *  captured output. */
function expectNoLeaks(stateFile: string): void {
  const state = fs.existsSync(stateFile) ? fs.readFileSync(stateFile, "utf8") : "";
  const outsideEnvelopes = state.replace(/"value":\s*"[^"]*"/g, '"value":"<secret>"');
  for (const secret of [HF_TOKEN, WANDB_KEY, API_KEY]) {
    expect(outsideEnvelopes).not.toContain(secret);
    for (const text of captured) expect(text).not.toContain(secret);
  }
}

function project(name: string): { h: LifecycleHarness; stateFile: string } {
  const dir = path.join(root, name);
  fs.mkdirSync(dir, { recursive: true });
  const stateFile = path.join(dir, "state.json");
  const h = new LifecycleHarness({ stateFile, env: { PULUMI_TOGETHER_TIME_SCALE: String(TIME_SCALE) } });
  return { h, stateFile };
}

const config = (): RunOptions => ({
  config: { "together:apiKey": API_KEY, "together:baseUrl": emu.baseUrl },
  secretKeys: ["together:apiKey"],
});

function program(args: Partial<FineTuneJobArgs>, name = "tune"): () => Record<string, unknown> {
  return () => {
    const j = new FineTuneJob(name, { trainingFile, model: MODEL, ...args });
    return {
      jobId: j.jobId,
      status: j.status,
      outputModelName: j.outputModelName,
      estimatedPriceUsd: j.estimatedPriceUsd,
      totalPriceUsd: j.totalPriceUsd,
      tokenCount: j.tokenCount,
      suffix: j.suffix,
      learningRate: j.learningRate,
    };
  };
}

async function run(p: Promise<RunResult>): Promise<RunResult> {
  try {
    const r = await p;
    captured.push(r.providerLog, JSON.stringify(r.outputs), JSON.stringify(r.ops));
    return r;
  } catch (e) {
    if (e instanceof HarnessRunError) captured.push(e.message, e.providerLog, JSON.stringify(e.ops));
    throw e;
  }
}

async function failure(p: Promise<RunResult>): Promise<HarnessRunError> {
  const e = await run(p).then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(HarnessRunError);
  return e as HarnessRunError;
}

const ops = (r: { ops: { op: string }[] }): string[] => r.ops.map((o) => o.op);
const posts = (): number =>
  emu.requests.filter((r) => r.method === "POST" && r.path === "/v1/fine-tunes").length;
const jobsWithSuffix = (suffix: string) => [...emu.store.jobs.values()].filter((j) => j.suffix === suffix);
const statusOf = async (id: string): Promise<string> => (await client.fineTunes.get(id)).status;

describe("FineTuneJob lifecycle", () => {
  test("preview shows the estimate; up waits to completion with outputs; destroy keeps the model", async () => {
    const { h, stateFile } = project("complete");
    const prog = program({ suffix: "complete", wandb: { apiKey: WANDB_KEY, projectName: "tests" } });
    const before = posts();
    const preview = await run(h.preview(prog, config()));
    expect(ops(preview)).toEqual(["create(preview)"]);
    expect(preview.providerLog).toMatch(
      /FineTuneJob "tune": estimated price \$[\d.]+ \([\d,]+ training tokens\)/,
    );
    expect(posts()).toBe(before);

    const up = await run(h.up(prog, config()));
    expect(ops(up)).toEqual(["create"]);
    expect(posts()).toBe(before + 1);
    const jobId = up.outputs.jobId as string;
    expect(jobId).toMatch(/^ft-/);
    expect(up.outputs).toMatchObject({ status: "completed", suffix: "complete" });
    expect(up.outputs.outputModelName).toMatch(/^emulator-user\/Qwen3-0\.6B-complete-[0-9a-f]{6}$/);
    expect(up.outputs.estimatedPriceUsd).toEqual(expect.any(Number));
    expect(up.outputs.totalPriceUsd).toBeGreaterThan(0);
    expect(up.outputs.totalPriceUsd).toBeLessThan(1_000);
    expect(up.outputs.tokenCount).toBeGreaterThan(0);
    expect(up.providerLog).toMatch(/started fine-tune job ft-/);
    expect(up.providerLog).toMatch(
      /FineTuneJob "tune": job ft-\S+ status (pending|queued|running)[^\n]*, elapsed \d+ (ms|s|min) \(time scale 600\)/,
    );
    const outs = h.state().resources[0]?.outputs ?? {};
    expect(outs).not.toHaveProperty("events");
    expect(outs).toMatchObject({
      totalSteps: expect.any(Number),
      stepsCompleted: expect.any(Number),
      schemaVersion: 1,
    });
    expect(JSON.stringify(outs.wandb)).not.toContain("apiKey");
    const body = emu.requests.find(
      (r) => r.method === "POST" && r.path === "/v1/fine-tunes" && r.status === 200,
    )?.body as Record<string, unknown>;
    expect(body).toMatchObject({ wandb_api_key: "***", wandb_key: "***", wandb_project_name: "tests" });

    const destroyed = await run(h.destroy(config()));
    expect(ops(destroyed)).toEqual(["delete"]);
    expect(emu.store.jobs.get(jobId)?.deleted).toBe(false);
    expect(await statusOf(jobId)).toBe("completed");
    expect(destroyed.providerLog).toMatch(/kept the trained model emulator-user\//);
    expectNoLeaks(stateFile);
  });

  test("a cap below the estimate fails the preview and the up, and starts nothing", async () => {
    const { h, stateFile } = project("cap");
    const prog = program({ suffix: "cap", maxPriceUsd: 0.000001 });
    const before = posts();
    const e = await failure(h.preview(prog, config()));
    expect(e.message).toMatch(
      /FineTuneJob "tune": estimated price \$[\d.]+ .* exceeds maxPriceUsd \$0\.0000010 .*account limit \$1000\.00.*Nothing was started\. Fix: raise maxPriceUsd/,
    );
    await failure(h.up(prog, config()));
    expect(posts()).toBe(before);
    expect(jobsWithSuffix("cap")).toHaveLength(0);

    // The account's own limit: Together says no.
    emu.control.setUserLimit(0);
    const e2 = await failure(h.preview(program({ suffix: "cap" }), config()));
    expect(e2.message).toMatch(/Together says this job may not proceed/);
    expect(posts()).toBe(before);
    expectNoLeaks(stateFile);
  });

  test("changing learningRate replaces the job and cancels the running one", async () => {
    const { h, stateFile } = project("replace");
    slowTraining();
    const first = await run(h.up(program({ suffix: "replace", waitFor: "running" }), config()));
    const oldId = first.outputs.jobId as string;
    expect(await statusOf(oldId)).toBe("running");

    const replaced = await run(
      h.up(program({ suffix: "replace", waitFor: "running", learningRate: 0.00002 }), config()),
    );
    expect(ops(replaced)).toEqual(["replace(create-before-delete)", "delete(replaced)"]);
    const newId = replaced.outputs.jobId as string;
    expect(newId).not.toBe(oldId);
    expect(replaced.outputs.learningRate).toBe(0.00002);
    expect(await statusOf(oldId)).toBe("cancelled");
    expect(jobsWithSuffix("replace")).toHaveLength(2);

    await run(h.destroy(config()));
    expect(await statusOf(newId)).toBe("cancelled");
    expectNoLeaks(stateFile);
  });

  test("a failed job fails the up with its events, stays in state, and is replaced by the next up", async () => {
    const { h, stateFile } = project("fail");
    longQueue(1);
    const prog = program({ suffix: "fail" });
    const timer = setInterval(() => {
      for (const j of jobsWithSuffix("fail")) {
        if (j.errorAt === undefined) emu.control.failJob(j.id, "CUDA out of memory: reduce batch_size");
      }
    }, 20);
    let e: HarnessRunError;
    try {
      e = await failure(h.up(prog, config()));
    } finally {
      clearInterval(timer);
    }
    expect(e.message).toMatch(
      /FineTuneJob "tune": fine-tune job ft-\S+ ended with status error\. Last events: .*CUDA out of memory: reduce batch_size/,
    );
    const entry = h.state().resources[0];
    expect(entry?.id).toMatch(/^ft-/);
    expect(entry?.outputs.status).toBe("error");
    const preview = await run(h.preview(prog, config()));
    expect(ops(preview)).toEqual(["replace(preview)"]);
    await run(h.destroy(config()));
    expect(h.state().resources).toHaveLength(0);
    expectNoLeaks(stateFile);
  });

  test("a timeout keeps the job in state; the next up resumes and completes without a second job", async () => {
    const { h, stateFile } = project("timeout");
    longQueue(10);
    const prog = program({ suffix: "timeout", timeoutMinutes: 2 });
    const e = await failure(h.up(prog, config()));
    expect(e.message).toMatch(
      /Timed out after 2 min at time scale 600 waiting for fine-tune job ft-\S+ to complete/,
    );
    expect(e.message).toMatch(/run `pulumi up` again to resume waiting/);
    const entry = h.state().resources[0];
    expect(entry?.outputs.status).toBe("queued");
    expect(jobsWithSuffix("timeout")).toHaveLength(1);

    emu.clock.advance(11 * 60 * 60_000);
    const resumed = await run(h.up(prog, config()));
    expect(ops(resumed)).toEqual(["update"]);
    expect(resumed.outputs).toMatchObject({ jobId: entry?.id, status: "completed" });
    expect(jobsWithSuffix("timeout")).toHaveLength(1);
    expect(ops(await run(h.up(prog, config())))).toEqual(["same"]);
    await run(h.destroy(config()));
    expectNoLeaks(stateFile);
  });

  test("an ambiguous create (connection reset after commit) adopts the one job it made", async () => {
    const { h, stateFile } = project("ambiguous");
    emu.faults.add({ method: "POST", path: "/v1/fine-tunes", action: { type: "reset", phase: "after" } });
    const up = await run(h.up(program({ suffix: "ambiguous", waitFor: "none" }), config()));
    expect(emu.faults.injected).toBe(1);
    expect(ops(up)).toEqual(["create"]);
    const jobs = jobsWithSuffix("ambiguous");
    expect(jobs).toHaveLength(1);
    expect(up.outputs.jobId).toBe(jobs[0]?.id);
    expect(up.providerLog).toMatch(/the create request failed ambiguously .*adopted job ft-/);
    await run(h.destroy(config()));
    expectNoLeaks(stateFile);
  });

  test("destroy while running cancels the job; the default suffix is <stack>-<name>", async () => {
    const { h, stateFile } = project("cancel");
    slowTraining();
    const up = await run(h.up(program({ waitFor: "running" }, "My Job"), config()));
    expect(up.outputs.suffix).toBe("dev-my-job");
    const id = up.outputs.jobId as string;
    expect(await statusOf(id)).toBe("running");
    const destroyed = await run(h.destroy(config()));
    expect(ops(destroyed)).toEqual(["delete"]);
    expect(await statusOf(id)).toBe("cancelled");
    expect(destroyed.providerLog).toMatch(/cancelling fine-tune job ft-/);
    expectNoLeaks(stateFile);
  });

  test("adoptJobId manages an existing job without creating one", async () => {
    const { h, stateFile } = project("adopt");
    const existing = await client.fineTunes.create({
      training_file: trainingFile,
      model: MODEL,
      suffix: "adopted",
    });
    const before = posts();
    const prog = program({ suffix: "adopted", adoptJobId: existing.id });
    const preview = await run(h.preview(prog, config()));
    expect(preview.providerLog).not.toMatch(/estimated price/);
    const up = await run(h.up(prog, config()));
    expect(ops(up)).toEqual(["create"]);
    expect(posts()).toBe(before);
    expect(up.outputs).toMatchObject({ jobId: existing.id, status: "completed" });
    expect(up.providerLog).toMatch(/adopted existing fine-tune job ft-/);
    await run(h.destroy(config()));
    expectNoLeaks(stateFile);
  });
  test("BYOM and from-checkpoint bodies reach Together as the API expects; tokens never leak", async () => {
    const { h, stateFile } = project("byom");
    const byom = program({
      suffix: "byom",
      fromHfModel: "acme/qwen3-0.6b-custom",
      hfModelRevision: "0123abc",
      hfApiToken: HF_TOKEN,
      hfOutputRepoName: "acme/tuned",
    });
    const up = await run(h.up(byom, config()));
    const source = up.outputs.outputModelName as string;
    const byomBody = emu.requests
      .filter((r) => r.method === "POST" && r.path === "/v1/fine-tunes")
      .at(-1)?.body;
    expect(byomBody).toEqual({
      training_file: trainingFile,
      model: MODEL,
      from_hf_model: "acme/qwen3-0.6b-custom",
      hf_model_revision: "0123abc",
      hf_api_token: "***",
      hf_output_repo_name: "acme/tuned",
      n_epochs: 1,
      n_checkpoints: 1,
      n_evals: 0,
      batch_size: "max",
      learning_rate: 0.00001,
      lr_scheduler: { lr_scheduler_type: "cosine", lr_scheduler_args: { min_lr_ratio: 0, num_cycles: 0.5 } },
      warmup_ratio: 0,
      max_grad_norm: 1,
      weight_decay: 0,
      suffix: "byom",
      training_method: { method: "sft", train_on_inputs: "auto" },
      training_type: { type: "Lora", lora_r: expect.any(Number), lora_alpha: expect.any(Number) },
    });
    const state = h.state().resources[0];
    expect(state?.outputs).not.toHaveProperty("hfApiToken");

    const fromCheckpoint = () => {
      new FineTuneJob("continued", {
        trainingFile,
        fromCheckpoint: source,
        suffix: "continued",
        nEpochs: 2,
        trainingMethod: { method: "sft", trainOnInputs: false },
        lrScheduler: { type: "linear", minLrRatio: 0.1 },
      });
      return byom();
    };
    await run(h.up(fromCheckpoint, config()));
    const cpBody = emu.requests.filter((r) => r.method === "POST" && r.path === "/v1/fine-tunes").at(-1)
      ?.body as Record<string, unknown>;
    expect(cpBody).toMatchObject({
      training_file: trainingFile,
      from_checkpoint: source,
      n_epochs: 2,
      suffix: "continued",
      training_method: { method: "sft", train_on_inputs: false },
      lr_scheduler: { lr_scheduler_type: "linear", lr_scheduler_args: { min_lr_ratio: 0.1 } },
    });
    expect(cpBody).not.toHaveProperty("model");
    await run(h.destroy(config()));
    expectNoLeaks(stateFile);
  });
});
