import { z } from "zod";
import { listOf, opt } from "./common";

export interface WireTrainingMethodSft {
  method: "sft";
  train_on_inputs?: boolean | "auto";
}
export interface WireTrainingMethodDpo {
  method: "dpo";
  dpo_beta?: number;
  rpo_alpha?: number;
  dpo_normalize_logratios_by_length?: boolean;
  dpo_reference_free?: boolean;
  simpo_gamma?: number;
}
export type WireTrainingMethod = WireTrainingMethodSft | WireTrainingMethodDpo;

export interface WireFullTrainingType {
  type: "Full";
}
export interface WireLoraTrainingType {
  type: "Lora";
  lora_r: number;
  lora_alpha: number;
  lora_dropout?: number;
  lora_trainable_modules?: string;
}
export type WireTrainingType = WireFullTrainingType | WireLoraTrainingType;

export interface WireLrScheduler {
  lr_scheduler_type: "linear" | "cosine";
  lr_scheduler_args?: { min_lr_ratio?: number; num_cycles?: number };
}

/** `POST /fine-tunes` body (together-api.md §3.1). Undefined fields are omitted on the wire. */
export interface WireFineTuneCreate {
  training_file: string;
  model?: string;
  validation_file?: string;
  n_epochs?: number;
  n_checkpoints?: number;
  n_evals?: number;
  batch_size?: number | "max";
  learning_rate?: number;
  lr_scheduler?: WireLrScheduler;
  warmup_ratio?: number;
  max_grad_norm?: number;
  weight_decay?: number;
  random_seed?: number | null;
  packing?: boolean;
  max_seq_length?: number;
  suffix?: string;
  /** Secret. The client sends it as both `wandb_api_key` (OAS/TS) and `wandb_key` (Python SDKs). */
  wandb_api_key?: string;
  wandb_key?: string;
  wandb_base_url?: string;
  wandb_project_name?: string;
  wandb_name?: string;
  wandb_entity?: string;
  /** Deprecated top-level form; prefer `training_method.train_on_inputs`. */
  train_on_inputs?: boolean | "auto";
  training_method?: WireTrainingMethod;
  training_type?: WireTrainingType | null;
  multimodal_params?: { train_vision?: boolean };
  from_checkpoint?: string;
  from_hf_model?: string;
  hf_model_revision?: string;
  /** Secret. */
  hf_api_token?: string;
  hf_output_repo_name?: string;
  gradient_accumulation_steps?: number;
  early_stopping_enabled?: boolean;
  early_stopping_patience?: number;
  early_stopping_min_delta?: number;
  early_stopping_warmup_evals?: number | null;
}

export const WireFineTuneEventSchema = z.looseObject({
  object: opt(z.string()),
  created_at: z.string(),
  level: opt(z.string()),
  message: z.string(),
  type: opt(z.string()),
  param_count: opt(z.number()),
  token_count: opt(z.number()),
  total_steps: opt(z.number()),
  wandb_url: opt(z.string()),
  step: opt(z.number()),
  checkpoint_path: opt(z.string()),
  model_path: opt(z.string()),
  training_offset: opt(z.number()),
  hash: opt(z.string()),
  early_stopping_best_metric_value: opt(z.number()),
  early_stopping_best_step: opt(z.number()),
});
export type WireFineTuneEvent = z.output<typeof WireFineTuneEventSchema>;

