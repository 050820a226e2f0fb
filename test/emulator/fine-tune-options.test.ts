// The emulator accepts and honours today's create options (issue #14): packing, max_seq_length,
// gradient_accumulation_steps, multimodal_params, early stopping, MoE LoRA target modules, a continuation that
// inherits its parent's training type, and unknown fields (accepted, recorded, said in a warning event).
import { startEmulator, type Emulator } from "../../emulator";
import { api, conversationJsonl, readyFile } from "./test-helpers";

let emu: Emulator;
beforeEach(async () => {
  emu = await startEmulator({ timeScale: 1 });
});
afterEach(async () => {
  await emu.close();
});

const MODEL = "Qwen/Qwen3-0.6B";
const MOE = "Qwen/Qwen3-30B-A3B";
const VISION = "google/gemma-3-4b-it";

const create = (body: Record<string, unknown>) => api(emu, "POST", "/fine-tunes", body);
const get = async (id: string) => (await api(emu, "GET", `/fine-tunes/${id}`)).body;

/** Advances emulated time until the job completes; returns the full job. */
async function complete(id: string) {
  for (let i = 0; i < 500; i++) {
    const job = await get(id);
    if (job.status === "completed") return job;
    emu.clock.advance(60_000);
  }
  throw new Error(`job ${id} did not complete`);
}

