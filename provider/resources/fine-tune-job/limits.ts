// Per-model limits (batch sizes per training type and method, epochs, learning rate, LoRA rank): from the live
// model-limits call when it answers, else from the catalogue shipped with the package.
import { catalogEntriesFor, type CatalogEntry } from "../../catalog";
import { isAuthError, isNotFound, type WireModelLimits } from "../../client";
import type { CheckFailure, ProviderContext } from "../../shared/types";
import { problem } from "./messages";
import { errorText } from "../../shared/error-text";

export interface TypeLimits {
  minBatchSize: number;
  maxBatchSize: number;
  maxBatchSizeDpo: number;
  maxRank?: number;
}

export interface ModelLimits {
  /** Where the figures come from, for messages. */
  source: "the model-limits API" | "the shipped fine-tuning catalogue";
  model: string;
  lora?: TypeLimits;
  full?: TypeLimits;
  maxEpochs?: number;
  maxEvals?: number;
  maxCheckpoints?: number;
  minLearningRate?: number;
  maxLearningRate?: number;
  /** Longest `maxSeqLength` per method, and the smallest allowed. */
  maxSeqLengthSft?: number;
  maxSeqLengthDpo?: number;
  minMaxSeqLength?: number;
  /** What Together uses when `gradientAccumulationSteps` is unset. */
  defaultGradientAccumulationSteps?: number;
  /** Unknown (undefined) from the catalogue. */
  supportsVision?: boolean;
  /** LoRA target modules the model accepts (besides `all-linear`); unknown (undefined) from the catalogue. */
  loraTargetModules?: string[];
}

export type LimitsLookup =
  | { kind: "found"; limits: ModelLimits }
  | { kind: "not-fine-tunable"; model: string }
  | { kind: "unavailable"; model: string; why: string };

function positive(n: number | null | undefined): number | undefined {
  return typeof n === "number" && Number.isFinite(n) && n > 0 ? n : undefined;
}

function typeLimitsFromWire(
  t:
    | {
        min_batch_size: number;
        max_batch_size: number;
        max_batch_size_dpo?: number | null | undefined;
        max_rank?: number;
      }
    | undefined,
): TypeLimits | undefined {
  const max = positive(t?.max_batch_size);
  if (t === undefined || max === undefined) return undefined;
  const min = positive(t.min_batch_size) ?? 1;
  // Together's Python client fills a missing DPO maximum the same way.
  const dpo = positive(t.max_batch_size_dpo) ?? Math.max(min, Math.floor(max / 2 / 8) * 8);
  const out: TypeLimits = { minBatchSize: min, maxBatchSize: max, maxBatchSizeDpo: dpo };
  const rank = positive(t.max_rank);
  if (rank !== undefined) out.maxRank = rank;
  return out;
}

export function limitsFromWire(model: string, w: WireModelLimits): ModelLimits {
  const out: ModelLimits = { source: "the model-limits API", model };
  const lora = typeLimitsFromWire(w.lora_training ?? undefined);
  const full =
    w.supports_full_training === false ? undefined : typeLimitsFromWire(w.full_training ?? undefined);
  if (lora) out.lora = lora;
  if (full) out.full = full;
  const set = (
    k:
      | "maxEpochs"
      | "maxEvals"
      | "maxCheckpoints"
      | "minLearningRate"
      | "maxLearningRate"
      | "maxSeqLengthSft"
      | "maxSeqLengthDpo"
      | "minMaxSeqLength"
      | "defaultGradientAccumulationSteps",
    v: unknown,
  ) => {
    if (typeof v === "number" && Number.isFinite(v) && v > 0) out[k] = v;
  };
  set("maxEpochs", w.max_num_epochs);
  set("maxEvals", w.max_num_evals);
  set("maxCheckpoints", w.max_num_checkpoints);
  set("minLearningRate", w.min_learning_rate);
  set("maxLearningRate", w.max_learning_rate);
  set("maxSeqLengthSft", w.max_seq_length_sft);
  set("maxSeqLengthDpo", w.max_seq_length_dpo);
  set("minMaxSeqLength", w.min_max_seq_length);
  set("defaultGradientAccumulationSteps", w.default_gradient_accumulation_steps);
  out.supportsVision = w.supports_vision;
  const modules = w.lora_training?.target_modules;
  if (Array.isArray(modules) && modules.length > 0) out.loraTargetModules = [...modules];
  return out;
}

