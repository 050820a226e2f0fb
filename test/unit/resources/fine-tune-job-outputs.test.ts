// What a FineTuneJob reports after training (issue #14), in-process against the emulator: checkpoints with the
// fromCheckpoint reference that continues from each (read at completion and on refresh), the model registry
// ids, the early-stopping outcome, token count and price; and a continuation of a Full job that sends no
// training_type.
import * as path from "node:path";
import { TogetherClient } from "../../../provider/client";
import { lifecycle } from "../../../provider/resources/fine-tune-job/lifecycle";
import type { ProviderContext } from "../../../provider/shared/types";
import type { Emulator } from "../../../emulator";
import { DEFAULT_JOB_DURATIONS } from "../../../emulator/store";
import { useInProcessProvider } from "./in-process-provider";

const TIME_SCALE = 600;
const FIXTURE = path.join(__dirname, "..", "..", "lifecycle", "fixtures", "fine-tune-job", "train.jsonl");
const MODEL = "Qwen/Qwen3-0.6B";

const provider = useInProcessProvider(TIME_SCALE);
let emu: Emulator;
let ctx: ProviderContext;
let trainingFile: string;
let validationFile: string;

beforeAll(async () => {
  ({ emu, ctx } = provider);
  const client = new TogetherClient({ baseUrl: emu.baseUrl, apiKey: emu.apiKey });
  const upload = (fileName: string) =>
    client.files.upload({ path: FIXTURE, fileName, purpose: "fine-tune", fileType: "jsonl" });
  trainingFile = (await upload("train.jsonl")).id;
  validationFile = (await upload("val.jsonl")).id;
  await emu.idle();
});

beforeEach(() => {
  provider.logged.length = 0;
  emu.faults.clear();
  emu.control.setJobDurations(DEFAULT_JOB_DURATIONS);
});

async function checked(over: Record<string, unknown>): Promise<Record<string, unknown>> {
  const news = { logicalName: "outs", trainingFile, model: MODEL, ...over };
  const r = await lifecycle.check({}, news, ctx);
  expect(r.failures ?? []).toEqual([]);
  return r.inputs ?? {};
}

const lastCreateBody = () =>
  emu.requests.filter((r) => r.method === "POST" && r.path === "/v1/fine-tunes").at(-1)?.body as
    Record<string, unknown> | undefined;

describe("outputs after training", () => {
  test("a completed LoRA job outputs its checkpoints, the registry ids of model and adapter, tokens and price", async () => {
    const { id, outs } = await lifecycle.create(await checked({ suffix: "done", nCheckpoints: 2 }), ctx);
    const job = emu.store.jobs.get(id)!;
    const steps = job.stepsPerEpoch * job.nEpochs;
    expect(outs).toMatchObject({
      status: "completed",
      modelObjectId: expect.stringMatching(/^ml_/),
      modelObjectName: job.outputName,
      modelObjectRevisionId: expect.stringMatching(/^rv_/),
      adapterObjectId: expect.stringMatching(/^ml_/),
      adapterObjectName: `${job.outputName}-adapter`,
      adapterObjectRevisionId: expect.stringMatching(/^rv_/),
      tokenCount: expect.any(Number),
      totalPriceUsd: expect.any(Number),
    });
    expect(outs.checkpoints).toEqual([
      ...(steps > 1
        ? [
            {
              step: Math.round(steps / 2),
              type: "Intermediate",
              fromCheckpoint: `${id}:${Math.round(steps / 2)}`,
            },
          ]
        : []),
      expect.objectContaining({ step: steps, type: "Final Merged", fromCheckpoint: `${id}:${steps}` }),
      expect.objectContaining({
        step: steps,
        type: "Final Adapter",
        artifact: "adapter",
        objectName: `${job.outputName}-adapter`,
      }),
    ]);
    expect(outs).not.toHaveProperty("earlyStopped");
  });

  test("early stopping: stopped early, at which step, with the best step and metric; the final artifacts carry it", async () => {
    const inputs = await checked({
      suffix: "early",
      validationFile,
      nEpochs: 10,
      nEvals: 8,
      packing: false,
      earlyStopping: { patience: 2, minDelta: 0.05, warmupEvals: 1 },
    });
    const { outs } = await lifecycle.create(inputs, ctx);
    // 10 steps planned; evaluation 6 of 8 runs out of patience (step 7), evaluation 4 (step 5) was the best.
    expect(outs).toMatchObject({
      status: "completed",
      earlyStopped: true,
      earlyStoppingBestStep: 5,
      earlyStoppingBestMetric: 1.0625,
      stepsCompleted: 7,
      totalSteps: 10,
    });
    const finals = (outs.checkpoints as { step: number; type: string }[]).filter(
      (c) => c.type !== "Intermediate",
    );
    expect(finals.map((c) => c.step)).toEqual([5, 5]);
    expect(lastCreateBody()).toMatchObject({
      packing: false,
      early_stopping_enabled: true,
      early_stopping_patience: 2,
      early_stopping_min_delta: 0.05,
      early_stopping_warmup_evals: 1,
    });
  });

  test("waitFor none: refresh reads the checkpoints and registry ids once the job has completed", async () => {
    const { id, outs } = await lifecycle.create(await checked({ suffix: "later", waitFor: "none" }), ctx);
    expect(outs).not.toHaveProperty("checkpoints");
    expect(outs).not.toHaveProperty("modelObjectId");
    emu.clock.advance(24 * 60 * 60_000);
    const r = await lifecycle.read(id, outs, ctx);
    expect(r.props).toMatchObject({ status: "completed", modelObjectId: expect.stringMatching(/^ml_/) });
    expect((r.props?.checkpoints as unknown[]).length).toBeGreaterThan(0);
  });

  test("a checkpoint list Together does not answer keeps the earlier one and warns; the refresh still succeeds", async () => {
    const { id, outs } = await lifecycle.create(await checked({ suffix: "keep" }), ctx);
    emu.faults.add({
      method: "GET",
      path: `/v1/fine-tunes/${id}/checkpoints`,
      action: { type: "status", status: 404 },
    });
    const r = await lifecycle.read(id, outs, ctx);
    expect(r.props?.checkpoints).toEqual(outs.checkpoints);
    expect(
      provider.logged.some((l) => l.startsWith("warn") && l.includes("could not read the checkpoints")),
    ).toBe(true);
  });

  test("a second job continues from a chosen checkpoint of a Full job: no training_type is sent, Full is kept", async () => {
    const { outs: first } = await lifecycle.create(
      await checked({ suffix: "full", trainingType: { type: "full" }, nCheckpoints: 2 }),
      ctx,
    );
    const [chosen] = first.checkpoints as { fromCheckpoint: string }[];
    const cont = await checked({ suffix: "cont", model: undefined, fromCheckpoint: chosen!.fromCheckpoint });
    expect(cont).not.toHaveProperty("trainingType");
    const { id, outs } = await lifecycle.create(cont, ctx);
    expect(lastCreateBody()).not.toHaveProperty("training_type");
    expect(lastCreateBody()).toMatchObject({ from_checkpoint: chosen!.fromCheckpoint });
    expect(emu.store.jobs.get(id)!.trainingType).toBe("Full");
    expect(outs).toMatchObject({ status: "completed", fromCheckpoint: chosen!.fromCheckpoint });
    expect(outs).not.toHaveProperty("trainingType");
  });
});
