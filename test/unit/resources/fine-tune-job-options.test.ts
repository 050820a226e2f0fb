// FineTuneJob create options from today's API (issue #14): packing, maxSeqLength, gradientAccumulationSteps,
// trainVision, earlyStopping and LoRA target modules: on the wire, checked at preview against the model's
// limits with exact messages, and replacing the job when changed. A continuation sends no training type.
import { NotFoundError, type TogetherClient, type WireModelLimits } from "../../../provider/client";
import { lifecycle } from "../../../provider/resources/fine-tune-job/lifecycle";
import { jobOutputs } from "../../../provider/resources/fine-tune-job/outputs";
import { createBody } from "../../../provider/resources/fine-tune-job/request-body";
import { fineTuneJobInputs, type FineTuneJobInputs } from "../../../provider/resources/fine-tune-job/schema";
import { UNKNOWN, type CheckFailure, type ProviderContext } from "../../../provider/shared/types";

type Stub = WireModelLimits | "404" | "offline";

function context(limits: Stub = "offline"): ProviderContext {
  const fineTunes = {
    modelLimits: async () => {
      if (limits === "404")
        throw new NotFoundError({ method: "GET", path: "/v1/fine-tunes/models/limits", status: 404 });
      if (limits === "offline") throw new Error("offline test: Together unreachable");
      return limits;
    },
    estimatePrice: async () => ({ estimated_total_price: 1, allowed_to_proceed: true }),
  };
  return {
    client: () => ({ fineTunes }) as unknown as TogetherClient,
    log: { info: () => undefined, warn: () => undefined, error: () => undefined },
    timeScale: 1,
    secrets: { add: () => undefined },
  };
}

const limits = (over: Partial<WireModelLimits> = {}): WireModelLimits => ({
  model_name: "Qwen/Qwen3-0.6B",
  max_num_epochs: 20,
  max_num_evals: 100,
  max_learning_rate: 1,
  min_learning_rate: 1e-8,
  supports_vision: false,
  supports_tools: true,
  supports_reasoning: true,
  merge_output_lora: true,
  max_seq_length_sft: 32768,
  max_seq_length_dpo: 24576,
  min_max_seq_length: 512,
  default_gradient_accumulation_steps: 1,
  lora_training: {
    max_batch_size: 8,
    max_batch_size_dpo: 8,
    min_batch_size: 8,
    max_rank: 64,
    target_modules: ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"],
  },
  ...over,
});

const MOE_MODULES = ["q_proj", "k_proj", "v_proj", "o_proj", "w_up", "w_gate", "w_down"];

const base = {
  logicalName: "ft",
  trainingFile: "file-abc",
  validationFile: "file-val",
  model: "Qwen/Qwen3-0.6B",
  suffix: "dev-ft",
};

async function failuresOf(news: Record<string, unknown>, stub: Stub = limits()): Promise<[string, string][]> {
  const r = await lifecycle.check({}, news, context(stub));
  return (r.failures ?? []).map((f: CheckFailure) => [f.property, f.reason]);
}

const parse = (over: Record<string, unknown> = {}): FineTuneJobInputs =>
  fineTuneJobInputs.parse({ trainingFile: "file-1", model: "Qwen/Qwen3-0.6B", suffix: "s", ...over });

