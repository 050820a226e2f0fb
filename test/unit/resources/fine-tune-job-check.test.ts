// FineTuneJob check(): schema, cross-field rules, model limits and the preview cost gate, with exact messages.
// The Together client is a stub: unreachable (limits from the shipped catalogue) or answering canned limits/estimates.
import {
  NotFoundError,
  type TogetherClient,
  type WireEstimatePrice,
  type WireModelLimits,
} from "../../../provider/client";
import { lifecycle } from "../../../provider/resources/fine-tune-job/lifecycle";
import { UNKNOWN, type CheckFailure, type ProviderContext } from "../../../provider/shared/types";

interface Stub {
  limits?: WireModelLimits | "404";
  estimate?: WireEstimatePrice;
}

const logs: string[] = [];
const calls: string[] = [];

function context(stub?: Stub): ProviderContext {
  const fineTunes = {
    modelLimits: async (model: string) => {
      calls.push(`limits ${model}`);
      if (stub?.limits === "404")
        throw new NotFoundError({ method: "GET", path: "/v1/fine-tunes/models/limits", status: 404 });
      if (stub?.limits === undefined) throw new Error("offline test: Together unreachable");
      return stub.limits;
    },
    estimatePrice: async () => {
      calls.push("estimate");
      if (stub?.estimate === undefined) throw new Error("offline test: Together unreachable");
      return stub.estimate;
    },
  };
  return {
    client: () => ({ fineTunes }) as unknown as TogetherClient,
    log: {
      info: (m) => logs.push(`info ${m}`),
      warn: (m) => logs.push(`warn ${m}`),
      error: (m) => logs.push(`error ${m}`),
    },
    timeScale: 1,
    secrets: { add: () => undefined },
  };
}

beforeEach(() => {
  logs.length = 0;
  calls.length = 0;
});

const base = { logicalName: "ft", trainingFile: "file-abc", model: "Qwen/Qwen3-30B-A3B", suffix: "dev-ft" };

async function failuresOf(news: Record<string, unknown>, stub?: Stub): Promise<[string, string][]> {
  const r = await lifecycle.check({}, news, context(stub));
  return (r.failures ?? []).map((f: CheckFailure) => [f.property, f.reason]);
}

