import { startEmulator, type Emulator } from "../../emulator";
import { api, conversationJsonl, preferenceJsonl, readyFile, uploadText } from "./test-helpers";

let emu: Emulator;
beforeEach(async () => {
  emu = await startEmulator({ timeScale: 1 });
});
afterEach(async () => {
  await emu.close();
});

const MODEL = "Qwen/Qwen3-0.6B";
const lora = { type: "Lora", lora_r: 8, lora_alpha: 16 };

async function create(body: Record<string, unknown>) {
  return api(emu, "POST", "/fine-tunes", body);
}

describe("create validation", () => {
  let file: string;
  beforeEach(async () => {
    file = await readyFile(emu);
  });

  const cases: [string, () => Record<string, unknown>, string, RegExp][] = [
    [
      "unknown training file",
      () => ({ training_file: "file-nope", model: MODEL }),
      "training_file",
      /not found/,
    ],
    ["unknown model", () => ({ training_file: file, model: "acme/NotAModel-7B" }), "model", /not supported/],
    ["missing model", () => ({ training_file: file }), "model", /required/],
    [
      "model and from_checkpoint",
      () => ({ training_file: file, model: MODEL, from_checkpoint: "ft-x" }),
      "from_checkpoint",
      /both/,
    ],
    [
      "unknown from_checkpoint",
      () => ({ training_file: file, from_checkpoint: "ft-unknown" }),
      "from_checkpoint",
      /not found/,
    ],
    [
      "batch size above the LoRA SFT max",
      () => ({ training_file: file, model: MODEL, batch_size: 16, training_type: lora }),
      "batch_size",
      /between 8 and 8/,
    ],
    [
      "batch size below the min",
      () => ({ training_file: file, model: "meta-llama/Meta-Llama-3-8B", batch_size: 4 }),
      "batch_size",
      /between 8 and 16/,
    ],
    [
      "full training on a LoRA-only model",
      () => ({ training_file: file, model: "openai/gpt-oss-20b", training_type: { type: "Full" } }),
      "training_type",
      /LoRA only/,
    ],
    [
      "DPO on a conversation file",
      () => ({ training_file: file, model: MODEL, training_method: { method: "dpo" } }),
      "training_method",
      /preference/,
    ],
    [
      "n_evals without a validation file",
      () => ({ training_file: file, model: MODEL, n_evals: 2 }),
      "n_evals",
      /validation_file/,
    ],
    ["a suffix with a slash", () => ({ training_file: file, model: MODEL, suffix: "a/b" }), "suffix", /1-64/],
    [
      "a 65-character suffix",
      () => ({ training_file: file, model: MODEL, suffix: "a".repeat(65) }),
      "suffix",
      /1-64/,
    ],
    [
      "lora_r above the max rank",
      () => ({ training_file: file, model: MODEL, training_type: { ...lora, lora_r: 128 } }),
      "training_type.lora_r",
      /1 and 64/,
    ],
    [
      "learning_rate 0",
      () => ({ training_file: file, model: MODEL, learning_rate: 0 }),
      "learning_rate",
      /> 0/,
    ],
    [
      "negative learning_rate",
      () => ({ training_file: file, model: MODEL, learning_rate: -1 }),
      "learning_rate",
      /> 0/,
    ],
    [
      "n_epochs 0",
      () => ({ training_file: file, model: MODEL, n_epochs: 0 }),
      "n_epochs",
      /between 1 and 20/,
    ],
    [
      "warmup_ratio 2",
      () => ({ training_file: file, model: MODEL, warmup_ratio: 2 }),
      "warmup_ratio",
      /between 0 and 1/,
    ],
  ];
  it.each(cases)("rejects %s with a 400 naming the parameter", async (_name, body, param, message) => {
    const res = await create(body());
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ type: "invalid_request_error", param });
    expect(res.body.error.message).toMatch(message);
    expect(emu.summary().jobsCreated).toBe(0);
  });

  it("rejects a file that is not processed yet, and an invalid one", async () => {
    const fresh = await uploadText(emu, conversationJsonl(2));
    const pending = await create({ training_file: fresh, model: MODEL });
    expect(pending.status).toBe(400);
    expect(pending.body.error.message).toMatch(/not been processed/);
    const broken = await readyFile(emu, "oops\n");
    const invalid = await create({ training_file: broken, model: MODEL });
    expect(invalid.status).toBe(400);
    expect(invalid.body.error.message).toMatch(/failed validation/);
  });

  it("accepts DPO on a preference file and full training where offered", async () => {
    const pref = await readyFile(emu, preferenceJsonl(4));
    const dpo = await create({
      training_file: pref,
      model: MODEL,
      training_method: { method: "dpo" },
      training_type: lora,
    });
    expect(dpo.status).toBe(200);
    const full = await create({
      training_file: file,
      model: MODEL,
      training_type: { type: "Full" },
      batch_size: 8,
    });
    expect(full.status).toBe(200);
    expect(full.body.training_type).toEqual({ type: "Full" });
  });
});

