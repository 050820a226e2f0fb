// The bad-input corpus: one row per mistake a user can make, with the message it must produce. Programs are
// written as untyped JavaScript would be (arguments cast to `any`), so wrong types reach the SDK classes.
/* eslint-disable @typescript-eslint/no-explicit-any -- untyped programs are the point of this corpus */
import type { Emulator } from "../../emulator";
import { DedicatedEndpoint } from "../../sdk/dedicated-endpoint";
import { FineTuneJob } from "../../sdk/fine-tune-job";
import { TrainingFile } from "../../sdk/training-file";
import { BAD_DATASETS } from "./datasets";

/** How a case runs: in-process `up` (check, then create if check passed), the harness, or the CLI. */
export type Via = "in-process" | "harness-preview" | "harness-up" | "cli";

/** Stack configuration of the run: the emulator with its key (default), no key, or a plain-http remote URL. */
export type ConfigKind = "good" | "no-key" | "insecure-base-url" | "invalid-base-url";

export interface CaseEnv {
  /** Absolute path of a dataset written by writeDatasets. */
  file(name: string): string;
  /** A file uploaded (and processed) before the cases run. */
  fileId: string;
}

export interface Expected {
  /** The resource as messages name it (`TrainingFile "train"`), or the file for the CLI; absent for
   *  stack-wide configuration errors. */
  who?: string;
  /** The field path (or the line and record path of a dataset). */
  field: string;
  /** The offending value as shown. */
  value?: string;
  /** A phrase of the fix, after `Fix:`. */
  fix: string;
  /** Text that must not appear (a secret). */
  absent?: string[];
}

export interface BadInputCase {
  name: string;
  via: Via;
  program?: (c: CaseEnv) => void;
  cli?: { files: string[]; purpose?: string; json?: boolean };
  config?: ConfigKind;
  setup?: (emu: Emulator) => void;
  teardown?: (emu: Emulator) => void;
  expect: Expected;
}

const TF = 'TrainingFile "train"';
const FT = 'FineTuneJob "ft"';
const EP = 'DedicatedEndpoint "ep"';
const MODEL = "Qwen/Qwen3-0.6B";
const EP_MODEL = "Qwen/Qwen3-8B";
const H100 = "1x_nvidia_h100_80gb_sxm";

const trainingFile = (args: unknown) => () => void new TrainingFile("train", args as any);
const job =
  (extra: Record<string, unknown>, omit: string[] = []) =>
  (c: CaseEnv) => {
    const args: Record<string, unknown> = { trainingFile: c.fileId, model: MODEL, waitFor: "none", ...extra };
    for (const k of omit) delete args[k];
    void new FineTuneJob("ft", args as any);
  };
const endpoint =
  (extra: Record<string, unknown>, omit: string[] = []) =>
  () => {
    const args: Record<string, unknown> = { model: EP_MODEL, hardware: H100, waitForReady: false, ...extra };
    for (const k of omit) delete args[k];
    void new DedicatedEndpoint("ep", args as any);
  };

const datasetCases: BadInputCase[] = BAD_DATASETS.flatMap((d) => {
  const expected = { field: d.where, fix: d.fix, ...(d.value !== undefined && { value: d.value }) };
  return [
    {
      name: `TrainingFile on ${d.file}`,
      via: "in-process" as const,
      program: (c: CaseEnv) => trainingFile({ source: c.file(d.file) })(),
      expect: { who: TF, ...expected },
    },
    {
      name: `check ${d.file}`,
      via: "cli" as const,
      cli: { files: [d.file] },
      expect: { who: d.file, ...expected },
    },
  ];
});