const cases: [string, Record<string, unknown>, [string, string][]][] = [
  [
    "model together with fromCheckpoint",
    { ...base, fromCheckpoint: "ft-123" },
    [
      [
        "fromCheckpoint",
        'FineTuneJob "ft": fromCheckpoint = "ft-123": cannot be combined with model "Qwen/Qwen3-30B-A3B": a job starts either from a base model or from a checkpoint. Fix: remove model (the checkpoint already fixes the base model) or remove fromCheckpoint',
      ],
    ],
  ],
  [
    "neither model nor fromCheckpoint",
    { ...base, model: undefined },
    [
      [
        "model",
        'FineTuneJob "ft": model = (not set): a base model or a checkpoint is required. Fix: set model to a fine-tunable base model such as "Qwen/Qwen3-0.6B", or fromCheckpoint to a job id or output model name',
      ],
    ],
  ],
  [
    "fromHfModel without model",
    { ...base, model: undefined, fromHfModel: "org/m" },
    [
      [
        "model",
        'FineTuneJob "ft": model = (not set): a base model or a checkpoint is required. Fix: set model to a fine-tunable base model such as "Qwen/Qwen3-0.6B", or fromCheckpoint to a job id or output model name',
      ],
      [
        "fromHfModel",
        'FineTuneJob "ft": fromHfModel = "org/m": needs model: the base model is the template for training and inference of the Hugging Face model. Fix: set model to the catalogue base model closest in architecture and size to the Hugging Face model',
      ],
    ],
  ],
  [
    "fromHfModel with fromCheckpoint",
    { ...base, model: undefined, fromCheckpoint: "ft-1", fromHfModel: "org/m" },
    [
      [
        "fromHfModel",
        'FineTuneJob "ft": fromHfModel = "org/m": needs model: the base model is the template for training and inference of the Hugging Face model. Fix: set model to the catalogue base model closest in architecture and size to the Hugging Face model',
      ],
      [
        "fromHfModel",
        'FineTuneJob "ft": fromHfModel = "org/m": cannot be combined with fromCheckpoint. Fix: start either from a Hugging Face model or from a checkpoint, not both',
      ],
    ],
  ],
  [
    "fromCheckpoint with a non-numeric step",
    { ...base, model: undefined, fromCheckpoint: "ft-1:abc" },
    [
      [
        "fromCheckpoint",
        'FineTuneJob "ft": fromCheckpoint = "ft-1:abc": not a checkpoint reference, allowed "<job id>", "<output model name>", or either followed by ":<step>". Fix: write the step as digits after one colon, e.g. "ft-1234:10", or leave the step out for the final checkpoint',
      ],
    ],
  ],
  [
    "nEvals without validationFile",
    { ...base, nEvals: 2 },
    [
      [
        "nEvals",
        'FineTuneJob "ft": nEvals = 2: evaluations need a validation file, but validationFile is not set. Fix: set validationFile to an uploaded validation file id, or set nEvals to 0',
      ],
    ],
  ],
  [
    "trainOnInputs with DPO",
    { ...base, trainingMethod: { method: "dpo", trainOnInputs: true } },
    [
      [
        "trainingMethod.trainOnInputs",
        'FineTuneJob "ft": trainingMethod.trainOnInputs = true: only applies to SFT, but trainingMethod.method is "dpo". Fix: remove trainOnInputs, or set trainingMethod.method to "sft"',
      ],
    ],
  ],
  [
    "dpoBeta with SFT",
    { ...base, trainingMethod: { method: "sft", dpoBeta: 0.2 } },
    [
      [
        "trainingMethod.dpoBeta",
        'FineTuneJob "ft": trainingMethod.dpoBeta = 0.2: only applies to DPO, but trainingMethod.method is "sft". Fix: remove dpoBeta, or set trainingMethod.method to "dpo" with a preference dataset',
      ],
    ],
  ],
  [
    "warmupRatio above 1",
    { ...base, warmupRatio: 1.5 },
    [
      [
        "warmupRatio",
        'FineTuneJob "ft": warmupRatio = 1.5: out of range, allowed 0 to 1. Fix: set warmupRatio to the fraction of steps that warm up the learning rate, between 0 and 1',
      ],
    ],
  ],
  [
    "learningRate of 0",
    { ...base, learningRate: 0 },
    [
      [
        "learningRate",
        'FineTuneJob "ft": learningRate = 0: out of range, allowed greater than 0. Fix: set learningRate to a positive number such as 0.00001 (the default)',
      ],
    ],
  ],
  [
    "loraDropout of 1",
    { ...base, trainingType: { type: "lora", loraDropout: 1 } },
    [
      [
        "trainingType.loraDropout",
        'FineTuneJob "ft": trainingType.loraDropout = 1: out of range, allowed 0 up to (not including) 1. Fix: set loraDropout to a probability in [0, 1), such as 0 (the default)',
      ],
    ],
  ],
  [
    "minLrRatio above 1",
    { ...base, lrScheduler: { type: "cosine", minLrRatio: 1.2 } },
    [
      [
        "lrScheduler.minLrRatio",
        'FineTuneJob "ft": lrScheduler.minLrRatio = 1.2: out of range, allowed 0 to 1. Fix: set minLrRatio to the final learning rate as a fraction of the peak, between 0 and 1',
      ],
    ],
  ],
  [
    "cosine numCycles of 0",
    { ...base, lrScheduler: { type: "cosine", numCycles: 0 } },
    [
      [
        "lrScheduler.numCycles",
        'FineTuneJob "ft": lrScheduler.numCycles = 0: out of range, allowed greater than 0. Fix: set numCycles to a positive number of cosine cycles such as 0.5 (the default)',
      ],
    ],
  ],
  [
    "suffix over 64 characters",
    { ...base, suffix: "a".repeat(65) },
    [
      [
        "suffix",
        'FineTuneJob "ft": suffix = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa": 65 characters, allowed 1 to 64. Fix: shorten the suffix, or leave it out to get the default <stack>-<name>',
      ],
    ],
  ],
  [
    "suffix with a space and a slash",
    { ...base, suffix: "my run/1" },
    [
      [
        "suffix",
        "FineTuneJob \"ft\": suffix = \"my run/1\": contains characters Together rejects, allowed letters, digits, '.', '_' and '-'. Fix: replace other characters (spaces, '/', ':' ...) with '-'",
      ],
    ],
  ],
  [
    "batchSize above the model's LoRA SFT maximum",
    { ...base, batchSize: 32 },
    [
      [
        "batchSize",
        'FineTuneJob "ft": batchSize = 32: out of range for Qwen/Qwen3-30B-A3B LoRA SFT, allowed 8 to 16 (per the shipped fine-tuning catalogue). Fix: set batchSize within 8 to 16, or "max"',
      ],
    ],
  ],
  [
    "batchSize above the model's DPO maximum",
    { ...base, batchSize: 16, trainingMethod: { method: "dpo" } },
    [
      [
        "batchSize",
        'FineTuneJob "ft": batchSize = 16: out of range for Qwen/Qwen3-30B-A3B LoRA DPO, allowed exactly 8 (per the shipped fine-tuning catalogue). Fix: set batchSize to 8, or "max"',
      ],
    ],
  ],
  [
    "batchSize below the model's minimum",
    { ...base, batchSize: 4 },
    [
      [
        "batchSize",
        'FineTuneJob "ft": batchSize = 4: out of range for Qwen/Qwen3-30B-A3B LoRA SFT, allowed 8 to 16 (per the shipped fine-tuning catalogue). Fix: set batchSize within 8 to 16, or "max"',
      ],
    ],
  ],
  [
    "full training on a LoRA-only model",
    { ...base, model: "Qwen/Qwen2-72B", trainingType: { type: "full" } },
    [
      [
        "trainingType.type",
        'FineTuneJob "ft": trainingType.type = "full": Qwen/Qwen2-72B does not support full training (per the shipped fine-tuning catalogue), allowed "lora". Fix: set trainingType to { type: "lora" }',
      ],
    ],
  ],
  [
    "nEpochs of 0",
    { ...base, nEpochs: 0 },
    [
      [
        "nEpochs",
        'FineTuneJob "ft": nEpochs = 0: out of range, allowed 1 or more. Fix: set nEpochs to the number of passes over the training data, at least 1',
      ],
    ],
  ],
  [
    "nCheckpoints of 0",
    { ...base, nCheckpoints: 0 },
    [
      [
        "nCheckpoints",
        'FineTuneJob "ft": nCheckpoints = 0: out of range, allowed 1 or more. Fix: set nCheckpoints to at least 1 (the final model counts as one)',
      ],
    ],
  ],
  [
    "negative maxGradNorm",
    { ...base, maxGradNorm: -1 },
    [
      [
        "maxGradNorm",
        'FineTuneJob "ft": maxGradNorm = -1: out of range, allowed 0 or more. Fix: set maxGradNorm to 0 (no clipping) or a positive number such as 1 (the default)',
      ],
    ],
  ],
  [
    "negative weightDecay",
    { ...base, weightDecay: -0.01 },
    [
      [
        "weightDecay",
        'FineTuneJob "ft": weightDecay = -0.01: out of range, allowed 0 or more. Fix: set weightDecay to 0 (the default) or a positive number',
      ],
    ],
  ],
  [
    "batchSize neither integer nor max",
    { ...base, batchSize: "auto" },
    [
      [
        "batchSize",
        'FineTuneJob "ft": batchSize = "auto": is not an integer or "max". Fix: set batchSize to a whole number of examples per step, or "max"',
      ],
    ],
  ],
  [
    "unknown training method",
    { ...base, trainingMethod: { method: "ppo" } },
    [
      [
        "trainingMethod.method",
        'FineTuneJob "ft": trainingMethod.method = "ppo": is not a training method, allowed "sft" or "dpo". Fix: set trainingMethod.method to "sft" (supervised) or "dpo" (preference data)',
      ],
    ],
  ],
  [
    "trainingFile missing",
    { ...base, trainingFile: undefined },
    [
      [
        "trainingFile",
        'FineTuneJob "ft": trainingFile = (not set): is required but not set. Fix: set trainingFile',
      ],
    ],
  ],
  [
    "fractional nEpochs",
    { ...base, nEpochs: 1.5 },
    [
      [
        "nEpochs",
        'FineTuneJob "ft": nEpochs = 1.5: is a number, allowed an int. Fix: give nEpochs an int value',
      ],
    ],
  ],
  [
    "timeoutMinutes of 0",
    { ...base, timeoutMinutes: 0 },
    [
      [
        "timeoutMinutes",
        'FineTuneJob "ft": timeoutMinutes = 0: out of range, allowed greater than 0. Fix: set timeoutMinutes to how long to wait for the job, such as 1440 (the default, one day)',
      ],
    ],
  ],
  [
    "negative maxPriceUsd",
    { ...base, maxPriceUsd: -5 },
    [
      [
        "maxPriceUsd",
        'FineTuneJob "ft": maxPriceUsd = -5: out of range, allowed greater than 0. Fix: set maxPriceUsd to the most this job may cost in US dollars, or leave it out for no cap',
      ],
    ],
  ],
  [
    "numCycles on a linear scheduler",
    { ...base, lrScheduler: { type: "linear", numCycles: 2 } },
    [
      [
        "lrScheduler.numCycles",
        'FineTuneJob "ft": lrScheduler.numCycles = 2: is not a known argument. Fix: remove it or correct its spelling',
      ],
    ],
  ],
  [
    "unknown waitFor",
    { ...base, waitFor: "finished" },
    [
      [
        "waitFor",
        'FineTuneJob "ft": waitFor = "finished": is not allowed, allowed one of "none", "running", "completed". Fix: set waitFor to one of "none", "running", "completed"',
      ],
    ],
  ],
  [
    "wandb without apiKey",
    { ...base, wandb: { projectName: "p" } },
    [
      [
        "wandb.apiKey",
        'FineTuneJob "ft": wandb.apiKey = (not set): is required but not set. Fix: set wandb.apiKey',
      ],
    ],
  ],
  [
    "negative rpoAlpha",
    { ...base, trainingMethod: { method: "dpo", rpoAlpha: -1 } },
    [
      [
        "trainingMethod.rpoAlpha",
        'FineTuneJob "ft": trainingMethod.rpoAlpha = -1: out of range, allowed 0 or more. Fix: set rpoAlpha to 0 (the default) or a positive weight',
      ],
    ],
  ],
  [
    "loraR of 0",
    { ...base, trainingType: { type: "lora", loraR: 0 } },
    [
      [
        "trainingType.loraR",
        'FineTuneJob "ft": trainingType.loraR = 0: out of range, allowed 1 or more. Fix: set loraR to a positive rank, or leave it out to use the model\'s maximum rank',
      ],
    ],
  ],
  [
    "misspelled option (a cap must not be dropped silently)",
    { ...base, maxPriceUSD: 5 },
    [
      [
        "maxPriceUSD",
        'FineTuneJob "ft": maxPriceUSD = 5: is not a known argument. Fix: remove it or correct its spelling',
      ],
    ],
  ],
  [
    "hfApiToken of the wrong type (value never shown)",
    { ...base, hfApiToken: 12345 },
    [
      [
        "hfApiToken",
        'FineTuneJob "ft": hfApiToken = (secret, not shown): is a number, allowed a string. Fix: give hfApiToken a string value',
      ],
    ],
  ],
];