describe("the new options on the wire", () => {
  test("each option maps to Together's create field", () => {
    const body = createBody(
      parse({
        validationFile: "file-2",
        nEvals: 6,
        packing: false,
        maxSeqLength: 4096,
        gradientAccumulationSteps: 4,
        trainVision: true,
        earlyStopping: { patience: 2, minDelta: 0.01, warmupEvals: 0 },
      }),
    );
    expect(body).toMatchObject({
      packing: false,
      max_seq_length: 4096,
      gradient_accumulation_steps: 4,
      multimodal_params: { train_vision: true },
      early_stopping_enabled: true,
      early_stopping_patience: 2,
      early_stopping_min_delta: 0.01,
      early_stopping_warmup_evals: 0,
    });
  });

  test("unset options are not sent, so Together applies its defaults", () => {
    const body = createBody(parse({ earlyStopping: { patience: 3 } }));
    for (const field of [
      "packing",
      "max_seq_length",
      "gradient_accumulation_steps",
      "multimodal_params",
      "early_stopping_min_delta",
      "early_stopping_warmup_evals",
    ]) {
      expect(body).not.toHaveProperty(field);
    }
    expect(body).toMatchObject({ early_stopping_enabled: true, early_stopping_patience: 3 });
    expect(createBody(parse())).not.toHaveProperty("early_stopping_enabled");
  });

  test("a continuation from a Full job's checkpoint sends no training_type; one given is sent", () => {
    const cont = parse({ model: undefined, fromCheckpoint: "ft-full-parent:20" });
    expect(createBody(cont)).not.toHaveProperty("training_type");
    expect(createBody(cont, 64)).not.toHaveProperty("training_type");
    const explicit = parse({ model: undefined, fromCheckpoint: "ft-p", trainingType: { type: "full" } });
    expect(createBody(explicit).training_type).toEqual({ type: "Full" });
  });

  test("check fills the LoRA default for a base-model job only", async () => {
    const fromModel = await lifecycle.check({}, base, context(limits()));
    expect(fromModel.inputs?.trainingType).toEqual({ type: "lora" });
    const cont = await lifecycle.check(
      {},
      { ...base, model: undefined, fromCheckpoint: "ft-parent:10" },
      context(limits()),
    );
    expect(cont.failures ?? []).toEqual([]);
    expect(cont.inputs).not.toHaveProperty("trainingType");
    const unknownParent = await lifecycle.check(
      {},
      { ...base, model: undefined, fromCheckpoint: UNKNOWN },
      context(limits()),
    );
    expect(unknownParent.inputs).not.toHaveProperty("trainingType");
  });
});