describe("job lifecycle on the emulated clock", () => {
  it("walks pending -> queued -> running -> compressing -> uploading -> completed with events, steps and price", async () => {
    const file = await readyFile(emu, conversationJsonl(200));
    emu.control.setJobDurations({ msPer1kTokens: 5_000 });
    const res = await create({
      training_file: file,
      model: MODEL,
      suffix: "my-run",
      n_epochs: 2,
      n_checkpoints: 2,
      training_type: lora,
    });
    expect(res.status).toBe(200);
    const job = res.body;
    expect(job).toMatchObject({
      id: expect.stringMatching(/^ft-/),
      status: "pending",
      user_id: "emulator-user",
      model: MODEL,
      suffix: "my-run",
      n_epochs: 2,
    });
    expect(job.model_output_name).toMatch(/^emulator-user\/Qwen3-0\.6B-my-run-[0-9a-f]{6}$/);
    expect(job.total_price).toBeUndefined();

    const seen: string[] = [];
    for (let i = 0; i < 40 && seen.at(-1) !== "completed"; i++) {
      const got = (await api(emu, "GET", `/fine-tunes/${job.id}`)).body;
      if (seen.at(-1) !== got.status) seen.push(got.status);
      emu.clock.advance(10_000);
    }
    expect(seen).toEqual(["pending", "queued", "running", "compressing", "uploading", "completed"]);

    const done = (await api(emu, "GET", `/fine-tunes/${job.id}`)).body;
    const bytes = emu.store.files.get(file)!.bytes;
    expect(done.token_count).toBe(Math.ceil(bytes / 4) * 2);
    // 0.6B is in the <= 16B band: $0.48 per million tokens for LoRA SFT, in nano-dollars.
    expect(done.total_price).toBe(Math.round(done.token_count * 0.48e-6 * 1e9));
    expect(done).toMatchObject({
      epochs_completed: 2,
      steps_completed: done.total_steps,
      trainingfile_size: bytes,
      trainingfile_numlines: 200,
    });
    const events = (await api(emu, "GET", `/fine-tunes/${job.id}/events`)).body.data;
    const types = events.map((e: { type: string }) => e.type);
    expect(types[0]).toBe("job_pending");
    expect(types).toEqual(
      expect.arrayContaining([
        "job_start",
        "training_start",
        "epoch_complete",
        "model_compressing",
        "model_uploading",
        "job_complete",
      ]),
    );
    expect(types.at(-1)).toBe("job_complete");
    const checkpoints = (await api(emu, "GET", `/fine-tunes/${job.id}/checkpoints`)).body.data;
    expect(checkpoints.map((c: { checkpoint_type: string }) => c.checkpoint_type)).toEqual(
      expect.arrayContaining(["Final Merged", "Final Adapter"]),
    );
    expect(emu.summary()).toMatchObject({ jobsCreated: 1, jobsActive: 0 });

    const cont = await create({
      training_file: file,
      from_checkpoint: done.model_output_name,
      training_type: lora,
    });
    expect(cont.status).toBe(200);
    expect(cont.body).toMatchObject({ model: MODEL, from_checkpoint: done.model_output_name });
  });

  it("cancels: cancel_requested then cancelled after a short delay, charging completed steps only", async () => {
    const file = await readyFile(emu);
    const job = (await create({ training_file: file, model: MODEL })).body;
    const cancel = await api(emu, "POST", `/fine-tunes/${job.id}/cancel`);
    expect(cancel.status).toBe(200);
    expect(cancel.body.status).toBe("cancel_requested");
    emu.clock.advance(60_000);
    const after = (await api(emu, "GET", `/fine-tunes/${job.id}`)).body;
    expect(after.status).toBe("cancelled");
    expect(after.total_price).toBeUndefined();
    const types = (await api(emu, "GET", `/fine-tunes/${job.id}/events`)).body.data.map(
      (e: { type: string }) => e.type,
    );
    expect(types).toEqual(["job_pending", "cancel_requested", "job_stopped"]);
    const again = await api(emu, "POST", `/fine-tunes/${job.id}/cancel`);
    expect(again.status).toBe(400);
    expect(emu.summary().jobsActive).toBe(0);
  });

  it("control.failJob moves a job to error with an error event", async () => {
    const file = await readyFile(emu);
    const job = (await create({ training_file: file, model: MODEL })).body;
    emu.clock.advance(70_000);
    emu.control.failJob(job.id, "CUDA out of memory");
    const got = (await api(emu, "GET", `/fine-tunes/${job.id}`)).body;
    expect(got.status).toBe("error");
    const last = got.events.at(-1);
    expect(last).toMatchObject({ type: "job_error", level: "error", message: "CUDA out of memory" });
  });

  it("lists and deletes jobs; a deleted job is gone but still counted", async () => {
    const file = await readyFile(emu);
    const job = (await create({ training_file: file, model: MODEL })).body;
    expect((await api(emu, "GET", "/fine-tunes")).body.data.map((j: { id: string }) => j.id)).toEqual([
      job.id,
    ]);
    const del = await api(emu, "DELETE", `/fine-tunes/${job.id}`);
    expect(del.status).toBe(200);
    expect(del.body.message).toMatch(job.id);
    expect((await api(emu, "GET", `/fine-tunes/${job.id}`)).status).toBe(404);
    expect(emu.summary()).toMatchObject({ jobsCreated: 1, jobsActive: 0 });
  });
});