describe("FineTuneJob check rejects bad inputs with exact messages", () => {
  test.each(cases)("%s", async (_title, news, expected) => {
    expect(await failuresOf(news)).toEqual(expected);
  });

  test("there are at least 25 bad-input cases", () => {
    expect(cases.length).toBeGreaterThanOrEqual(25);
  });
});

const limits = (over: Partial<WireModelLimits> = {}): WireModelLimits => ({
  model_name: "Qwen/Qwen3-30B-A3B",
  max_num_epochs: 20,
  max_num_evals: 10,
  max_learning_rate: 0.01,
  min_learning_rate: 0.000001,
  supports_vision: false,
  supports_tools: false,
  supports_reasoning: false,
  merge_output_lora: true,
  lora_training: { max_batch_size: 32, max_batch_size_dpo: 16, min_batch_size: 4, max_rank: 64 },
  ...over,
});

describe("model limits from the API win over the catalogue", () => {
  test("batch size range, epochs and learning rate come from the model-limits call", async () => {
    const stub = { limits: limits(), estimate: { estimated_total_price: 1 } };
    expect(await failuresOf({ ...base, batchSize: 32 }, stub)).toEqual([]);
    expect(await failuresOf({ ...base, batchSize: 64, nEpochs: 25, learningRate: 0.1 }, stub)).toEqual([
      [
        "batchSize",
        'FineTuneJob "ft": batchSize = 64: out of range for Qwen/Qwen3-30B-A3B LoRA SFT, allowed 4 to 32 (per the model-limits API). Fix: set batchSize within 4 to 32, or "max"',
      ],
      [
        "nEpochs",
        'FineTuneJob "ft": nEpochs = 25: too large for Qwen/Qwen3-30B-A3B, allowed at most 20 (per the model-limits API). Fix: set nEpochs to 20 or fewer',
      ],
      [
        "learningRate",
        'FineTuneJob "ft": learningRate = 0.1: out of range for Qwen/Qwen3-30B-A3B, allowed 0.000001 to 0.01 (per the model-limits API). Fix: set learningRate within 0.000001 to 0.01',
      ],
    ]);
  });

  test("full training refused when the API reports no full-training limits", async () => {
    const stub = { limits: limits({ supports_full_training: false }) };
    expect(await failuresOf({ ...base, trainingType: { type: "full" } }, stub)).toEqual([
      [
        "trainingType.type",
        'FineTuneJob "ft": trainingType.type = "full": Qwen/Qwen3-30B-A3B does not support full training (per the model-limits API), allowed "lora". Fix: set trainingType to { type: "lora" }',
      ],
    ]);
  });

  test("a 404 from model-limits means the model cannot be fine-tuned", async () => {
    expect(await failuresOf({ ...base, model: "acme/chat-only" }, { limits: "404" })).toEqual([
      [
        "model",
        'FineTuneJob "ft": model = "acme/chat-only": Together cannot fine-tune this model (the model-limits API answered 404). Fix: choose a model from Together\'s fine-tuning models list (GET /v1/fine-tunes/models/supported), e.g. "Qwen/Qwen3-0.6B"',
      ],
    ]);
  });

  test("offline and not in the catalogue: skipped with a warning, never rejected", async () => {
    expect(await failuresOf({ ...base, model: "acme/unknown-model" })).toEqual([]);
    expect(
      logs.some((l) => l.startsWith("warn") && l.includes("could not check acme/unknown-model's limits")),
    ).toBe(true);
  });
});