const cliCases: BadInputCase[] = [
  {
    name: "a missing file",
    via: "cli",
    cli: { files: ["missing.jsonl"] },
    expect: { who: "missing.jsonl", field: "file not found", fix: "check the path" },
  },
  {
    name: "a directory",
    via: "cli",
    cli: { files: ["folder.jsonl"] },
    expect: { who: "folder.jsonl", field: "is not a regular file", fix: "name a file" },
  },
  {
    name: "a .txt file",
    via: "cli",
    cli: { files: ["good.txt"] },
    expect: { who: "good.txt", field: "unsupported file extension", value: '".txt"', fix: ".jsonl" },
  },
  {
    name: "one bad file among good ones",
    via: "cli",
    cli: { files: ["good.jsonl", "role-bot.jsonl", "good-small.jsonl"] },
    expect: { who: "role-bot.jsonl", field: "line 2: messages[1].role", value: '"bot"', fix: "use one of" },
  },
  {
    name: "--json on a bad file",
    via: "cli",
    cli: { files: ["weight-2.jsonl"], json: true },
    expect: { who: "weight-2.jsonl", field: "line 1: messages[1].weight", fix: "use 0 (not trained on)" },
  },
  {
    name: "a CSV with --purpose fine-tune passed explicitly",
    via: "cli",
    cli: { files: ["csv-for-fine-tune.csv"], purpose: "fine-tune" },
    expect: { who: "csv-for-fine-tune.csv", field: "CSV", fix: "convert the data to .jsonl" },
  },
];

const trainingFileArgCases: BadInputCase[] = [
  {
    name: "source: 42",
    via: "in-process",
    program: trainingFile({ source: 42 }),
    expect: { who: TF, field: "source", value: "42", fix: "give source a string" },
  },
  {
    name: "source missing",
    via: "in-process",
    program: trainingFile({ purpose: "fine-tune" }),
    expect: { who: TF, field: "source", fix: "set source" },
  },
  {
    name: "no arguments at all",
    via: "in-process",
    program: trainingFile(undefined),
    expect: { who: TF, field: "source", fix: "set source" },
  },
  {
    name: "a source that does not exist",
    via: "in-process",
    program: (c) => trainingFile({ source: c.file("nope.jsonl") })(),
    expect: { who: TF, field: "source", value: "no such file", fix: "point source at the dataset" },
  },
  {
    name: "a source that is a directory",
    via: "in-process",
    program: (c) => trainingFile({ source: c.file("folder.jsonl") })(),
    expect: { who: TF, field: "source", value: "not a regular file", fix: ".jsonl" },
  },
  {
    name: "a .txt source",
    via: "in-process",
    program: (c) => trainingFile({ source: c.file("good.txt") })(),
    expect: { who: TF, field: ".txt", fix: ".jsonl" },
  },
  {
    name: 'fileName "a/b.jsonl"',
    via: "in-process",
    program: (c) => trainingFile({ source: c.file("good.jsonl"), fileName: "a/b.jsonl" })(),
    expect: { who: TF, field: "fileName", value: '"a/b.jsonl"', fix: "fileName" },
  },
  {
    name: 'fileName ""',
    via: "in-process",
    program: (c) => trainingFile({ source: c.file("good.jsonl"), fileName: "" })(),
    expect: { who: TF, field: "fileName", value: '""', fix: "at least 1 characters" },
  },
  {
    name: "fileName: 7",
    via: "in-process",
    program: (c) => trainingFile({ source: c.file("good.jsonl"), fileName: 7 })(),
    expect: { who: TF, field: "fileName", value: "7", fix: "give fileName a string" },
  },
  {
    name: 'purpose "training"',
    via: "in-process",
    program: (c) => trainingFile({ source: c.file("good.jsonl"), purpose: "training" })(),
    expect: { who: TF, field: "purpose", value: '"training"', fix: '"fine-tune"' },
  },
  {
    name: 'check: "yes"',
    via: "in-process",
    program: (c) => trainingFile({ source: c.file("good.jsonl"), check: "yes" })(),
    expect: { who: TF, field: "check", value: '"yes"', fix: "give check a boolean" },
  },
  {
    name: 'sourceHash "abc"',
    via: "in-process",
    program: (c) => trainingFile({ source: c.file("good.jsonl"), sourceHash: "abc" })(),
    expect: { who: TF, field: "sourceHash", value: '"abc"', fix: "sourceHash" },
  },
  {
    name: "a sourceHash that does not match the file",
    via: "in-process",
    program: (c) => trainingFile({ source: c.file("good.jsonl"), sourceHash: "0".repeat(64) })(),
    expect: { who: TF, field: "sourceHash", value: "does not match", fix: "update sourceHash" },
  },
  {
    name: 'adoptFileId "abc"',
    via: "in-process",
    program: (c) => trainingFile({ source: c.file("good.jsonl"), adoptFileId: "abc" })(),
    expect: { who: TF, field: "adoptFileId", value: '"abc"', fix: "adoptFileId" },
  },
  {
    name: "adoptFileId of a file that does not exist",
    via: "in-process",
    program: (c) => trainingFile({ source: c.file("good.jsonl"), adoptFileId: "file-doesnotexist" })(),
    expect: { who: TF, field: "adoptFileId", value: "no such file", fix: "remove adoptFileId" },
  },
  {
    name: "adoptFileId of a file with other content",
    via: "in-process",
    program: (c) => trainingFile({ source: c.file("good-small.jsonl"), adoptFileId: c.fileId })(),
    expect: { who: TF, field: "adoptFileId", value: "bytes", fix: "point source at the file" },
  },
  {
    name: "a misspelled option (chekc: false)",
    via: "in-process",
    program: (c) => trainingFile({ source: c.file("good.jsonl"), chekc: false })(),
    expect: { who: TF, field: "chekc", fix: "correct its spelling" },
  },
];