describe("bad values fail at preview with field, value, allowed range and fix", () => {
  const cases: [string, Record<string, unknown>, Stub, [string, string][]][] = [
    [
      "maxSeqLength above the model's SFT maximum",
      { maxSeqLength: 65536 },
      limits(),
      [
        [
          "maxSeqLength",
          'FineTuneJob "ft": maxSeqLength = 65536: out of range for Qwen/Qwen3-0.6B SFT, allowed 512 to 32768 tokens (per the model-limits API). Fix: set maxSeqLength within 512 to 32768, or leave it out for the model\'s maximum (32768)',
        ],
      ],
    ],
    [
      "maxSeqLength above the model's DPO maximum",
      { maxSeqLength: 32768, trainingMethod: { method: "dpo" } },
      limits(),
      [
        [
          "maxSeqLength",
          'FineTuneJob "ft": maxSeqLength = 32768: out of range for Qwen/Qwen3-0.6B DPO, allowed 512 to 24576 tokens (per the model-limits API). Fix: set maxSeqLength within 512 to 24576, or leave it out for the model\'s maximum (24576)',
        ],
      ],
    ],
    [
      "maxSeqLength below min_max_seq_length",
      { maxSeqLength: 256 },
      limits(),
      [
        [
          "maxSeqLength",
          'FineTuneJob "ft": maxSeqLength = 256: out of range for Qwen/Qwen3-0.6B SFT, allowed 512 to 32768 tokens (per the model-limits API). Fix: set maxSeqLength within 512 to 32768, or leave it out for the model\'s maximum (32768)',
        ],
      ],
    ],
    [
      "maxSeqLength over the shipped catalogue's context length when Together is unreachable",
      { maxSeqLength: 40000 },
      "offline",
      [
        [
          "maxSeqLength",
          'FineTuneJob "ft": maxSeqLength = 40000: out of range for Qwen/Qwen3-0.6B SFT, allowed 1 to 32768 tokens (per the shipped fine-tuning catalogue). Fix: set maxSeqLength within 1 to 32768, or leave it out for the model\'s maximum (32768)',
        ],
      ],
    ],
    [
      "maxSeqLength 0",
      { maxSeqLength: 0 },
      limits(),
      [
        [
          "maxSeqLength",
          "FineTuneJob \"ft\": maxSeqLength = 0: out of range, allowed 1 or more (and within the model's limits). Fix: set maxSeqLength to the longest training sequence in tokens, or leave it out for the model's maximum",
        ],
      ],
    ],
    [
      "gradientAccumulationSteps 0",
      { gradientAccumulationSteps: 0 },
      limits(),
      [
        [
          "gradientAccumulationSteps",
          'FineTuneJob "ft": gradientAccumulationSteps = 0: out of range, allowed 1 or more. Fix: set gradientAccumulationSteps to a positive number of steps, or leave it out for the model\'s default',
        ],
      ],
    ],
    [
      "gradientAccumulationSteps not an integer",
      { gradientAccumulationSteps: 2.5 },
      limits(),
      [
        [
          "gradientAccumulationSteps",
          'FineTuneJob "ft": gradientAccumulationSteps = 2.5: is a number, allowed an int. Fix: give gradientAccumulationSteps an int value',
        ],
      ],
    ],
    [
      "packing not a boolean",
      { packing: "no" },
      limits(),
      [
        [
          "packing",
          'FineTuneJob "ft": packing = "no": is a string, allowed a boolean. Fix: give packing a boolean value',
        ],
      ],
    ],
    [
      "trainVision on a model without vision support",
      { trainVision: true },
      limits(),
      [
        [
          "trainVision",
          'FineTuneJob "ft": trainVision = true: Qwen/Qwen3-0.6B has no vision support (per the model-limits API), so there is no vision encoder to train. Fix: remove trainVision, or choose a vision model (one whose limits report supports_vision)',
        ],
      ],
    ],
    [
      "earlyStopping without a validation file",
      { validationFile: undefined, earlyStopping: { patience: 2 } },
      limits(),
      [
        [
          "earlyStopping",
          'FineTuneJob "ft": earlyStopping = {"patience":2}: early stopping watches the validation loss, but validationFile is not set. Fix: set validationFile to an uploaded validation file (and nEvals above 0), or remove earlyStopping',
        ],
        [
          "nEvals",
          'FineTuneJob "ft": nEvals = 0: too few evaluations for earlyStopping (patience 2, warmupEvals 1), allowed at least 4 (patience + warmupEvals + 1). Fix: set nEvals to 4 or more, or lower earlyStopping.patience or earlyStopping.warmupEvals',
        ],
      ],
    ],
    [
      "earlyStopping with too few evaluations",
      { nEvals: 3, earlyStopping: { patience: 2, warmupEvals: 2 } },
      limits(),
      [
        [
          "nEvals",
          'FineTuneJob "ft": nEvals = 3: too few evaluations for earlyStopping (patience 2, warmupEvals 2), allowed at least 5 (patience + warmupEvals + 1). Fix: set nEvals to 5 or more, or lower earlyStopping.patience or earlyStopping.warmupEvals',
        ],
      ],
    ],
    [
      "earlyStopping patience 0",
      { nEvals: 4, earlyStopping: { patience: 0 } },
      limits(),
      [
        [
          "earlyStopping.patience",
          'FineTuneJob "ft": earlyStopping.patience = 0: out of range, allowed 1 or more. Fix: set patience to how many evaluations in a row may show no improvement before training stops, such as 2',
        ],
      ],
    ],
    [
      "earlyStopping negative minDelta and warmupEvals",
      { nEvals: 4, earlyStopping: { patience: 1, minDelta: -0.1, warmupEvals: -1 } },
      limits(),
      [
        [
          "earlyStopping.minDelta",
          'FineTuneJob "ft": earlyStopping.minDelta = -0.1: out of range, allowed 0 or more. Fix: set minDelta to the smallest drop of the validation loss that counts as an improvement, such as 0.001',
        ],
        [
          "earlyStopping.warmupEvals",
          'FineTuneJob "ft": earlyStopping.warmupEvals = -1: out of range, allowed 0 or more. Fix: set warmupEvals to 0 (no warm-up) or the number of first evaluations to leave out, such as 1 (the default)',
        ],
      ],
    ],
    [
      "earlyStopping without patience",
      { nEvals: 4, earlyStopping: { minDelta: 0.1 } },
      limits(),
      [
        [
          "earlyStopping.patience",
          'FineTuneJob "ft": earlyStopping.patience = (not set): is required but not set. Fix: set earlyStopping.patience',
        ],
      ],
    ],
    [
      "an expert module on a dense model",
      { trainingType: { type: "lora", loraTrainableModules: "q_proj,w_up" } },
      limits(),
      [
        [
          "trainingType.loraTrainableModules",
          'FineTuneJob "ft": trainingType.loraTrainableModules = "q_proj,w_up": "w_up" is not a module Qwen/Qwen3-0.6B can adapt, allowed "all-linear" or a comma-separated list of q_proj, k_proj, v_proj, o_proj, gate_proj, up_proj, down_proj (per the model-limits API). Fix: use only listed module names, e.g. "q_proj,k_proj", or "all-linear"',
        ],
      ],
    ],
    [
      "unlisted modules on an MoE model",
      { trainingType: { type: "lora", loraTrainableModules: "gate_proj, up_proj" } },
      limits({ lora_training: { ...limits().lora_training!, target_modules: MOE_MODULES } }),
      [
        [
          "trainingType.loraTrainableModules",
          'FineTuneJob "ft": trainingType.loraTrainableModules = "gate_proj, up_proj": "gate_proj", "up_proj" are not modules Qwen/Qwen3-0.6B can adapt, allowed "all-linear" or a comma-separated list of q_proj, k_proj, v_proj, o_proj, w_up, w_gate, w_down (per the model-limits API). Fix: use only listed module names, e.g. "q_proj,k_proj", or "all-linear"',
        ],
      ],
    ],
  ];

  test.each(cases)("%s", async (_title, over, stub, expected) => {
    expect(await failuresOf({ ...base, ...over }, stub)).toEqual(expected);
  });

  test("good values pass: MoE expert modules where listed, vision where supported, early stopping with enough evaluations", async () => {
    const moe = limits({ lora_training: { ...limits().lora_training!, target_modules: MOE_MODULES } });
    expect(
      await failuresOf(
        { ...base, trainingType: { type: "lora", loraTrainableModules: "q_proj,w_up,w_gate,w_down" } },
        moe,
      ),
    ).toEqual([]);
    expect(await failuresOf({ ...base, trainVision: true }, limits({ supports_vision: true }))).toEqual([]);
    expect(await failuresOf({ ...base, trainVision: false })).toEqual([]);
    expect(
      await failuresOf({
        ...base,
        nEvals: 4,
        packing: false,
        maxSeqLength: 4096,
        gradientAccumulationSteps: 8,
        earlyStopping: { patience: 2, minDelta: 0.01 },
      }),
    ).toEqual([]);
  });

  test("unknown values at preview are not checked", async () => {
    expect(
      await failuresOf({
        ...base,
        validationFile: UNKNOWN,
        nEvals: UNKNOWN,
        maxSeqLength: UNKNOWN,
        earlyStopping: { patience: 2 },
      }),
    ).toEqual([]);
  });
});

