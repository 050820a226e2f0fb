// The emulator's model and hardware knowledge: Together's fine-tuning catalogue (provider/catalog),
// per-model limits derived from it, model size bands for pricing and hardware sizing, the dedicated
// hardware offer and the serverless model list.
import { catalogEntriesFor, fineTuningCatalog, type CatalogEntry } from "../provider/catalog";
import { modelParamsB, tokenRate } from "../provider/catalog/fine-tuning-rates";

export const OWNER = "emulator-user";
export const LORA_MAX_RANK = 64;
export const LORA_TARGET_MODULES = [
  "q_proj",
  "k_proj",
  "v_proj",
  "o_proj",
  "gate_proj",
  "up_proj",
  "down_proj",
];
export const MAX_NUM_EPOCHS = 20;
export const MAX_NUM_EVALS = 100;
export const MAX_NUM_CHECKPOINTS = 20;
export const MIN_LEARNING_RATE = 1e-8;
export const MAX_LEARNING_RATE = 1;
export const MIN_MAX_SEQ_LENGTH = 512;
/** What `gradient_accumulation_steps` omitted (or 0) means. */
export const DEFAULT_GRADIENT_ACCUMULATION_STEPS = 1;
/** Mixture-of-experts expert modules (together-ai: "MoE expert modules (`w_up`, `w_gate`, `w_down`) can be
 *  combined with attention modules on compatible models"). */
export const MOE_EXPERT_MODULES = ["w_up", "w_gate", "w_down"];
const ATTENTION_MODULES = ["q_proj", "k_proj", "v_proj", "o_proj"];

// Mixture-of-experts models in the catalogue: Qwen3 A-models, DeepSeek V3/R1 (not the distills), Llama 4,
// Mixtral, gpt-oss.
const MOE = /-A\d+B|DeepSeek-(V3|R1)(?!-Distill)|Llama-4|Mixtral|gpt-oss/i;

export function isMoe(model: string): boolean {
  return MOE.test(model);
}

/** The LoRA target modules the model-limits API lists: attention plus dense MLP, or attention plus experts. */
export function loraTargetModules(model: string): string[] {
  return isMoe(model) ? [...ATTENTION_MODULES, ...MOE_EXPERT_MODULES] : LORA_TARGET_MODULES;
}

export function loraEntry(model: string): CatalogEntry | undefined {
  return catalogEntriesFor(model).find((e) => e.trainingType !== "full");
}

export function fullEntry(model: string): CatalogEntry | undefined {
  return catalogEntriesFor(model).find((e) => e.trainingType === "full");
}

export function isCatalogModel(model: string): boolean {
  return catalogEntriesFor(model).length > 0;
}

export function supportedModels(): string[] {
  return [...new Set(fineTuningCatalog().map((e) => e.model))];
}

export function contextLength(model: string, method: "sft" | "dpo"): number {
  const entries = catalogEntriesFor(model);
  const pick = (e: CatalogEntry): number => (method === "dpo" ? e.contextLengthDpo : e.contextLengthSft);
  return Math.max(0, ...entries.map(pick));
}

const VISION = /gemma-3-(4b|12b|27b)|Llama-4/i;

export function supportsVision(model: string): boolean {
  return VISION.test(model);
}

/** Whether LoRA jobs on the model also get a merged model: the largest MoE models ship an adapter only. */
export function mergesLoraOutput(model: string): boolean {
  return modelParamsB(model) <= 120;
}
const REASONING = /Qwen3-(?!.*Base)(?!.*Instruct-2507)|gpt-oss|DeepSeek-R1/i;
const TOOLS = /Qwen3|gpt-oss|Instruct|DeepSeek-V3/i;

/** `FineTuneModelLimits` as `GET /fine-tunes/models/limits` answers it (OAS required fields plus the
 *  TS additions), or undefined when the model is not fine-tunable. */
export function modelLimits(model: string): Record<string, unknown> | undefined {
  const lora = loraEntry(model);
  const full = fullEntry(model);
  if (!lora && !full) return undefined;
  const batch = (e: CatalogEntry | undefined): Record<string, number> => ({
    max_batch_size: e?.maxBatchSizeSft ?? 0,
    max_batch_size_dpo: e?.maxBatchSizeDpo ?? 0,
    min_batch_size: e?.minBatchSize ?? 0,
  });
  return {
    model_name: model,
    max_num_epochs: MAX_NUM_EPOCHS,
    max_num_evals: MAX_NUM_EVALS,
    max_num_checkpoints: MAX_NUM_CHECKPOINTS,
    max_learning_rate: MAX_LEARNING_RATE,
    min_learning_rate: MIN_LEARNING_RATE,
    supports_vision: supportsVision(model),
    supports_tools: TOOLS.test(model),
    supports_reasoning: REASONING.test(model),
    merge_output_lora: mergesLoraOutput(model),
    supports_full_training: full !== undefined,
    default_gradient_accumulation_steps: DEFAULT_GRADIENT_ACCUMULATION_STEPS,
    max_seq_length_sft: contextLength(model, "sft"),
    max_seq_length_dpo: contextLength(model, "dpo"),
    min_max_seq_length: MIN_MAX_SEQ_LENGTH,
    full_training: batch(full),
    lora_training: {
      ...batch(lora),
      max_rank: lora ? LORA_MAX_RANK : 0,
      target_modules: lora ? loraTargetModules(model) : [],
    },
  };
}