const jobCases: BadInputCase[] = [
  ...(
    [
      ["nEpochs", "3", "give nEpochs a number"],
      ["nEpochs", 0, "at least 1"],
      ["nEpochs", 1.5, "nEpochs"],
      ["nEpochs", 100, "set nEpochs to 20 or fewer"],
      ["nCheckpoints", 0, "set nCheckpoints to at least 1"],
      ["nEvals", -1, "set nEvals to 0"],
      ["learningRate", -1, "set learningRate to a positive number"],
      ["learningRate", "1e-5", "give learningRate a number"],
      ["batchSize", 100000, "set batchSize to 8"],
      ["batchSize", "big", 'or "max"'],
      ["batchSize", 0, 'positive integer or "max"'],
      ["warmupRatio", 2, "between 0 and 1"],
      ["maxGradNorm", -1, "set maxGradNorm to 0"],
      ["weightDecay", -0.1, "set weightDecay to 0"],
      ["randomSeed", 1.5, "randomSeed"],
      ["suffix", "my suffix/with:colons", "replace other characters"],
      ["suffix", "s".repeat(65), "shorten the suffix"],
      ["suffix", 42, "give suffix a string"],
      ["waitFor", "done", '"completed"'],
      ["timeoutMinutes", 0, "set timeoutMinutes"],
      ["maxPriceUsd", -5, "set maxPriceUsd"],
      ["deleteModelOnDestroy", "yes", "give deleteModelOnDestroy a boolean"],
      ["validationFile", 7, "give validationFile a string"],
      ["trainingFile", 42, "give trainingFile a string"],
    ] as const
  ).map(([field, value, fix]): BadInputCase => ({
    name: `${field}: ${JSON.stringify(value).slice(0, 24)}`,
    via: "in-process",
    program: job({ [field]: value }),
    expect: { who: FT, field, value: JSON.stringify(value).slice(0, 20), fix },
  })),
  {
    name: "trainingFile missing",
    via: "in-process",
    program: job({}, ["trainingFile"]),
    expect: { who: FT, field: "trainingFile", value: "(not set)", fix: "set trainingFile" },
  },
  {
    name: "no arguments at all",
    via: "in-process",
    program: () => void new FineTuneJob("ft", undefined as any),
    expect: { who: FT, field: "trainingFile", fix: "set trainingFile" },
  },
  {
    name: "an unknown model",
    via: "in-process",
    program: job({ model: "nope/NotAModel-7B" }),
    expect: { who: FT, field: "model", value: '"nope/NotAModel-7B"', fix: "fine-tuning models list" },
  },
  {
    name: "both model and fromCheckpoint",
    via: "in-process",
    program: job({ fromCheckpoint: "ft-1234" }),
    expect: { who: FT, field: "fromCheckpoint", value: '"ft-1234"', fix: "remove model" },
  },
  {
    name: "neither model nor fromCheckpoint",
    via: "in-process",
    program: job({}, ["model"]),
    expect: { who: FT, field: "model", value: "(not set)", fix: "set model" },
  },
  {
    name: "fromHfModel with fromCheckpoint and no model",
    via: "in-process",
    program: job({ fromCheckpoint: "ft-1234", fromHfModel: "me/my-model" }, ["model"]),
    expect: { who: FT, field: "fromHfModel", value: '"me/my-model"', fix: "set model" },
  },
  {
    name: 'fromCheckpoint "ft-1234:last"',
    via: "in-process",
    program: job({ fromCheckpoint: "ft-1234:last" }, ["model"]),
    expect: { who: FT, field: "fromCheckpoint", value: '"ft-1234:last"', fix: "write the step as digits" },
  },
  {
    name: "nEvals without a validation file",
    via: "in-process",
    program: job({ nEvals: 2 }),
    expect: { who: FT, field: "nEvals", value: "2", fix: "set validationFile" },
  },
  {
    name: 'trainingMethod "ppo"',
    via: "in-process",
    program: job({ trainingMethod: { method: "ppo" } }),
    expect: { who: FT, field: "trainingMethod", fix: 'set trainingMethod.method to "sft"' },
  },
  {
    name: "SFT with a DPO parameter",
    via: "in-process",
    program: job({ trainingMethod: { method: "sft", dpoBeta: 0.2 } }),
    expect: { who: FT, field: "trainingMethod.dpoBeta", value: "0.2", fix: "remove dpoBeta" },
  },
  {
    name: "DPO with trainOnInputs",
    via: "in-process",
    program: job({ trainingMethod: { method: "dpo", trainOnInputs: true } }),
    expect: { who: FT, field: "trainingMethod.trainOnInputs", value: "true", fix: "remove trainOnInputs" },
  },
  {
    name: "DPO with a negative rpoAlpha",
    via: "in-process",
    program: job({ trainingMethod: { method: "dpo", rpoAlpha: -1 } }),
    expect: { who: FT, field: "trainingMethod.rpoAlpha", value: "-1", fix: "set rpoAlpha to 0" },
  },
  {
    name: 'trainingType "qlora"',
    via: "in-process",
    program: job({ trainingType: { type: "qlora" } }),
    expect: { who: FT, field: "trainingType", fix: 'set trainingType.type to "lora" or "full"' },
  },
  {
    name: "loraR: 0",
    via: "in-process",
    program: job({ trainingType: { type: "lora", loraR: 0 } }),
    expect: { who: FT, field: "trainingType.loraR", value: "0", fix: "set loraR to a positive rank" },
  },
  {
    name: "loraR above the model's maximum rank",
    via: "in-process",
    program: job({ trainingType: { type: "lora", loraR: 1024 } }),
    expect: { who: FT, field: "trainingType.loraR", value: "1024", fix: "or less" },
  },
  {
    name: "loraDropout: 1",
    via: "in-process",
    program: job({ trainingType: { type: "lora", loraDropout: 1 } }),
    expect: { who: FT, field: "trainingType.loraDropout", value: "1", fix: "[0, 1)" },
  },
  {
    name: "an unknown LoRA option",
    via: "in-process",
    program: job({ trainingType: { type: "lora", rank: 8 } }),
    expect: { who: FT, field: "trainingType.rank", fix: "correct its spelling" },
  },
  {
    name: 'lrScheduler "step"',
    via: "in-process",
    program: job({ lrScheduler: { type: "step" } }),
    expect: { who: FT, field: "lrScheduler", value: '"step"', fix: '"linear" or "cosine"' },
  },
  {
    name: "lrScheduler minLrRatio: 2",
    via: "in-process",
    program: job({ lrScheduler: { type: "linear", minLrRatio: 2 } }),
    expect: { who: FT, field: "lrScheduler.minLrRatio", value: "2", fix: "between 0 and 1" },
  },
  {
    name: "cosine numCycles: 0",
    via: "in-process",
    program: job({ lrScheduler: { type: "cosine", numCycles: 0 } }),
    expect: { who: FT, field: "lrScheduler.numCycles", value: "0", fix: "set numCycles to a positive" },
  },
  {
    name: "maxPriceUsd below Together's estimate",
    via: "in-process",
    program: job({ maxPriceUsd: 0.000001 }),
    expect: { who: FT, field: "maxPriceUsd", fix: "raise maxPriceUsd" },
  },
  {
    name: "a misspelled cost cap (maxPriceUSD)",
    via: "in-process",
    program: job({ maxPriceUSD: 3 }),
    expect: { who: FT, field: "maxPriceUSD", value: "3", fix: "correct its spelling" },
  },
  {
    name: "the account may not spend this much",
    via: "in-process",
    program: job({}),
    setup: (emu) => emu.control.setUserLimit(0.000001),
    teardown: (emu) => emu.control.setUserLimit(1_000),
    expect: { who: FT, field: "may not proceed", fix: "add credits" },
  },
  {
    name: "adoptJobId of a job that does not exist",
    via: "in-process",
    program: job({ adoptJobId: "ft-doesnotexist" }),
    expect: { who: FT, field: "adoptJobId", value: '"ft-doesnotexist"', fix: "set adoptJobId to an id" },
  },
  {
    name: "wandb given as a bare key string",
    via: "in-process",
    program: job({ wandb: "wk-SECRET-WANDB" }),
    expect: {
      who: FT,
      field: "wandb",
      fix: "give wandb an object",
      absent: ["wandb.0", "SECRET-WANDB"],
    },
  },
  {
    name: "wandb without apiKey",
    via: "in-process",
    program: job({ wandb: { projectName: "p" } }),
    expect: { who: FT, field: "wandb.apiKey", fix: "give wandb.apiKey a string" },
  },
  {
    name: "hfApiToken: 12345",
    via: "in-process",
    program: job({ hfApiToken: 12345 }),
    expect: {
      who: FT,
      field: "hfApiToken",
      value: "(secret, not shown)",
      fix: "give hfApiToken a string",
      absent: ["12345"],
    },
  },
];