describe("unknown values at preview are skipped, never rejected", () => {
  test("unknown file, model and batch size pass, and stay unknown in the inputs", async () => {
    const news = { ...base, trainingFile: UNKNOWN, model: UNKNOWN, batchSize: UNKNOWN };
    const r = await lifecycle.check({}, news, context());
    expect(r.failures ?? []).toEqual([]);
    expect(r.inputs).toMatchObject({ trainingFile: UNKNOWN, model: UNKNOWN, batchSize: UNKNOWN });
  });

  test("nEvals with an unknown validation file passes", async () => {
    expect(await failuresOf({ ...base, nEvals: 2, validationFile: UNKNOWN })).toEqual([]);
  });

  test("an unknown suffix or learning rate is not range-checked", async () => {
    expect(await failuresOf({ ...base, suffix: UNKNOWN, learningRate: UNKNOWN })).toEqual([]);
  });

  test("no price is estimated while the training file id is unknown", async () => {
    const r = await lifecycle.check({}, { ...base, trainingFile: UNKNOWN }, context({ limits: limits() }));
    expect(r.failures ?? []).toEqual([]);
    expect(calls).not.toContain("estimate");
    expect(r.inputs?.estimatedPriceUsd).toBeUndefined();
  });
});

describe("defaults and secrets", () => {
  test("documented defaults are filled in the checked inputs", async () => {
    const r = await lifecycle.check({}, base, context());
    expect(r.inputs).toMatchObject({
      nEpochs: 1,
      nCheckpoints: 1,
      nEvals: 0,
      batchSize: "max",
      learningRate: 0.00001,
      lrScheduler: { type: "cosine", minLrRatio: 0, numCycles: 0.5 },
      warmupRatio: 0,
      maxGradNorm: 1,
      weightDecay: 0,
      trainingMethod: { method: "sft" },
      trainingType: { type: "lora" },
      waitFor: "completed",
      timeoutMinutes: 1440,
      deleteModelOnDestroy: false,
    });
  });

  test("tokens are registered for redaction and never appear in failures", async () => {
    const added: (string | undefined)[] = [];
    const ctx = { ...context(), secrets: { add: (v: string | undefined) => added.push(v) } };
    const news = {
      ...base,
      hfApiToken: "hf_SECRET_1",
      wandb: { apiKey: "wb_SECRET_2", projectName: 7 },
      warmupRatio: 9,
    };
    const r = await lifecycle.check({}, news, ctx);
    expect(added).toEqual(expect.arrayContaining(["hf_SECRET_1", "wb_SECRET_2"]));
    expect(r.failures?.length).toBeGreaterThan(0);
    expect(JSON.stringify(r.failures)).not.toMatch(/SECRET/);
  });
});