describe("options are accepted, echoed and honoured", () => {
  let train: string;
  let val: string;
  beforeEach(async () => {
    train = await readyFile(emu, conversationJsonl(400));
    val = await readyFile(emu, conversationJsonl(20), "val.jsonl");
  });

  test("packing, max_seq_length and gradient_accumulation_steps are echoed and change the step count", async () => {
    const packed = (await create({ training_file: train, model: MODEL, max_seq_length: 1024 })).body;
    const unpacked = (
      await create({ training_file: train, model: MODEL, max_seq_length: 1024, packing: false })
    ).body;
    const accumulated = (
      await create({ training_file: train, model: MODEL, packing: false, gradient_accumulation_steps: 5 })
    ).body;
    expect(packed).toMatchObject({ packing: true, max_seq_length: 1024 });
    expect(unpacked).toMatchObject({ packing: false, max_seq_length: 1024 });
    const steps = async (id: string) => (await get(id)).total_steps as number;
    // 400 examples unpacked at batch size 8: 50 steps; packed they fill far fewer 1024-token sequences.
    expect(await steps(unpacked.id)).toBe(50);
    expect(await steps(packed.id)).toBeLessThan(50);
    expect(await steps(accumulated.id)).toBe(10);
  });

  test("max_seq_length outside the model's range is a 400 naming the range", async () => {
    const r = await create({ training_file: train, model: MODEL, max_seq_length: 100_000 });
    expect(r.status).toBe(400);
    expect(r.body.error).toMatchObject({ param: "max_seq_length" });
    expect(r.body.error.message).toMatch(/between 512 and 32768/);
  });

  test("multimodal_params.train_vision: accepted for a vision model, refused for a text-only one", async () => {
    const ok = await create({
      training_file: train,
      model: VISION,
      multimodal_params: { train_vision: true },
    });
    expect(ok.status).toBe(200);
    expect(ok.body.multimodal_params).toEqual({ train_vision: true });
    const bad = await create({
      training_file: train,
      model: MODEL,
      multimodal_params: { train_vision: true },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatchObject({ param: "multimodal_params.train_vision" });
    const off = await create({
      training_file: train,
      model: MODEL,
      multimodal_params: { train_vision: false },
    });
    expect(off.status).toBe(200);
  });

  test("early stopping needs a validation file and n_evals >= patience + warmup + 1", async () => {
    const noVal = await create({ training_file: train, model: MODEL, early_stopping_enabled: true });
    expect(noVal.status).toBe(400);
    expect(noVal.body.error.param).toBe("early_stopping_enabled");
    const few = await create({
      training_file: train,
      validation_file: val,
      model: MODEL,
      n_evals: 3,
      early_stopping_enabled: true,
      early_stopping_patience: 2,
    });
    expect(few.status).toBe(400);
    expect(few.body.error).toMatchObject({ param: "n_evals" });
    expect(few.body.error.message).toMatch(/at least .* = 4/);
  });

  test("early stopping ends a job early at a reported step, with its best step and metric", async () => {
    const common = { training_file: train, validation_file: val, model: MODEL, n_evals: 8, packing: false };
    const full = (await create(common)).body;
    const stopped = (
      await create({
        ...common,
        n_checkpoints: 4,
        early_stopping_enabled: true,
        early_stopping_patience: 2,
        early_stopping_min_delta: 0.05,
        early_stopping_warmup_evals: 1,
      })
    ).body;
    const ran = await complete(full.id);
    const done = await complete(stopped.id);
    expect(ran).not.toHaveProperty("early_stopped");
    // Validation loss 1.5, 1.25, 1.125, 1.0625, 1.03125, 1.015625, ...: evaluations 5 and 6 improve by less
    // than 0.05 on the best (evaluation 4), so patience 2 runs out at evaluation 6 of 8.
    expect(done).toMatchObject({
      early_stopped: true,
      early_stopping_best_metric: 1.0625,
      early_stopping_best_step: 25,
      total_steps: 50,
      steps_completed: 37,
    });
    expect(done.token_count).toBeLessThan(ran.token_count);
    expect(done.total_price).toBeLessThan(ran.total_price);
    const event = done.events.find((e: { type: string }) => e.type === "early_stopped");
    expect(event).toMatchObject({
      step: 37,
      early_stopping_best_metric_value: 1.0625,
      early_stopping_best_step: 25,
    });
    const checkpoints = (await api(emu, "GET", `/fine-tunes/${stopped.id}/checkpoints`)).body.data;
    expect(
      checkpoints.map((c: { step: number; checkpoint_type: string }) => [c.step, c.checkpoint_type]),
    ).toEqual([
      [13, "Intermediate"],
      [25, "Intermediate"],
      [25, "Final Merged"],
      [25, "Final Adapter"],
    ]);
  });

  test("early stopping that never runs out of patience trains to the end and says so", async () => {
    const job = (
      await create({
        training_file: train,
        validation_file: val,
        model: MODEL,
        n_evals: 4,
        early_stopping_enabled: true,
        early_stopping_patience: 2,
      })
    ).body;
    const done = await complete(job.id);
    expect(done.early_stopped).toBe(false);
    expect(done.steps_completed).toBe(done.total_steps);
  });

  test("MoE expert modules are listed and accepted for an MoE model only; expert targets ship an adapter only", async () => {
    const limits = async (model: string) =>
      (await api(emu, "GET", `/fine-tunes/models/limits?model_name=${encodeURIComponent(model)}`)).body
        .lora_training.target_modules;
    expect(await limits(MOE)).toEqual(expect.arrayContaining(["q_proj", "w_up", "w_gate", "w_down"]));
    expect(await limits(MODEL)).not.toContain("w_up");
    const lora = (modules: string) => ({
      type: "Lora",
      lora_r: 8,
      lora_alpha: 16,
      lora_trainable_modules: modules,
    });
    const dense = await create({ training_file: train, model: MODEL, training_type: lora("q_proj,w_up") });
    expect(dense.status).toBe(400);
    expect(dense.body.error.message).toMatch(/"w_up" is not one of/);
    const moe = await create({ training_file: train, model: MOE, training_type: lora("q_proj,w_up,w_gate") });
    expect(moe.status).toBe(200);
    await complete(moe.body.id);
    const checkpoints = (await api(emu, "GET", `/fine-tunes/${moe.body.id}/checkpoints`)).body.data;
    expect(checkpoints.map((c: { checkpoint_type: string }) => c.checkpoint_type)).toEqual(["Final Adapter"]);
  });

  test("a continuation without training_type keeps its parent's: Full stays Full, a LoRA rank stays", async () => {
    const full = (await create({ training_file: train, model: MODEL, training_type: { type: "Full" } })).body;
    const lora16 = (
      await create({
        training_file: train,
        model: MODEL,
        training_type: { type: "Lora", lora_r: 16, lora_alpha: 32 },
      })
    ).body;
    await complete(full.id);
    await complete(lora16.id);
    const fromFull = await create({ training_file: train, from_checkpoint: full.id });
    expect(fromFull.status).toBe(200);
    expect(fromFull.body.training_type).toEqual({ type: "Full" });
    const fromLora = await create({ training_file: train, from_checkpoint: lora16.id });
    expect(fromLora.body.training_type).toMatchObject({ type: "Lora", lora_r: 16, lora_alpha: 32 });
  });

  test("an unknown create field is accepted, recorded in the request log and named in a warning event", async () => {
    const r = await create({ training_file: train, model: MODEL, future_option: 3 });
    expect(r.status).toBe(200);
    const logged = emu.requests.find((q) => q.method === "POST" && q.path === "/v1/fine-tunes");
    expect(logged?.body).toMatchObject({ future_option: 3 });
    const events = (await api(emu, "GET", `/fine-tunes/${r.body.id}/events`)).body.data;
    expect(events).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          type: "warning",
          level: "warning",
          message: "Ignored unknown request field(s): future_option",
        }),
      ]),
    );
  });
});