function typeLimitsFromCatalog(e: CatalogEntry | undefined): TypeLimits | undefined {
  if (!e) return undefined;
  return {
    minBatchSize: e.minBatchSize,
    maxBatchSize: e.maxBatchSizeSft,
    maxBatchSizeDpo: e.maxBatchSizeDpo,
  };
}

export function limitsFromCatalog(model: string): ModelLimits | undefined {
  const rows = catalogEntriesFor(model);
  if (rows.length === 0) return undefined;
  const out: ModelLimits = { source: "the shipped fine-tuning catalogue", model };
  const lora = typeLimitsFromCatalog(
    rows.find((r) => r.trainingType === "lora") ?? rows.find((r) => r.trainingType === "lora-long-context"),
  );
  const full = typeLimitsFromCatalog(rows.find((r) => r.trainingType === "full"));
  if (lora) out.lora = lora;
  if (full) out.full = full;
  out.maxSeqLengthSft = Math.max(...rows.map((r) => r.contextLengthSft));
  out.maxSeqLengthDpo = Math.max(...rows.map((r) => r.contextLengthDpo));
  return out;
}

/** A 404 from model-limits is Together saying the model cannot be fine-tuned; 401/403 are thrown; any other
 *  failure falls back to the shipped catalogue. */
export async function lookUpLimits(ctx: ProviderContext, model: string): Promise<LimitsLookup> {
  let why: string;
  try {
    return { kind: "found", limits: limitsFromWire(model, await ctx.client().fineTunes.modelLimits(model)) };
  } catch (e) {
    if (isNotFound(e)) return { kind: "not-fine-tunable", model };
    // A refused key is the user's to fix now, not a reason to fall back to the catalogue.
    if (isAuthError(e)) throw e;
    why = errorText(e);
  }
  const fromCatalog = limitsFromCatalog(model);
  return fromCatalog ? { kind: "found", limits: fromCatalog } : { kind: "unavailable", model, why };
}

type Inputs = Record<string, unknown>;

function obj(v: unknown): Record<string, unknown> {
  return v !== null && typeof v === "object" ? (v as Record<string, unknown>) : {};
}

function num(v: unknown): number | undefined {
  return typeof v === "number" && Number.isFinite(v) ? v : undefined;
}

const TYPE_LABEL = { lora: "LoRA", full: "full" } as const;