describe("configuration and credentials", () => {
  test("missing configuration fails the check of a job that would start, with its own message", async () => {
    const ctx = {
      ...context(),
      client: () => {
        throw new Error("No Together API key. Fix: pulumi config set --secret together:apiKey <key>");
      },
    };
    await expect(lifecycle.check({}, base, ctx)).rejects.toThrow(
      /No Together API key\. Fix: pulumi config set/,
    );
  });

  test("a W&B key given as a bare string is rejected without being shown", async () => {
    const failures = await failuresOf({ ...base, wandb: "wk-SECRET-WANDB" });
    expect(failures.map(([p]) => p)).toEqual(["wandb"]);
    expect(failures[0]?.[1]).toMatch(/^FineTuneJob "ft": wandb = "\*\*\*": .*Fix: give wandb an object/);
  });

  test("a W&B key with a quote or backslash is not shown JSON-escaped either", async () => {
    const failures = await failuresOf({ ...base, wandb: 'wk-SECRET"WANDB\\x' });
    expect(failures[0]?.[1]).toMatch(/^FineTuneJob "ft": wandb = "\*\*\*": /);
    expect(JSON.stringify(failures)).not.toMatch(/SECRET/);
  });
});

describe("deprecated base models warn at preview", () => {
  test("a removed model warns with its dedicated-endpoint status", async () => {
    await lifecycle.check({}, { ...base, model: "meta-llama/Meta-Llama-3-8B-Instruct" }, context());
    expect(logs).toContain(
      'warn FineTuneJob "ft": base model "meta-llama/Meta-Llama-3-8B-Instruct" is on Together\'s deprecation list (removed from serverless inference 2025-08-28; on-demand dedicated endpoints: Yes); Together names no direct replacement. Fix: choose a current model from Together\'s fine-tuning models list.',
    );
  });

  test("a planned removal names the replacement", async () => {
    await lifecycle.check({}, { ...base, model: "qwen-qwen2-5-14b-instruct-lora" }, context());
    expect(logs).toContain(
      'warn FineTuneJob "ft": base model "qwen-qwen2-5-14b-instruct-lora" is on Together\'s deprecation list (removal planned 2025-06-19); Together recommends "meta-llama/Meta-Llama-3.1-8B-Instruct-lora" instead. Fix: set model to "meta-llama/Meta-Llama-3.1-8B-Instruct-lora".',
    );
  });
});

