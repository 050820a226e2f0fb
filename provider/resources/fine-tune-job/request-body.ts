// Checked camelCase inputs -> Together's snake_case create and estimate-price bodies.
// Unset optionals are omitted (as Together's own clients do), so the server applies its defaults.
import type {
  WireEstimatePriceRequest,
  WireFineTuneCreate,
  WireLrScheduler,
  WireTrainingMethod,
  WireTrainingType,
} from "../../client";
import { DEFAULT_LR_SCHEDULER, DEFAULT_TRAINING_TYPE, type FineTuneJobInputs } from "./schema";

/** LoRA rank when neither the program nor the model-limits API gives one: the smallest maximum Together lists. */
export const FALLBACK_LORA_RANK = 8;

/** Drops undefined members, so unset optionals are omitted instead of sent as null. */
function defined<T extends Record<string, unknown>>(o: T): { [K in keyof T]: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as {
    [K in keyof T]: Exclude<T[K], undefined>;
  };
}

function lrScheduler(s: FineTuneJobInputs["lrScheduler"]): WireLrScheduler {
  if (s.type === "linear") {
    return { lr_scheduler_type: "linear", lr_scheduler_args: { min_lr_ratio: s.minLrRatio ?? 0 } };
  }
  return {
    lr_scheduler_type: "cosine",
    lr_scheduler_args: {
      min_lr_ratio: s.minLrRatio ?? DEFAULT_LR_SCHEDULER.minLrRatio,
      num_cycles: s.numCycles ?? DEFAULT_LR_SCHEDULER.numCycles,
    },
  };
}

export function trainingMethodBody(m: FineTuneJobInputs["trainingMethod"]): WireTrainingMethod {
  if (m.method === "sft") return { method: "sft", train_on_inputs: m.trainOnInputs ?? "auto" };
  return {
    method: "dpo",
    ...defined({
      dpo_beta: m.dpoBeta,
      rpo_alpha: m.rpoAlpha,
      dpo_normalize_logratios_by_length: m.dpoNormalizeLogratiosByLength,
      dpo_reference_free: m.dpoReferenceFree,
      simpo_gamma: m.simpoGamma,
    }),
  };
}

type TrainingType = NonNullable<FineTuneJobInputs["trainingType"]>;

/** `maxRank`: the model's maximum LoRA rank when known (Together's clients default the rank to it). */
export function trainingTypeBody(t: TrainingType, maxRank: number | undefined): WireTrainingType {
  if (t.type === "full") return { type: "Full" };
  const rank = t.loraR ?? maxRank ?? FALLBACK_LORA_RANK;
  return {
    type: "Lora",
    lora_r: rank,
    lora_alpha: t.loraAlpha ?? rank * 2,
    ...defined({ lora_dropout: t.loraDropout, lora_trainable_modules: t.loraTrainableModules }),
  };
}

/**
 * The job's training type on the wire. A continuation (fromCheckpoint) that names none sends none: Together then
 * keeps the parent's type and rank, where any value sent would override them (a LoRA rank-8 default sent for a
 * Full parent, say).
 */
function trainingTypeFor(i: FineTuneJobInputs, maxRank: number | undefined): WireTrainingType | undefined {
  if (i.trainingType !== undefined) return trainingTypeBody(i.trainingType, maxRank);
  return i.fromCheckpoint !== undefined ? undefined : trainingTypeBody(DEFAULT_TRAINING_TYPE, maxRank);
}

/** The early-stopping wire fields: `early_stopping_enabled` plus the three settings given. */
function earlyStoppingBody(e: FineTuneJobInputs["earlyStopping"]): Partial<WireFineTuneCreate> {
  if (e === undefined) return {};
  return {
    early_stopping_enabled: true,
    early_stopping_patience: e.patience,
    ...defined({ early_stopping_min_delta: e.minDelta, early_stopping_warmup_evals: e.warmupEvals }),
  };
}

export function createBody(i: FineTuneJobInputs, maxRank?: number): WireFineTuneCreate {
  const w = i.wandb;
  return {
    training_file: i.trainingFile,
    ...defined({
      validation_file: i.validationFile,
      model: i.model,
      from_checkpoint: i.fromCheckpoint,
      from_hf_model: i.fromHfModel,
      hf_model_revision: i.hfModelRevision,
      hf_api_token: i.hfApiToken,
      hf_output_repo_name: i.hfOutputRepoName,
    }),
    n_epochs: i.nEpochs,
    n_checkpoints: i.nCheckpoints,
    n_evals: i.nEvals,
    batch_size: i.batchSize,
    learning_rate: i.learningRate,
    lr_scheduler: lrScheduler(i.lrScheduler),
    warmup_ratio: i.warmupRatio,
    max_grad_norm: i.maxGradNorm,
    weight_decay: i.weightDecay,
    ...defined({
      random_seed: i.randomSeed,
      suffix: i.suffix,
      packing: i.packing,
      max_seq_length: i.maxSeqLength,
      gradient_accumulation_steps: i.gradientAccumulationSteps,
      multimodal_params: i.trainVision === undefined ? undefined : { train_vision: i.trainVision },
      wandb_api_key: w?.apiKey,
      wandb_key: w?.apiKey,
      wandb_base_url: w?.baseUrl,
      wandb_project_name: w?.projectName,
      wandb_name: w?.name,
      wandb_entity: w?.entity,
    }),
    ...earlyStoppingBody(i.earlyStopping),
    training_method: trainingMethodBody(i.trainingMethod),
    ...defined({ training_type: trainingTypeFor(i, maxRank) }),
  };
}

/** The create body without credentials (HF token, W&B key): what identifies the job, safe to hash or store. */
export function withoutSecrets(
  body: WireFineTuneCreate,
): Omit<WireFineTuneCreate, "hf_api_token" | "wandb_api_key" | "wandb_key"> {
  const { hf_api_token: _hf, wandb_api_key: _wandb, wandb_key: _wandbKey, ...rest } = body;
  return rest;
}

export function estimateBody(i: FineTuneJobInputs): WireEstimatePriceRequest {
  return {
    training_file: i.trainingFile,
    ...defined({ validation_file: i.validationFile, model: i.model, from_checkpoint: i.fromCheckpoint }),
    n_epochs: i.nEpochs,
    n_evals: i.nEvals,
    training_method: trainingMethodBody(i.trainingMethod),
    // The rank does not change the price; Together's own client sends placeholder LoRA values too.
    ...defined({ training_type: trainingTypeFor(i, undefined) }),
  };
}
