// State written by create/update/read: the inputs minus credentials, plus what Together reports about the job.
// Never the events list (unbounded, and may quote the request); never hfApiToken or wandb.apiKey.
import type { WireFineTune } from "../../client";
import { SCHEMA_VERSION } from "../../shared/partial-failure";

const NANO_DOLLARS_PER_USD = 1e9;

/** Every credential in the inputs, including a W&B key given (wrongly) as a bare string. */
export function secretValues(i: Record<string, unknown>): string[] {
  const out: string[] = [];
  if (typeof i.hfApiToken === "string" && i.hfApiToken !== "") out.push(i.hfApiToken);
  const w = i.wandb;
  if (typeof w === "string" && w !== "") out.push(w);
  const key = w !== null && typeof w === "object" ? (w as { apiKey?: unknown }).apiKey : undefined;
  if (typeof key === "string" && key !== "") out.push(key);
  return out;
}

/** Registers every credential in the inputs for redaction. */
export function registerSecrets(
  ctx: { secrets: { add(v: string | undefined): void } },
  i: Record<string, unknown>,
) {
  for (const s of secretValues(i)) ctx.secrets.add(s);
}

/** The inputs as they may appear in state and in diffs: credentials and undefined members removed. */
export function echoInputs(i: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(i)) {
    if (v === undefined || k === "hfApiToken" || k === "__provider") continue;
    if (k === "wandb" && v !== null && typeof v === "object") {
      out.wandb = Object.fromEntries(
        Object.entries(v).filter(([wk, wv]) => wk !== "apiKey" && wv !== undefined),
      );
      continue;
    }
    out[k] = v;
  }
  return out;
}

function setIf(out: Record<string, unknown>, key: string, v: unknown): void {
  if (v !== undefined && v !== null && v !== "") out[key] = v;
}

/** What Together reports, in the SDK's names and units. Fields it has not reported yet are left out. */
export function jobFields(job: WireFineTune): Record<string, unknown> {
  const out: Record<string, unknown> = { jobId: job.id, status: job.status };
  setIf(out, "outputModelName", job.model_output_name);
  if (typeof job.total_price === "number") out.totalPriceUsd = job.total_price / NANO_DOLLARS_PER_USD;
  setIf(out, "tokenCount", job.token_count);
  setIf(out, "epochsCompleted", job.epochs_completed);
  setIf(out, "stepsCompleted", job.steps_completed);
  setIf(out, "totalSteps", job.total_steps);
  setIf(out, "wandbUrl", job.wandb_url);
  setIf(out, "createdAt", job.created_at);
  return out;
}

const COMPUTED = [
  "jobId",
  "status",
  "outputModelName",
  "totalPriceUsd",
  "tokenCount",
  "epochsCompleted",
  "stepsCompleted",
  "totalSteps",
  "wandbUrl",
  "createdAt",
  "schemaVersion",
];

/** Full outputs. `inputs` may be earlier outputs (read): their computed fields are replaced by the job's. */
export function jobOutputs(
  inputs: Record<string, unknown>,
  job: WireFineTune,
  estimatedPriceUsd: unknown,
): Record<string, unknown> {
  const echoed = echoInputs(inputs);
  for (const k of COMPUTED) delete echoed[k];
  const out: Record<string, unknown> = { ...echoed, ...jobFields(job), schemaVersion: SCHEMA_VERSION };
  // After create every estimate is Together's own (the create gate asks it again); a local one lives in preview only.
  if (typeof estimatedPriceUsd === "number") {
    out.estimatedPriceUsd = estimatedPriceUsd;
    out.estimateKind = "together";
  } else {
    delete out.estimatedPriceUsd;
    delete out.estimateKind;
  }
  return out;
}