const endpointCases: BadInputCase[] = [
  ...(
    [
      ["autoscaling", 2, "give autoscaling an object"],
      ["hardware", "h100", "pick an id from GET /hardware"],
      ["hardware", 8, "give hardware a string"],
      ["model", 42, "give model a string"],
      ["displayName", "a/b", "replace the other characters"],
      ["displayName", "x".repeat(101), "shorten it"],
      ["displayName", "", "shorten it or replace"],
      ["displayName", 5, "give displayName a string"],
      ["state", "RUNNING", '"STARTED", "STOPPED"'],
      ["inactiveTimeoutMinutes", -5, "at least 0"],
      ["inactiveTimeoutMinutes", "60", "give inactiveTimeoutMinutes a number"],
      ["timeoutMinutes", 0, "at least 1"],
      ["timeoutMinutes", 2000, "at most 1440"],
      ["maxHourlyPriceUsd", 0, "more than 0"],
      ["availabilityZone", "US Central", "GET /clusters/availability-zones"],
      ["adoptEndpointId", "abc", "copy the id"],
      ["waitForReady", "no", "give waitForReady a boolean"],
      ["disableSpeculativeDecoding", "true", "give disableSpeculativeDecoding a boolean"],
    ] as const
  ).map(([field, value, fix]): BadInputCase => ({
    name: `${field}: ${JSON.stringify(value).slice(0, 24)}`,
    via: "in-process",
    program: endpoint({ [field]: value }),
    expect: { who: EP, field, value: JSON.stringify(value).slice(0, 20), fix },
  })),
  {
    name: "maxReplicas below minReplicas",
    via: "in-process",
    program: endpoint({ autoscaling: { minReplicas: 3, maxReplicas: 1 } }),
    expect: { who: EP, field: "autoscaling.maxReplicas", value: "1", fix: "at least 3" },
  },
  {
    name: "minReplicas: -1",
    via: "in-process",
    program: endpoint({ autoscaling: { minReplicas: -1 } }),
    expect: { who: EP, field: "autoscaling.minReplicas", value: "-1", fix: "at least 0" },
  },
  {
    name: "maxReplicas: 0",
    via: "in-process",
    program: endpoint({ autoscaling: { maxReplicas: 0 } }),
    expect: { who: EP, field: "autoscaling.maxReplicas", value: "0", fix: "at least 1" },
  },
  {
    name: "minReplicas: 1.5",
    via: "in-process",
    program: endpoint({ autoscaling: { minReplicas: 1.5 } }),
    expect: { who: EP, field: "autoscaling.minReplicas", value: "1.5", fix: "autoscaling.minReplicas" },
  },
  {
    name: "hardware not offered",
    via: "in-process",
    program: endpoint({ hardware: "1x_nvidia_b200_192gb_sxm" }),
    expect: { who: EP, field: "hardware", value: '"1x_nvidia_b200_192gb_sxm"', fix: "marked available" },
  },
  {
    name: "hardware unavailable right now",
    via: "in-process",
    program: endpoint({}),
    setup: (emu) => emu.control.setHardwareAvailability(H100, "unavailable"),
    teardown: (emu) => emu.control.setHardwareAvailability(H100, "available"),
    expect: { who: EP, field: "hardware", value: `"${H100}"`, fix: "choose one marked available" },
  },
  {
    name: "model missing",
    via: "in-process",
    program: endpoint({}, ["model"]),
    expect: { who: EP, field: "model", value: "(not set)", fix: "set model" },
  },
  {
    name: "an unknown model",
    via: "in-process",
    program: endpoint({ model: "nope/NotAModel-7B" }),
    expect: { who: EP, field: "model", value: '"nope/NotAModel-7B"', fix: "model" },
  },
  {
    name: "maxHourlyPriceUsd below the price",
    via: "in-process",
    program: endpoint({ maxHourlyPriceUsd: 0.5 }),
    expect: { who: EP, field: "maxHourlyPriceUsd", value: "0.5", fix: "raise maxHourlyPriceUsd" },
  },
  {
    name: "adoptEndpointId of an endpoint that does not exist",
    via: "in-process",
    program: endpoint({ adoptEndpointId: "endpoint-doesnotexist" }),
    expect: { who: EP, field: "adoptEndpointId", value: "no such endpoint", fix: "give the id" },
  },
  {
    name: "a misspelled cost cap (maxHourlyPriceUSD)",
    via: "in-process",
    program: endpoint({ maxHourlyPriceUSD: 1 }),
    expect: { who: EP, field: "maxHourlyPriceUSD", value: "1", fix: "correct its spelling" },
  },
  {
    name: "no arguments at all",
    via: "in-process",
    program: () => void new DedicatedEndpoint("ep", undefined as any),
    expect: { who: EP, field: "model", fix: "set model" },
  },
];