/** Rules that depend on the model: training type supported, batch size, epochs/evals/checkpoints, rate, rank. */
export function limitsFailures(
  name: string | undefined,
  inputs: Inputs,
  lookup: LimitsLookup,
): CheckFailure[] {
  if (lookup.kind === "unavailable") return [];
  if (lookup.kind === "not-fine-tunable") {
    return [
      problem(
        name,
        "model",
        lookup.model,
        "Together cannot fine-tune this model (the model-limits API answered 404)",
        'choose a model from Together\'s fine-tuning models list (GET /v1/fine-tunes/models/supported), e.g. "Qwen/Qwen3-0.6B"',
      ),
    ];
  }
  const l = lookup.limits;
  const out: CheckFailure[] = [];
  const per = `per ${l.source}`;
  const type = obj(inputs.trainingType).type;
  const method = obj(inputs.trainingMethod).method;
  if (type !== "lora" && type !== "full") return out;
  const tl = type === "lora" ? l.lora : l.full;
  if (!tl) {
    const other = type === "lora" ? "full" : "lora";
    const otherOk = type === "lora" ? l.full !== undefined : l.lora !== undefined;
    out.push(
      problem(
        name,
        "trainingType.type",
        type,
        `${l.model} does not support ${TYPE_LABEL[type]} training (${per})${otherOk ? `, allowed "${other}"` : ""}`,
        otherOk ? `set trainingType to { type: "${other}" }` : "choose another base model",
      ),
    );
    return out;
  }
  const batch = num(inputs.batchSize);
  if (batch !== undefined && (method === "sft" || method === "dpo")) {
    const max = method === "dpo" ? tl.maxBatchSizeDpo : tl.maxBatchSize;
    if (batch < tl.minBatchSize || batch > max) {
      const range = tl.minBatchSize === max ? `exactly ${max}` : `${tl.minBatchSize} to ${max}`;
      out.push(
        problem(
          name,
          "batchSize",
          batch,
          `out of range for ${l.model} ${TYPE_LABEL[type]} ${method.toUpperCase()}, allowed ${range} (${per})`,
          tl.minBatchSize === max
            ? `set batchSize to ${max}, or "max"`
            : `set batchSize within ${range}, or "max"`,
        ),
      );
    }
  }
  const upTo = (path: string, v: number | undefined, max: number | undefined, fix: string) => {
    if (v !== undefined && max !== undefined && v > max) {
      out.push(problem(name, path, v, `too large for ${l.model}, allowed at most ${max} (${per})`, fix));
    }
  };
  upTo("nEpochs", num(inputs.nEpochs), l.maxEpochs, `set nEpochs to ${l.maxEpochs ?? ""} or fewer`);
  upTo("nEvals", num(inputs.nEvals), l.maxEvals, `set nEvals to ${l.maxEvals ?? ""} or fewer`);
  upTo(
    "nCheckpoints",
    num(inputs.nCheckpoints),
    l.maxCheckpoints,
    `set nCheckpoints to ${l.maxCheckpoints ?? ""} or fewer`,
  );
  if (type === "lora") {
    upTo(
      "trainingType.loraR",
      num(obj(inputs.trainingType).loraR),
      tl.maxRank,
      `set loraR to ${tl.maxRank ?? ""} or less`,
    );
  }
  out.push(...seqLengthFailures(name, inputs, l, method));
  if (type === "lora") out.push(...targetModuleFailures(name, obj(inputs.trainingType), l));
  if (inputs.trainVision === true && l.supportsVision === false) {
    out.push(
      problem(
        name,
        "trainVision",
        true,
        `${l.model} has no vision support (${per}), so there is no vision encoder to train`,
        "remove trainVision, or choose a vision model (one whose limits report supports_vision)",
      ),
    );
  }
  const lr = num(inputs.learningRate);
  if (lr !== undefined && l.minLearningRate !== undefined && l.maxLearningRate !== undefined) {
    if (lr < l.minLearningRate || lr > l.maxLearningRate) {
      const range = `${l.minLearningRate} to ${l.maxLearningRate}`;
      out.push(
        problem(
          name,
          "learningRate",
          lr,
          `out of range for ${l.model}, allowed ${range} (${per})`,
          `set learningRate within ${range}`,
        ),
      );
    }
  }
  return out;
}

function seqLengthFailures(
  name: string | undefined,
  inputs: Inputs,
  l: ModelLimits,
  method: unknown,
): CheckFailure[] {
  const v = num(inputs.maxSeqLength);
  if (v === undefined || (method !== "sft" && method !== "dpo")) return [];
  const max = method === "dpo" ? l.maxSeqLengthDpo : l.maxSeqLengthSft;
  const min = l.minMaxSeqLength ?? 1;
  if (max === undefined || (v >= min && v <= max)) return [];
  const range = `${min} to ${max}`;
  return [
    problem(
      name,
      "maxSeqLength",
      v,
      `out of range for ${l.model} ${method.toUpperCase()}, allowed ${range} tokens (per ${l.source})`,
      `set maxSeqLength within ${range}, or leave it out for the model's maximum (${max})`,
    ),
  ];
}

/** `all-linear`, or comma-separated names the model-limits API lists for the model (MoE expert modules
 *  such as `w_up` included where it lists them). */
function targetModuleFailures(
  name: string | undefined,
  type: Record<string, unknown>,
  l: ModelLimits,
): CheckFailure[] {
  const v = type.loraTrainableModules;
  const allowed = l.loraTargetModules;
  if (typeof v !== "string" || allowed === undefined) return [];
  const names = v.split(",").map((m) => m.trim());
  if (names.length === 1 && names[0] === "all-linear") return [];
  const bad = names.filter((m) => !allowed.includes(m));
  if (bad.length === 0) return [];
  const list = bad.map((m) => JSON.stringify(m)).join(", ");
  return [
    problem(
      name,
      "trainingType.loraTrainableModules",
      v,
      `${list} ${bad.length === 1 ? "is not a module" : "are not modules"} ${l.model} can adapt, allowed "all-linear" or a comma-separated list of ${allowed.join(", ")} (per ${l.source})`,
      `use only listed module names, e.g. "${allowed.slice(0, 2).join(",")}", or "all-linear"`,
    ),
  ];
}
