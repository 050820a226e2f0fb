// Conformance: Together's own TypeScript client (`together-ai`) drives the emulator. If the official
// client cannot talk to it, the emulator is wrong, not the client.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { readRequestLog, startEmulator, type Emulator } from "../../emulator";

// The client's upload helper reads TOGETHER_API_BASE_URL once, when the module loads; it is required
// after the emulator is listening.
type TogetherClient = any; // eslint-disable-line @typescript-eslint/no-explicit-any

let emu: Emulator;
let client: TogetherClient;
let AuthenticationError: new (...args: never[]) => Error;
let dir: string;
const savedBase = process.env.TOGETHER_API_BASE_URL;
const nativeFetch = globalThis.fetch;

beforeAll(async () => {
  emu = await startEmulator({ timeScale: 1 });
  process.env.TOGETHER_API_BASE_URL = emu.baseUrl;
  // together-ai 0.52's upload helper PUTs a Node stream through the global fetch without
  // `duplex: "half"`, which Node's fetch refuses before sending anything. Adding the flag is the only
  // change; every request the client makes still reaches the emulator as the client shaped it.
  globalThis.fetch = (input: Parameters<typeof fetch>[0], init?: RequestInit) =>
    nativeFetch(
      input,
      init?.body && typeof (init.body as { pipe?: unknown }).pipe === "function"
        ? { ...init, duplex: "half" }
        : init,
    );
  jest.isolateModules(() => {
    const Together = require("together-ai");
    AuthenticationError = Together.AuthenticationError;
    client = new Together({ apiKey: emu.apiKey, baseURL: emu.baseUrl, maxRetries: 0 });
  });
  dir = await fs.promises.mkdtemp(path.join(os.tmpdir(), "official-client-"));
});

afterAll(async () => {
  globalThis.fetch = nativeFetch;
  if (savedBase === undefined) delete process.env.TOGETHER_API_BASE_URL;
  else process.env.TOGETHER_API_BASE_URL = savedBase;
  await emu.close();
  await fs.promises.rm(dir, { recursive: true, force: true });
});

async function uploadWithClient(lines: number): Promise<{ id: string; bytes: number }> {
  const file = path.join(dir, `train-${lines}.jsonl`);
  const rows = Array.from({ length: lines }, (_, i) =>
    JSON.stringify({
      messages: [
        { role: "user", content: `q${i}` },
        { role: "assistant", content: `a${i}` },
      ],
    }),
  );
  await fs.promises.writeFile(file, rows.join("\n") + "\n");
  const uploaded = await client.files.upload(file, "fine-tune");
  return { id: uploaded.id, bytes: (await fs.promises.stat(file)).size };
}