const NO_KEY_FIX = "pulumi config set --secret together:apiKey";
const URL_FIX = "pulumi config set together:baseUrl https://api.together.ai/v1";

const configCases: BadInputCase[] = [
  {
    name: "TrainingFile without an API key",
    via: "in-process",
    config: "no-key",
    program: (c) => trainingFile({ source: c.file("good.jsonl") })(),
    expect: { field: "No Together API key", fix: NO_KEY_FIX },
  },
  {
    name: "FineTuneJob without an API key",
    via: "in-process",
    config: "no-key",
    program: job({}),
    expect: { field: "No Together API key", fix: NO_KEY_FIX },
  },
  {
    name: "DedicatedEndpoint without an API key",
    via: "in-process",
    config: "no-key",
    program: endpoint({}),
    expect: { field: "No Together API key", fix: NO_KEY_FIX },
  },
  {
    name: "TrainingFile with a plain-http remote base URL",
    via: "in-process",
    config: "insecure-base-url",
    program: (c) => trainingFile({ source: c.file("good.jsonl") })(),
    expect: { field: "together:baseUrl", value: "is not https", fix: URL_FIX },
  },
  {
    name: "DedicatedEndpoint with a plain-http remote base URL",
    via: "in-process",
    config: "insecure-base-url",
    program: endpoint({}),
    expect: { field: "together:baseUrl", value: "is not https", fix: URL_FIX },
  },
  {
    name: "FineTuneJob with a base URL that is not a URL",
    via: "in-process",
    config: "invalid-base-url",
    program: job({}),
    expect: { field: "together:baseUrl", value: "is not a valid URL", fix: URL_FIX },
  },
];

