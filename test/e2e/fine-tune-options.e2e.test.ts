// Today's fine-tuning options on the real engine (issue #14): a program with packing: false, maxSeqLength,
// gradientAccumulationSteps, earlyStopping and a validation file runs `up`, and the emulator's request log (read
// over GET /_emulator/requests, as a user would) shows each field on the create request; bad values of each fail
// the preview with field, value, allowed range and fix; a continuation of a Full job's checkpoint sends no
// training_type; a job Together restarts is followed with one job in state and one create sent.
import * as fs from "node:fs";
import * as path from "node:path";
import { readRequestLog } from "../../emulator";
import { describeWithCli } from "./kit/cli";
import { mutatingRequests, useE2E } from "./kit/fixture";
import { resourcesByName, type ScratchProgram } from "../../scripts/real-cli/scratch-program";

const API_KEY = "tgp-SECRET-KEY-e2e-options-6be1d4";
const DATASET = path.join(__dirname, "..", "..", "examples", "quickstart", "data", "helpdesk-chats.jsonl");

/** The job's options come from stack config (JSON), so each stack sets its own; `noValidation` leaves the
 *  validation file out; `continue` adds a second job that continues from the first job's first checkpoint. */
const PROGRAM = `
import * as pulumi from "@pulumi/pulumi";
import { FineTuneJob, TrainingFile } from "pulumi-together";

const c = new pulumi.Config();
const data = new TrainingFile("data", { source: "train.jsonl" });
const val = new TrainingFile("val", { source: "val.jsonl" });
const job = new FineTuneJob("tune", {
  model: "Qwen/Qwen3-0.6B",
  trainingFile: data,
  validationFile: c.getBoolean("noValidation") ? undefined : val,
  nEpochs: 4,
  nEvals: 8,
  nCheckpoints: 2,
  ...(c.getObject<Record<string, unknown>>("job") ?? {}),
});
export const validationFileId = val.fileId;
export const jobId = job.jobId;
export const checkpoints = job.checkpoints;
export const earlyStopped = job.earlyStopped;
export const earlyStoppingBestStep = job.earlyStoppingBestStep;
export const stepsCompleted = job.stepsCompleted;
export const totalSteps = job.totalSteps;
export const modelObjectId = job.modelObjectId;
export const contJobId = c.getBoolean("continue")
  ? new FineTuneJob("cont", {
      trainingFile: data,
      fromCheckpoint: job.checkpoints.apply((cs) => cs![0]!.fromCheckpoint),
    }).jobId
  : undefined;
`;

