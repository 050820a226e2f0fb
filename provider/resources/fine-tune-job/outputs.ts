// State written by create/update/read: the inputs minus credentials, plus what Together reports about the job.
// Never the events list (unbounded, and may quote the request); never hfApiToken or wandb.apiKey.
import type { WireFineTune, WireFineTuneCheckpoint } from "../../client";
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
  setIf(out, "modelObjectId", job.model_object_id);
  setIf(out, "modelObjectName", job.model_object_name);
  setIf(out, "modelObjectRevisionId", job.model_object_revision_id);
  setIf(out, "adapterObjectId", job.adapter_object_id);
  setIf(out, "adapterObjectName", job.adapter_object_name);
  setIf(out, "adapterObjectRevisionId", job.adapter_object_revision_id);
  setIf(out, "earlyStopped", job.early_stopped);
  setIf(out, "earlyStoppingBestStep", job.early_stopping_best_step);
  setIf(out, "earlyStoppingBestMetric", job.early_stopping_best_metric);
  return out;
}

/** A checkpoint as the FineTuneJob outputs it: what a second job needs to continue from it. */
export interface CheckpointOutput {
  step: number;
  /** Together's label: `Intermediate`, `Final`, `Final Merged`, `Final Adapter`. */
  type: string;
  /** The `fromCheckpoint` value that continues from this checkpoint: `<job id>:<step>`. */
  fromCheckpoint: string;
  /** `model` or `adapter`, where Together says. */
  artifact?: string;
  /** Model registry id and name of the checkpoint's weights, where Together reports them. */
  objectId?: string;
  objectName?: string;
}

export function checkpointOutputs(jobId: string, list: WireFineTuneCheckpoint[]): CheckpointOutput[] {
  return [...list]
    .sort((a, b) => a.step - b.step)
    .map((c) => {
      const out: Record<string, unknown> = {
        step: c.step,
        type: c.checkpoint_type,
        fromCheckpoint: `${jobId}:${c.step}`,
      };
      setIf(out, "artifact", c.checkpoint);
      setIf(out, "objectId", c.object_id);
      setIf(out, "objectName", c.object_name);
      return out as unknown as CheckpointOutput;
    });
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
  "modelObjectId",
  "modelObjectName",
  "modelObjectRevisionId",
  "adapterObjectId",
  "adapterObjectName",
  "adapterObjectRevisionId",
  "earlyStopped",
  "earlyStoppingBestStep",
  "earlyStoppingBestMetric",
  "schemaVersion",
];

/**
 * Full outputs. `inputs` may be earlier outputs (read): their computed fields are replaced by the job's.
 * `checkpoints`: the job's list when it was read this time; otherwise earlier outputs keep theirs, unless they
 * belong to another job (a restart was followed).
 */
export function jobOutputs(
  inputs: Record<string, unknown>,
  job: WireFineTune,
  estimatedPriceUsd: unknown,
  checkpoints?: WireFineTuneCheckpoint[],
): Record<string, unknown> {
  const echoed = echoInputs(inputs);
  for (const k of COMPUTED) delete echoed[k];
  if (checkpoints !== undefined) echoed.checkpoints = checkpointOutputs(job.id, checkpoints);
  else if (inputs.jobId !== job.id) delete echoed.checkpoints;
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