export { modelParamsB };

export function usdPerToken(model: string, method: "sft" | "dpo", type: "Full" | "Lora"): number {
  return tokenRate(model, method, type === "Full" ? "full" : "lora").usdPerToken;
}

/** Tokens are estimated as one per four bytes of the dataset file (Together's tokenizer is not available
 *  offline; four bytes per token is the usual rule of thumb for English text and JSON). */
export const tokensForBytes = (bytes: number): number => Math.ceil(bytes / 4);

export interface HardwareSpec {
  id: string;
  gpuType: string;
  gpuLink: string;
  gpuMemory: number;
  gpuCount: number;
  centsPerMinute: number;
}

/** A handful of Together's dedicated-endpoint configurations, priced per minute from per-GPU-hour rates
 *  in line with together.ai/pricing (L40S $2.10, A100 $2.56, H100 $3.36, H200 $4.98; assumptions, not
 *  re-verified offline). */
export const HARDWARE: HardwareSpec[] = [
  {
    id: "1x_nvidia_l40s_48gb_pcie",
    gpuType: "l40s-48gb",
    gpuLink: "pcie",
    gpuMemory: 48,
    gpuCount: 1,
    centsPerMinute: 3.5,
  },
  {
    id: "1x_nvidia_a100_80gb_sxm",
    gpuType: "a100-80gb",
    gpuLink: "sxm",
    gpuMemory: 80,
    gpuCount: 1,
    centsPerMinute: 4.27,
  },
  {
    id: "2x_nvidia_a100_80gb_sxm",
    gpuType: "a100-80gb",
    gpuLink: "sxm",
    gpuMemory: 80,
    gpuCount: 2,
    centsPerMinute: 8.53,
  },
  {
    id: "1x_nvidia_h100_80gb_sxm",
    gpuType: "h100-80gb",
    gpuLink: "sxm",
    gpuMemory: 80,
    gpuCount: 1,
    centsPerMinute: 5.6,
  },
  {
    id: "2x_nvidia_h100_80gb_sxm",
    gpuType: "h100-80gb",
    gpuLink: "sxm",
    gpuMemory: 80,
    gpuCount: 2,
    centsPerMinute: 11.2,
  },
  {
    id: "4x_nvidia_h100_80gb_sxm",
    gpuType: "h100-80gb",
    gpuLink: "sxm",
    gpuMemory: 80,
    gpuCount: 4,
    centsPerMinute: 22.4,
  },
  {
    id: "8x_nvidia_h100_80gb_sxm",
    gpuType: "h100-80gb",
    gpuLink: "sxm",
    gpuMemory: 80,
    gpuCount: 8,
    centsPerMinute: 44.8,
  },
  {
    id: "8x_nvidia_h200_140gb_sxm",
    gpuType: "h200-140gb",
    gpuLink: "sxm",
    gpuMemory: 140,
    gpuCount: 8,
    centsPerMinute: 66.4,
  },
];

/** A config fits when its total GPU memory holds the weights (bf16 up to 100B, fp8 above) plus 20%. */
export function hardwareFits(hw: HardwareSpec, baseModel: string): boolean {
  const size = modelParamsB(baseModel);
  const needGb = size * (size > 100 ? 1 : 2) * 1.2;
  return hw.gpuMemory * hw.gpuCount >= needGb;
}

export const AVAILABILITY_ZONES = ["us-central-4b", "us-central-8a", "us-east-1a", "eu-north-1a"];

/** Serverless-only models listed by `GET /models` but not deployable on dedicated endpoints. */
export const SERVERLESS_ONLY_MODELS = [
  { id: "BAAI/bge-large-en-v1.5", type: "embedding", organization: "BAAI", context_length: 512 },
  { id: "meta-llama/Llama-Guard-4-12B", type: "moderation", organization: "Meta", context_length: 1048576 },
];

export function modelType(model: string): "chat" | "language" {
  return /Instruct|-it$|chat|R1|gpt-oss|Qwen3-(?!.*Base)|Hermes|DeepSeek-V3(?!.*Base)/i.test(model)
    ? "chat"
    : "language";
}
