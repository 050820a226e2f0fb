// A fine-tuning job's price before Together has seen its dataset: tokens counted locally
// (dataset-tokens.ts) times the per-token rate. The rate is Together's own when the stack holds an
// earlier file of the same job (its estimate-price answer on that file gives price per token for
// this model and method), else the shipped rate table's.
import * as path from "node:path";
import { tokenRate } from "../catalog/fine-tuning-rates";
import { usd } from "../shared/usd";
import { datasetTokens, type DatasetTokens } from "./dataset-tokens";

export interface LocalPriceRequest {
  model: string;
  method: "sft" | "dpo";
  type: "lora" | "full";
  nEpochs: number;
  nEvals: number;
  /** Local paths of the datasets (the TrainingFile sources). */
  trainingSource: string;
  validationSource?: string | undefined;
  /** Together's price per token for this model and method, from an estimate on an earlier file. */
  togetherUsdPerToken?: number | undefined;
}

export interface LocalPrice {
  priceUsd: number;
  trainTokens: number;
  evalTokens: number;
  /** One line for the preview: the figure, how it was made, and how far to trust it. */
  summary: string;
}

function millions(n: number): string {
  return n >= 100_000 ? `${(n / 1e6).toFixed(n >= 10e6 ? 0 : 1)} M` : n.toLocaleString("en-US");
}

function howCounted(t: DatasetTokens): string {
  const lines =
    t.lines.total !== undefined
      ? `all ${t.lines.total.toLocaleString("en-US")} lines`
      : `${t.lines.counted.toLocaleString("en-US")} sampled lines, ±${(200 * t.relativeStdError).toFixed(1)}% (95%)`;
  const fix =
    t.missingVocabulary === undefined ? "" : `; install ${t.missingVocabulary} for a tokenizer count`;
  return `${t.method}, ${lines}${fix}`;
}

export async function localPrice(req: LocalPriceRequest): Promise<LocalPrice> {
  const train = await datasetTokens(req.trainingSource, req.model);
  const evals =
    req.validationSource !== undefined && req.nEvals > 0
      ? await datasetTokens(req.validationSource, req.model)
      : undefined;
  const trainTokens = train.tokens * req.nEpochs;
  const evalTokens = (evals?.tokens ?? 0) * req.nEvals;
  const table = tokenRate(req.model, req.method, req.type);
  const perToken = req.togetherUsdPerToken ?? table.usdPerToken;
  const rate =
    req.togetherUsdPerToken === undefined
      ? `${table.description} from the shipped rate table`
      : `$${(req.togetherUsdPerToken * 1e6).toPrecision(3)}/M tokens, Together's rate from its estimate on the stack's earlier file`;
  const priceUsd = (trainTokens + evalTokens) * perToken;
  const evalPart =
    evals === undefined ? "" : ` + ${millions(evals.tokens)} validation tokens × ${req.nEvals} evals`;
  const summary =
    `≈ ${usd(priceUsd)} (local estimate: ${millions(train.tokens)} tokens × ${req.nEpochs} epoch${req.nEpochs === 1 ? "" : "s"}${evalPart} ` +
    `at ${rate}; counted in ${path.basename(req.trainingSource)} by ${howCounted(train)}; ` +
    `Together's exact estimate runs before the job starts)`;
  return { priceUsd, trainTokens, evalTokens, summary };
}