describe("official together-ai client against the emulator", () => {
  it("uploads, lists, retrieves, downloads and deletes files", async () => {
    const { id, bytes } = await uploadWithClient(5);
    expect(id).toMatch(/^file-/);
    const got = await client.files.retrieve(id);
    expect(got).toMatchObject({ id, object: "file", bytes, purpose: "fine-tune", FileType: "jsonl" });
    const list = await client.files.list();
    expect(list.data.map((f: { id: string }) => f.id)).toContain(id);
    const content = await client.files.content(id);
    expect((await content.text()).split("\n").length).toBe(6);
    const del = await client.files.delete(id);
    expect(del).toMatchObject({ id, deleted: true });
    await expect(client.files.retrieve(id)).rejects.toMatchObject({ status: 404 });
  });

  it("creates, retrieves, lists, cancels a fine-tune and reads its events", async () => {
    const { id } = await uploadWithClient(20);
    await emu.idle();
    emu.clock.advance(10_000);
    expect((await client.files.retrieve(id)).processing_status).toBe("COMPLETED");

    const est = await client.fineTuning.estimatePrice({ training_file: id, model: "Qwen/Qwen3-0.6B" });
    expect(est).toMatchObject({ estimation_available: true, allowed_to_proceed: true });

    const job = await client.fineTuning.create({
      training_file: id,
      model: "Qwen/Qwen3-0.6B",
      suffix: "conformance",
      wandb_api_key: "wandb-secret-value",
      training_type: { type: "Lora", lora_r: 8, lora_alpha: 16 },
    });
    expect(job).toMatchObject({ status: "pending", model: "Qwen/Qwen3-0.6B" });
    expect(JSON.stringify(job)).not.toContain("wandb-secret-value");
    const got = await client.fineTuning.retrieve(job.id);
    expect(got).toMatchObject({
      id: job.id,
      user_id: "emulator-user",
      model_output_name: job.model_output_name,
    });
    const list = await client.fineTuning.list();
    expect(list.data.map((j: { id: string }) => j.id)).toContain(job.id);
    const limits = await client.fineTuning.modelLimits({ model_name: "Qwen/Qwen3-0.6B" });
    expect(limits.lora_training.max_rank).toBe(64);

    const cancelled = await client.fineTuning.cancel(job.id);
    expect(cancelled.status).toBe("cancel_requested");
    emu.clock.advance(60_000);
    expect((await client.fineTuning.retrieve(job.id)).status).toBe("cancelled");
    const events = await client.fineTuning.listEvents(job.id);
    expect(events.data.map((e: { type: string }) => e.type)).toEqual(
      expect.arrayContaining(["job_pending", "cancel_requested"]),
    );
    await expect(client.fineTuning.create({ training_file: id, model: "nope/nope" })).rejects.toMatchObject({
      status: 400,
    });
  });

  it("creates a job with every option of today's create params, reads it back, and the request log shows them", async () => {
    const { id: train } = await uploadWithClient(40);
    const { id: val } = await uploadWithClient(8);
    await emu.idle();
    emu.clock.advance(10_000);
    const since = emu.requests.length;
    // Every FineTuningCreateParams field together-ai 0.52 has for the options of issue #14.
    const params = {
      training_file: train,
      validation_file: val,
      model: "google/gemma-3-4b-it",
      n_evals: 8,
      packing: false,
      max_seq_length: 2048,
      gradient_accumulation_steps: 2,
      multimodal_params: { train_vision: true },
      early_stopping_enabled: true,
      early_stopping_patience: 2,
      early_stopping_min_delta: 0.05,
      early_stopping_warmup_evals: 1,
      hf_api_token: "hf-secret-value",
      training_type: { type: "Lora", lora_r: 8, lora_alpha: 16, lora_trainable_modules: "q_proj,v_proj" },
    };
    const job = await client.fineTuning.create(params);
    expect(job).toMatchObject({ packing: false, max_seq_length: 2048 });
    const moe = await client.fineTuning.create({
      training_file: train,
      model: "Qwen/Qwen3-30B-A3B",
      training_type: {
        type: "Lora",
        lora_r: 8,
        lora_alpha: 16,
        lora_trainable_modules: "q_proj,w_up,w_gate,w_down",
      },
    });
    expect(moe.training_type).toMatchObject({ lora_trainable_modules: "q_proj,w_up,w_gate,w_down" });

    emu.clock.advance(24 * 3_600_000);
    const got = await client.fineTuning.retrieve(job.id);
    expect(got).toMatchObject({
      status: "completed",
      multimodal_params: { train_vision: true },
      early_stopped: true,
      early_stopping_best_step: expect.any(Number),
      early_stopping_best_metric: expect.any(Number),
    });
    expect(got.steps_completed).toBeLessThan(got.total_steps);
    // The registry ids the newer endpoints API deploys, on the job and on each final checkpoint.
    expect(got).toMatchObject({
      model_object_id: expect.stringMatching(/^ml_/),
      model_object_name: got.model_output_name,
      adapter_object_id: expect.stringMatching(/^ml_/),
      adapter_object_name: `${got.model_output_name}-adapter`,
    });
    const checkpoints = await client.fineTuning.listCheckpoints(job.id);
    expect(
      checkpoints.data.filter((c: { checkpoint_type: string }) => c.checkpoint_type !== "Intermediate"),
    ).toEqual([
      expect.objectContaining({
        step: got.early_stopping_best_step,
        checkpoint: "model",
        object_id: got.model_object_id,
        object_revision_id: got.model_object_revision_id,
      }),
      expect.objectContaining({ checkpoint: "adapter", object_name: got.adapter_object_name }),
    ]);
    const events = await client.fineTuning.listEvents(job.id);
    expect(events.data.find((e: { type: string }) => e.type === "early_stopped")).toMatchObject({
      early_stopping_best_step: got.early_stopping_best_step,
    });

    // The log over HTTP, as a user of `pulumi-together emulator` reads it: this test's two creates come last.
    const log = (await readRequestLog(emu.baseUrl, { method: "post", path: "/v1/fine-tunes" })).slice(-2);
    expect(log.map((r) => r.requestId)).toEqual(
      emu.requests
        .slice(since)
        .filter((r) => r.method === "POST" && r.path === "/v1/fine-tunes")
        .map((r) => r.requestId),
    );
    expect(log[0]).toMatchObject({ method: "POST", path: "/v1/fine-tunes", status: 200 });
    expect(log[0]!.body).toEqual({ ...params, hf_api_token: "***" });
    expect(JSON.stringify(await readRequestLog(emu.baseUrl))).not.toContain("hf-secret-value");
  });

  it("creates, retrieves, updates and deletes an endpoint, and lists hardware", async () => {
    const hardware = await client.endpoints.listHardware({ model: "Qwen/Qwen3-8B" });
    expect(hardware.data.length).toBeGreaterThan(0);
    expect(hardware.data[0].availability.status).toBe("available");
    const ep = await client.endpoints.create({
      model: "Qwen/Qwen3-8B",
      hardware: hardware.data[0].id,
      autoscaling: { min_replicas: 1, max_replicas: 1 },
      display_name: "conformance",
    });
    expect(ep).toMatchObject({ object: "endpoint", type: "dedicated", state: "PENDING" });
    emu.clock.advance(300_000);
    expect((await client.endpoints.retrieve(ep.id)).state).toBe("STARTED");
    const updated = await client.endpoints.update(ep.id, {
      state: "STOPPED",
      autoscaling: { min_replicas: 1, max_replicas: 3 },
    });
    expect(updated).toMatchObject({ state: "STOPPING", autoscaling: { min_replicas: 1, max_replicas: 3 } });
    const mine = await client.endpoints.list({ mine: true, type: "dedicated" });
    expect(mine.data.map((e: { id: string }) => e.id)).toEqual([ep.id]);
    await client.endpoints.delete(ep.id);
    await expect(client.endpoints.retrieve(ep.id)).rejects.toMatchObject({ status: 404 });
    const zones = await client.endpoints.listAvzones();
    expect(zones.avzones.length).toBeGreaterThan(0);
  });

  it("surfaces the emulator's 401 as the client's AuthenticationError", async () => {
    const bad = new client.constructor({ apiKey: "wrong-key", baseURL: emu.baseUrl, maxRetries: 0 });
    const err = await bad.files.list().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AuthenticationError);
    expect(err).toMatchObject({ status: 401 });
    expect(err.error).toMatchObject({ error: { type: "authentication_error", code: "invalid_api_key" } });
  });

  it("retries an injected 429 with Retry-After and then succeeds", async () => {
    const retrying = new client.constructor({ apiKey: emu.apiKey, baseURL: emu.baseUrl, maxRetries: 2 });
    const before = emu.faults.injected;
    emu.faults.add({
      method: "GET",
      path: "/v1/hardware",
      action: { type: "status", status: 429, retryAfterSeconds: 0 },
    });
    const hw = await retrying.endpoints.listHardware();
    expect(hw.data.length).toBeGreaterThan(0);
    expect(emu.faults.injected).toBe(before + 1);
  });
});