describe("the preview cost gate", () => {
  const estimate = (over: Partial<WireEstimatePrice> = {}): WireEstimatePrice => ({
    estimation_available: true,
    estimated_total_price: 12.5,
    allowed_to_proceed: true,
    user_limit: 500,
    estimated_train_token_count: 1250000,
    estimated_eval_token_count: 0,
    ...over,
  });

  test("the estimate is logged and put into the checked inputs", async () => {
    const r = await lifecycle.check({}, base, context({ limits: limits(), estimate: estimate() }));
    expect(r.failures ?? []).toEqual([]);
    expect(r.inputs?.estimatedPriceUsd).toBe(12.5);
    expect(logs).toContain(
      'info FineTuneJob "ft": estimated price $12.50 (1,250,000 training tokens); no maxPriceUsd, account limit $500.00.',
    );
  });

  test("over maxPriceUsd fails the preview with the estimate, the cap, the account limit and the fix", async () => {
    expect(
      await failuresOf({ ...base, maxPriceUsd: 10 }, { limits: limits(), estimate: estimate() }),
    ).toEqual([
      [
        "maxPriceUsd",
        'FineTuneJob "ft": estimated price $12.50 (1,250,000 training tokens) exceeds maxPriceUsd $10.00 (maxPriceUsd $10.00, account limit $500.00). Nothing was started. Fix: raise maxPriceUsd to at least $12.50, or lower the cost (fewer nEpochs or nEvals, a smaller dataset, LoRA instead of full training, a smaller model).',
      ],
    ]);
  });

  test("allowed_to_proceed false fails the preview", async () => {
    const stub = { limits: limits(), estimate: estimate({ allowed_to_proceed: false, user_limit: 5 }) };
    expect(await failuresOf(base, stub)).toEqual([
      [
        "trainingFile",
        "FineTuneJob \"ft\": Together says this job may not proceed: estimated price $12.50 (1,250,000 training tokens) is above what the account may spend (no maxPriceUsd, account limit $5.00). Nothing was started. Fix: add credits or raise the account's limit in Together's billing settings, or lower the cost (fewer nEpochs or nEvals, a smaller dataset, a smaller model).",
      ],
    ]);
  });

  test("an unchanged job is not re-estimated; its estimate is carried over", async () => {
    const ctx = context({ limits: limits(), estimate: estimate() });
    const first = await lifecycle.check({}, { ...base, maxPriceUsd: 100 }, ctx);
    calls.length = 0;
    const again = await lifecycle.check(
      first.inputs ?? {},
      { ...base, maxPriceUsd: 20, waitFor: "none" },
      ctx,
    );
    expect(calls).toEqual([]);
    expect(again.inputs?.estimatedPriceUsd).toBe(12.5);
  });

  test("a changed training input is estimated again", async () => {
    const ctx = context({ limits: limits(), estimate: estimate() });
    const first = await lifecycle.check({}, base, ctx);
    calls.length = 0;
    await lifecycle.check(first.inputs ?? {}, { ...base, learningRate: 0.0002 }, ctx);
    expect(calls).toContain("estimate");
  });

  test("an adopted job is never estimated", async () => {
    await lifecycle.check(
      {},
      { ...base, adoptJobId: "ft-1" },
      context({ limits: limits(), estimate: estimate() }),
    );
    expect(calls).toEqual([]);
  });
});