/** Full (`FinetuneResponse`) and truncated (create/list/cancel) job objects share this schema. */
export const WireFineTuneSchema = z.looseObject({
  id: z.string(),
  status: z.string(),
  created_at: opt(z.string()),
  updated_at: opt(z.string()),
  started_at: opt(z.string()),
  user_id: opt(z.string()),
  owner_address: opt(z.string()),
  model: opt(z.string()),
  model_output_name: opt(z.string()),
  model_output_path: opt(z.string()),
  suffix: opt(z.string()),
  training_file: opt(z.string()),
  validation_file: opt(z.string()),
  from_checkpoint: opt(z.string()),
  from_hf_model: opt(z.string()),
  hf_model_revision: opt(z.string()),
  /** Nano-dollars (PY1 divides by 1e9). */
  total_price: opt(z.number()),
  token_count: opt(z.number()),
  param_count: opt(z.number()),
  epochs_completed: opt(z.number()),
  steps_completed: opt(z.number()),
  total_steps: opt(z.number()),
  evals_completed: opt(z.number()),
  queue_depth: opt(z.number()),
  n_epochs: opt(z.number()),
  n_checkpoints: opt(z.number()),
  n_evals: opt(z.number()),
  batch_size: opt(z.union([z.number(), z.string()])),
  learning_rate: opt(z.number()),
  warmup_ratio: opt(z.number()),
  max_grad_norm: opt(z.number()),
  weight_decay: opt(z.number()),
  random_seed: opt(z.number()),
  packing: opt(z.boolean()),
  max_seq_length: opt(z.number()),
  wandb_project_name: opt(z.string()),
  wandb_name: opt(z.string()),
  wandb_url: opt(z.string()),
  trainingfile_numlines: opt(z.number()),
  trainingfile_size: opt(z.number()),
  TrainingFileNumLines: opt(z.number()),
  TrainingFileSize: opt(z.number()),
  training_method: opt(z.looseObject({ method: z.string() })),
  training_type: opt(z.looseObject({ type: z.string() })),
  lr_scheduler: opt(z.looseObject({ lr_scheduler_type: z.string() })),
  progress: opt(z.looseObject({ estimate_available: opt(z.boolean()), seconds_remaining: opt(z.number()) })),
  events: opt(z.array(WireFineTuneEventSchema)),
  /** Model registry ids of the final model (`ml_…`, `<project>/<name>`, `rv_…`), together-ai 0.52. */
  model_object_id: opt(z.string()),
  model_object_name: opt(z.string()),
  model_object_revision_id: opt(z.string()),
  /** The same for a LoRA job's final adapter. */
  adapter_object_id: opt(z.string()),
  adapter_object_name: opt(z.string()),
  adapter_object_revision_id: opt(z.string()),
  early_stopped: opt(z.boolean()),
  /** Null when no improving evaluation was recorded; then the best step is the halt step. */
  early_stopping_best_metric: opt(z.number()),
  early_stopping_best_step: opt(z.number()),
});
export type WireFineTune = z.output<typeof WireFineTuneSchema>;
export const WireFineTuneListSchema = listOf(WireFineTuneSchema);
export const WireFineTuneEventListSchema = listOf(WireFineTuneEventSchema);

export const WireFineTuneCheckpointSchema = z.looseObject({
  step: z.number(),
  created_at: z.string(),
  path: z.string(),
  checkpoint_type: z.string(),
  /** `model` or `adapter`. */
  checkpoint: opt(z.string()),
  object_id: opt(z.string()),
  object_name: opt(z.string()),
  object_revision_id: opt(z.string()),
});
export type WireFineTuneCheckpoint = z.output<typeof WireFineTuneCheckpointSchema>;
export const WireFineTuneCheckpointListSchema = listOf(WireFineTuneCheckpointSchema);

export const WireFineTuneDeletedSchema = z.looseObject({ message: opt(z.string()) });

export interface WireEstimatePriceRequest {
  training_file: string;
  validation_file?: string;
  model?: string;
  n_epochs?: number;
  n_evals?: number;
  training_method?: WireTrainingMethod;
  training_type?: WireTrainingType | null;
  from_checkpoint?: string;
}

export const WireEstimatePriceSchema = z.looseObject({
  /** US dollars. */
  estimated_total_price: opt(z.number()),
  allowed_to_proceed: opt(z.boolean()),
  /** US dollars. */
  user_limit: opt(z.number()),
  estimated_train_token_count: opt(z.number()),
  estimated_eval_token_count: opt(z.number()),
  estimation_available: opt(z.boolean()),
  unavailable_reason: opt(z.string()),
});
export type WireEstimatePrice = z.output<typeof WireEstimatePriceSchema>;

const batchLimits = {
  max_batch_size: z.number(),
  max_batch_size_dpo: opt(z.number()),
  min_batch_size: z.number(),
};
export const WireModelLimitsSchema = z.looseObject({
  model_name: z.string(),
  max_num_epochs: z.number(),
  max_num_evals: z.number(),
  max_learning_rate: z.number(),
  min_learning_rate: z.number(),
  supports_vision: z.boolean(),
  supports_tools: z.boolean(),
  supports_reasoning: z.boolean(),
  merge_output_lora: z.boolean(),
  full_training: opt(z.looseObject(batchLimits)),
  lora_training: opt(
    z.looseObject({ ...batchLimits, max_rank: z.number(), target_modules: opt(z.array(z.string())) }),
  ),
  default_gradient_accumulation_steps: opt(z.number()),
  max_num_checkpoints: opt(z.number()),
  max_seq_length_sft: opt(z.number()),
  max_seq_length_dpo: opt(z.number()),
  min_max_seq_length: opt(z.number()),
  supports_full_training: opt(z.boolean()),
});
export type WireModelLimits = z.output<typeof WireModelLimitsSchema>;