/** The end-to-end path: the same mistakes through the real dynamic-provider process. */
const harnessCases: BadInputCase[] = [
  {
    name: "TrainingFile preview of an invalid dataset",
    via: "harness-preview",
    program: (c) => trainingFile({ source: c.file("role-bot.jsonl") })(),
    expect: { who: TF, field: "line 2: messages[1].role", value: '"bot"', fix: "use one of" },
  },
  {
    name: "TrainingFile up of a missing file",
    via: "harness-up",
    program: (c) => trainingFile({ source: c.file("nope.jsonl") })(),
    expect: { who: TF, field: "source", value: "no such file", fix: "point source at the dataset" },
  },
  {
    name: "TrainingFile preview with source: 42",
    via: "harness-preview",
    program: trainingFile({ source: 42 }),
    expect: { who: TF, field: "source", value: "42", fix: "give source a string" },
  },
  {
    name: 'FineTuneJob preview with nEpochs: "3"',
    via: "harness-preview",
    program: job({ nEpochs: "3" }),
    expect: { who: FT, field: "nEpochs", value: '"3"', fix: "give nEpochs a number" },
  },
  {
    name: "FineTuneJob up of an unknown model",
    via: "harness-up",
    program: job({ model: "nope/NotAModel-7B" }),
    expect: { who: FT, field: "model", value: '"nope/NotAModel-7B"', fix: "fine-tuning models list" },
  },
  {
    name: "FineTuneJob up above maxPriceUsd",
    via: "harness-up",
    program: job({ maxPriceUsd: 0.000001 }),
    expect: { who: FT, field: "maxPriceUsd", fix: "raise maxPriceUsd" },
  },
  {
    name: "FineTuneJob preview with model and fromCheckpoint",
    via: "harness-preview",
    program: job({ fromCheckpoint: "ft-1234" }),
    expect: { who: FT, field: "fromCheckpoint", value: '"ft-1234"', fix: "remove model" },
  },
  {
    name: "DedicatedEndpoint preview on hardware not offered",
    via: "harness-preview",
    program: endpoint({ hardware: "1x_nvidia_b200_192gb_sxm" }),
    expect: { who: EP, field: "hardware", value: '"1x_nvidia_b200_192gb_sxm"', fix: "marked available" },
  },
  {
    name: "DedicatedEndpoint up with maxReplicas below minReplicas",
    via: "harness-up",
    program: endpoint({ autoscaling: { minReplicas: 2, maxReplicas: 1 } }),
    expect: { who: EP, field: "autoscaling.maxReplicas", value: "1", fix: "at least 2" },
  },
  {
    name: "DedicatedEndpoint up with autoscaling: 2",
    via: "harness-up",
    program: endpoint({ autoscaling: 2 }),
    expect: { who: EP, field: "autoscaling", value: "2", fix: "give autoscaling an object" },
  },
  {
    // Preview itself fails (not only the later create): the fix is shown before anything is reviewed.
    name: "DedicatedEndpoint preview without an API key",
    via: "harness-preview",
    config: "no-key",
    program: endpoint({}),
    expect: { field: "No Together API key", fix: NO_KEY_FIX },
  },
  {
    name: "TrainingFile up without an API key",
    via: "harness-up",
    config: "no-key",
    program: (c) => trainingFile({ source: c.file("good.jsonl") })(),
    expect: { field: "No Together API key", fix: NO_KEY_FIX },
  },
  {
    name: "DedicatedEndpoint up with a plain-http remote base URL",
    via: "harness-up",
    config: "insecure-base-url",
    program: endpoint({}),
    expect: { field: "together:baseUrl", value: "is not https", fix: URL_FIX },
  },
  {
    name: "FineTuneJob preview without an API key",
    via: "harness-preview",
    config: "no-key",
    program: job({}),
    expect: { field: "No Together API key", fix: NO_KEY_FIX },
  },
];

const named = (kind: string, cases: BadInputCase[]): BadInputCase[] =>
  cases.map((c) => ({ ...c, name: `${kind} ${c.name}` }));

export const CASES: BadInputCase[] = [
  ...datasetCases,
  ...cliCases,
  ...named("TrainingFile", trainingFileArgCases),
  ...named("FineTuneJob", jobCases),
  ...named("DedicatedEndpoint", endpointCases),
  ...configCases,
  ...harnessCases,
];
