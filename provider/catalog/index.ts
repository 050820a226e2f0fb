// Together's published fine-tuning catalogue and deprecation list, shipped with the package.
// The provider uses them as offline knowledge (the live API's model-limits call wins when it answers);
// the emulator uses them as its model catalogue. Source: Together's docs tables (see provider/data).
import * as fs from "node:fs";
import * as path from "node:path";

export type CatalogTrainingType = "lora" | "lora-long-context" | "full";

export interface CatalogEntry {
  trainingType: CatalogTrainingType;
  organization: string;
  modelName: string;
  /** The API model string, e.g. `Qwen/Qwen3-0.6B`. */
  model: string;
  contextLengthSft: number;
  contextLengthDpo: number;
  maxBatchSizeSft: number;
  maxBatchSizeDpo: number;
  minBatchSize: number;
  trainingPrecision: string;
}

export interface Deprecation {
  kind: "planned" | "removed";
  /** ISO date (YYYY-MM-DD). */
  date: string;
  model: string;
  /** For planned removals: the recommended replacement. For removed models: whether on-demand
   *  dedicated endpoints still support it (free text such as `Yes`, `No (coming soon!)`). */
  replacementOrDedicatedSupport: string;
}

const dataDir = path.join(__dirname, "..", "data");

function readCsv(file: string): Record<string, string>[] {
  const lines = fs.readFileSync(path.join(dataDir, file), "utf8").split(/\r?\n/).filter(Boolean);
  const header = (lines.shift() ?? "").split(",");
  // The tables hold no quoted commas, so a plain split is exact.
  return lines.map((line) => {
    const cells = line.split(",");
    return Object.fromEntries(header.map((h, i) => [h, (cells[i] ?? "").trim()]));
  });
}

let catalogCache: CatalogEntry[] | undefined;
let deprecationCache: Deprecation[] | undefined;

/** Every (model, training type) row Together lists as fine-tunable. */
export function fineTuningCatalog(): CatalogEntry[] {
  catalogCache ??= readCsv("fine-tuning-models.csv").map((r) => ({
    trainingType: r.training_type as CatalogTrainingType,
    organization: r.organization ?? "",
    modelName: r.model_name ?? "",
    model: r.model_string ?? "",
    contextLengthSft: Number(r.context_length_sft),
    contextLengthDpo: Number(r.context_length_dpo),
    maxBatchSizeSft: Number(r.max_batch_size_sft),
    maxBatchSizeDpo: Number(r.max_batch_size_dpo),
    minBatchSize: Number(r.min_batch_size),
    trainingPrecision: r.training_precision ?? "",
  }));
  return catalogCache;
}

/** The catalogue rows for one model string (LoRA, long-context LoRA and/or full), case-sensitive. */
export function catalogEntriesFor(model: string): CatalogEntry[] {
  return fineTuningCatalog().filter((e) => e.model === model);
}

/** Together's deprecation list, planned and past. */
export function modelDeprecations(): Deprecation[] {
  deprecationCache ??= readCsv("model-deprecations.csv").map((r) => ({
    kind: r.kind === "planned" ? "planned" : "removed",
    date: r.date ?? "",
    model: r.model ?? "",
    replacementOrDedicatedSupport: r.replacement_or_dedicated_support ?? "",
  }));
  return deprecationCache;
}

/** The deprecation record for a model, compared case-insensitively (the list mixes spellings). */
export function deprecationFor(model: string): Deprecation | undefined {
  const wanted = model.toLowerCase();
  return modelDeprecations().find((d) => d.model.toLowerCase() === wanted);
}