describe("diff", () => {
  const inputs = parse({ logicalName: "t", trainingType: { type: "lora" } });
  const olds = (i: FineTuneJobInputs = inputs) => jobOutputs(i, { id: "ft-1", status: "completed" }, 1);

  test("each new option replaces the job", async () => {
    for (const [field, value] of Object.entries({
      packing: false,
      maxSeqLength: 2048,
      gradientAccumulationSteps: 2,
      trainVision: true,
      earlyStopping: { patience: 1 },
    })) {
      const news = { ...inputs, [field]: value };
      expect(await lifecycle.diff("ft-1", olds(), news, context())).toEqual({
        changes: true,
        replaces: [field],
      });
    }
  });

  test("a continuation recorded with the old LoRA default is not replaced for leaving the type unset", async () => {
    const cont = parse({ logicalName: "t", model: undefined, fromCheckpoint: "ft-0" });
    const legacy = olds({ ...cont, trainingType: { type: "lora" } });
    expect(await lifecycle.diff("ft-1", legacy, { ...cont }, context())).toEqual({ changes: false });
    // A rank given explicitly before is a real change.
    const ranked = olds({ ...cont, trainingType: { type: "lora", loraR: 16 } });
    expect(await lifecycle.diff("ft-1", ranked, { ...cont }, context())).toEqual({
      changes: true,
      replaces: ["trainingType"],
    });
  });
});