describe("estimate-price, limits, supported models", () => {
  it("estimates from file size, epochs and evals, and honours the user limit", async () => {
    const train = await readyFile(emu, conversationJsonl(100));
    const val = await readyFile(emu, conversationJsonl(10));
    const body = { training_file: train, validation_file: val, model: MODEL, n_epochs: 3, n_evals: 2 };
    const est = await api(emu, "POST", "/fine-tunes/estimate-price", body);
    const trainTokens = Math.ceil(emu.store.files.get(train)!.bytes / 4) * 3;
    const evalTokens = Math.ceil(emu.store.files.get(val)!.bytes / 4) * 2;
    expect(est.body).toMatchObject({
      estimation_available: true,
      allowed_to_proceed: true,
      estimated_train_token_count: trainTokens,
      estimated_eval_token_count: evalTokens,
    });
    expect(est.body.estimated_total_price).toBeCloseTo((trainTokens + evalTokens) * 0.48e-6, 6);
    emu.control.setUserLimit(0.000001);
    const over = await api(emu, "POST", "/fine-tunes/estimate-price", body);
    expect(over.body).toMatchObject({ allowed_to_proceed: false, user_limit: 0.000001 });
    const fresh = await uploadText(emu, conversationJsonl(1));
    const na = await api(emu, "POST", "/fine-tunes/estimate-price", { training_file: fresh, model: MODEL });
    expect(na.body).toEqual({ estimation_available: false, unavailable_reason: "train_file_not_validated" });
  });

  it("answers model limits from the catalogue and 404 {message} for unknown models", async () => {
    const limits = await api(
      emu,
      "GET",
      `/fine-tunes/models/limits?model_name=${encodeURIComponent("openai/gpt-oss-20b")}`,
    );
    expect(limits.body).toMatchObject({
      model_name: "openai/gpt-oss-20b",
      supports_full_training: false,
      full_training: { max_batch_size: 0 },
      lora_training: {
        max_batch_size: 8,
        min_batch_size: 8,
        max_rank: 64,
        target_modules: expect.arrayContaining(["q_proj"]),
      },
    });
    const unknown = await api(emu, "GET", "/fine-tunes/models/limits?model_name=nope/nope");
    expect(unknown.status).toBe(404);
    expect(unknown.body).toEqual({ message: expect.stringContaining("nope/nope") });
    const supported = await api(emu, "GET", "/fine-tunes/models/supported");
    expect(supported.body.models).toContain(MODEL);
  });
});