describeWithCli("today's fine-tuning options on the real engine", (cli) => {
  const e2e = useE2E(cli, "ft-options", API_KEY);
  let p: ScratchProgram;

  const stack = async (name: string, job: Record<string, unknown>, extra: Record<string, string> = {}) => {
    await e2e.initStack(p, name, { job: JSON.stringify(job), ...extra });
    e2e.onCleanup(() => p.pulumi(["destroy", "--yes", "--stack", name], { allowFailure: true }));
  };
  const outputs = async (name: string): Promise<Record<string, unknown>> =>
    JSON.parse((await p.pulumi(["stack", "output", "--json", "--show-secrets", "--stack", name])).stdout);
  const creates = () => readRequestLog(e2e.emu.baseUrl, { method: "POST", path: "/v1/fine-tunes" });

  beforeAll(async () => {
    const dataset = fs.readFileSync(DATASET, "utf8");
    p = await e2e.program("ft-options", {
      files: { "index.ts": PROGRAM, "train.jsonl": dataset, "val.jsonl": dataset },
    });
  });

  test("up sends packing, maxSeqLength, gradientAccumulationSteps and early stopping; the job stops early", async () => {
    await stack("early", {
      packing: false,
      maxSeqLength: 2048,
      gradientAccumulationSteps: 2,
      earlyStopping: { patience: 2, minDelta: 0.05, warmupEvals: 1 },
    });
    const before = (await creates()).length;
    await p.pulumi(["up", "--yes", "--stack", "early"]);
    const sent = (await creates()).slice(before);
    expect(sent).toHaveLength(1);
    const out = await outputs("early");
    expect(sent[0]).toMatchObject({ status: 200 });
    expect(sent[0]!.body).toMatchObject({
      validation_file: out.validationFileId,
      n_evals: 8,
      packing: false,
      max_seq_length: 2048,
      gradient_accumulation_steps: 2,
      early_stopping_enabled: true,
      early_stopping_patience: 2,
      early_stopping_min_delta: 0.05,
      early_stopping_warmup_evals: 1,
    });
    // 30 examples unpacked, batch size 8, 2 accumulation steps: 2 steps an epoch, 8 planned; evaluation 6 of 8 ran
    // out of patience (step 6), evaluation 4 (step 4) was the best.
    expect(out).toMatchObject({
      earlyStopped: true,
      earlyStoppingBestStep: 4,
      stepsCompleted: 6,
      totalSteps: 8,
      modelObjectId: expect.stringMatching(/^ml_/),
    });
    expect(out.checkpoints).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ type: "Final Adapter", fromCheckpoint: `${String(out.jobId)}:4` }),
      ]),
    );
  });

  describe("bad values fail the preview with field, value, allowed range and fix", () => {
    /** A fresh stack's preview: it fails, and nothing reaches Together that creates or changes anything. */
    const failedPreview = async (name: string): Promise<string> => {
      const since = e2e.emu.requests.length;
      const r = await p.pulumi(["preview", "--stack", name], { allowFailure: true });
      expect(r.code).not.toBe(0);
      expect(mutatingRequests(e2e.emu, since)).toEqual([]);
      return r.output;
    };

    test("ranges and combinations", async () => {
      await stack("bad-ranges", {
        gradientAccumulationSteps: 0,
        nEvals: 3,
        earlyStopping: { patience: 2, minDelta: -1 },
        packing: "no",
      });
      const output = await failedPreview("bad-ranges");
      expect(output).toMatch(
        /FineTuneJob "tune": gradientAccumulationSteps = 0: out of range, allowed 1 or more\. Fix: set gradientAccumulationSteps/,
      );
      expect(output).toMatch(
        /FineTuneJob "tune": nEvals = 3: too few evaluations for earlyStopping \(patience 2, warmupEvals 1\), allowed at least 4 \(patience \+ warmupEvals \+ 1\)\. Fix: set nEvals to 4 or more/,
      );
      expect(output).toMatch(
        /FineTuneJob "tune": earlyStopping\.minDelta = -1: out of range, allowed 0 or more\. Fix:/,
      );
      expect(output).toMatch(/FineTuneJob "tune": packing = "no": is a string, allowed a boolean\. Fix:/);
    });

    test("the model's limits: sequence length, vision, LoRA target modules", async () => {
      await stack("bad-limits", {
        maxSeqLength: 100000,
        trainVision: true,
        trainingType: { type: "lora", loraTrainableModules: "q_proj,w_up" },
      });
      const output = await failedPreview("bad-limits");
      expect(output).toMatch(
        /FineTuneJob "tune": maxSeqLength = 100000: out of range for Qwen\/Qwen3-0\.6B SFT, allowed 512 to 32768 tokens \(per the model-limits API\)\. Fix: set maxSeqLength within 512 to 32768/,
      );
      expect(output).toMatch(
        /FineTuneJob "tune": trainVision = true: Qwen\/Qwen3-0\.6B has no vision support .*Fix: remove trainVision/,
      );
      expect(output).toMatch(
        /FineTuneJob "tune": trainingType\.loraTrainableModules = "q_proj,w_up": "w_up" is not a module Qwen\/Qwen3-0\.6B can adapt, allowed "all-linear" or a comma-separated list of q_proj, .*\. Fix: use only listed module names/,
      );
    });

    test("early stopping without a validation file or evaluations", async () => {
      await stack("bad-early", { nEvals: 0, earlyStopping: { patience: 1 } }, { noValidation: "true" });
      const output = await failedPreview("bad-early");
      expect(output).toMatch(
        /FineTuneJob "tune": earlyStopping = \{"patience":1\}: early stopping watches the validation loss, but validationFile is not set\. Fix: set validationFile/,
      );
      expect(output).toMatch(
        /FineTuneJob "tune": nEvals = 0: too few evaluations for earlyStopping \(patience 1, warmupEvals 1\), allowed at least 3/,
      );
    });
  });

  test("a continuation from a Full job's checkpoint sends no training_type and stays Full", async () => {
    await stack("cont", { trainingType: { type: "full" } }, { continue: "true" });
    const before = (await creates()).length;
    await p.pulumi(["up", "--yes", "--stack", "cont"]);
    const sent = (await creates()).slice(before);
    expect(sent).toHaveLength(2);
    expect(sent[0]!.body).toMatchObject({ training_type: { type: "Full" } });
    const out = await outputs("cont");
    const first = (out.checkpoints as { fromCheckpoint: string }[])[0]!.fromCheckpoint;
    expect(sent[1]!.body).toMatchObject({ from_checkpoint: first });
    expect(sent[1]!.body).not.toHaveProperty("training_type");
    expect(e2e.emu.store.jobs.get(out.contJobId as string)?.trainingType).toBe("Full");
  });

  test("a job Together restarts is followed to completion: one job in state, one create sent", async () => {
    await stack("restart", {});
    e2e.emu.faults.add({
      method: "POST",
      path: "/v1/fine-tunes",
      action: { type: "job", outcome: "restart" },
    });
    const before = (await creates()).length;
    const { output } = await p.pulumi(["up", "--yes", "--stack", "restart"]);
    expect((await creates()).slice(before)).toHaveLength(1);
    const jobs = [...resourcesByName(await p.exportState("restart")).values()].filter((r) =>
      r.type.endsWith(":FineTuneJob"),
    );
    expect(jobs).toHaveLength(1);
    const first = e2e.emu.store.jobs.get(jobs[0]!.id!)!;
    expect(first.restartedAs).toBeDefined();
    expect(jobs[0]!.outputs).toMatchObject({ jobId: first.restartedAs, status: "completed" });
    expect(output).toMatch(
      new RegExp(`Together restarted fine-tune job ${first.id} as ${first.restartedAs}`),
    );
  });
});
