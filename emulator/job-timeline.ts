// A fine-tune job's state, progress, events and checkpoints as pure functions of its schedule and the
// emulated time, so no per-job timers exist and clock.advance() moves every job at once.
import { createHash } from "node:crypto";
import { OWNER } from "./catalog";
import type { JobRecord, JobSchedule } from "./store";
import type { JobDurations } from "./types";

export type JobStatus =
  | "pending"
  | "queued"
  | "running"
  | "compressing"
  | "uploading"
  | "cancel_requested"
  | "cancelled"
  | "error"
  | "user_error"
  | "completed";

export const TERMINAL_STATUSES: ReadonlySet<JobStatus> = new Set([
  "cancelled",
  "error",
  "user_error",
  "completed",
]);

/** Tokens the job trains and evaluates on: all planned, or up to where early stopping ends it. */
export function totalTokens(job: JobRecord): number {
  const stop = job.earlyStop;
  return Math.ceil(
    job.tokensPerEpoch * job.nEpochs * (stop?.fraction ?? 1) + job.evalTokens * (stop?.evals ?? job.nEvals),
  );
}

export function buildSchedule(createdAt: number, tokens: number, d: JobDurations): JobSchedule {
  const queuedAt = createdAt + d.pendingMs;
  const runningAt = queuedAt + d.queuedMs;
  const compressingAt = runningAt + Math.ceil((tokens / 1000) * d.msPer1kTokens);
  const uploadingAt = compressingAt + d.compressingMs;
  return { queuedAt, runningAt, compressingAt, uploadingAt, completedAt: uploadingAt + d.uploadingMs };
}

export function jobStatus(job: JobRecord, now: number): JobStatus {
  if (job.errorAt !== undefined && now >= job.errorAt) return job.errorStatus ?? "error";
  if (job.cancelRequestedAt !== undefined && now >= job.cancelRequestedAt) {
    return now >= (job.cancelledAt ?? Infinity) ? "cancelled" : "cancel_requested";
  }
  const s = job.schedule;
  if (now >= s.completedAt) return "completed";
  if (now >= s.uploadingAt) return "uploading";
  if (now >= s.compressingAt) return "compressing";
  if (now >= s.runningAt) return "running";
  if (now >= s.queuedAt) return "queued";
  return "pending";
}

/** When the job stopped making progress (cancel request or failure), if it did. */
function haltAt(job: JobRecord): number {
  return Math.min(job.cancelRequestedAt ?? Infinity, job.errorAt ?? Infinity);
}

/** Fraction of the planned training done at `now` (0..1), frozen at a cancel or failure; it ends below 1 when
 *  early stopping ends training. */
export function trainingFraction(job: JobRecord, now: number): number {
  const t = Math.min(now, haltAt(job));
  const { runningAt, compressingAt } = job.schedule;
  const end = job.earlyStop?.fraction ?? 1;
  if (t < runningAt) return 0;
  if (compressingAt <= runningAt || t >= compressingAt) return end;
  return (end * (t - runningAt)) / (compressingAt - runningAt);
}

/** The planned steps (what `total_steps` reports). */
export const totalSteps = (job: JobRecord): number => job.stepsPerEpoch * job.nEpochs;

/** The steps training really runs: the planned ones, or up to the early stop. */
export const trainedSteps = (job: JobRecord): number => job.earlyStop?.step ?? totalSteps(job);

/** When training reaches `step` (emulated epoch ms). */
function stepAt(job: JobRecord, step: number): number {
  const { runningAt, compressingAt } = job.schedule;
  return runningAt + ((compressingAt - runningAt) * step) / Math.max(1, trainedSteps(job));
}

export function stepsCompleted(job: JobRecord, now: number): number {
  const s = job.schedule;
  if (Math.min(now, haltAt(job)) >= s.compressingAt) return trainedSteps(job);
  return Math.min(trainedSteps(job), Math.floor(trainingFraction(job, now) * totalSteps(job)));
}

/** Tokenisation happens when the job starts running; before that count and price are unknown. */
export function tokenized(job: JobRecord, now: number): boolean {
  return Math.min(now, haltAt(job)) >= job.schedule.runningAt;
}

/** Nano-dollars. A cancelled or failed job pays for the steps it completed only; a restarted one is refunded. */
export function priceNano(job: JobRecord, now: number): number {
  const full = totalTokens(job) * job.usdPerToken * 1e9;
  const status = jobStatus(job, now);
  if (job.restartedAs !== undefined && status === "error") return 0;
  const share =
    status === "cancelled" || status === "error" || status === "user_error" || status === "cancel_requested"
      ? stepsCompleted(job, now) / Math.max(1, trainedSteps(job))
      : 1;
  return Math.round(full * share);
}

interface TimedEvent {
  at: number;
  type: string;
  message: string;
  level: "info" | "warning" | "error";
  step?: number;
  checkpointPath?: string;
  modelPath?: string;
  bestMetric?: number;
  bestStep?: number;
}

export interface Checkpoint {
  at: number;
  step: number;
  type: string;
  path: string;
}

/** A stable registry id for one of the job's artifacts (`ml_…` objects, `rv_…` revisions). */
function registryId(prefix: "ml" | "rv", job: JobRecord, artifact: string): string {
  return `${prefix}_${createHash("sha256").update(`${job.id}/${artifact}`).digest("hex").slice(0, 24)}`;
}

export interface RegistryObject {
  id: string;
  name: string;
  revisionId: string;
}

/** The model registry object of a checkpoint artifact: `<project>/<model name>`, the adapter's with `-adapter`. */
export function registryObject(job: JobRecord, c: Checkpoint): RegistryObject {
  const final = c.type !== "Intermediate";
  const adapter = c.type === "Final Adapter";
  const artifact = final ? (adapter ? "adapter" : "model") : `step-${c.step}`;
  const name = final ? `${job.outputName}${adapter ? "-adapter" : ""}` : `${job.outputName}-step-${c.step}`;
  return { id: registryId("ml", job, artifact), name, revisionId: registryId("rv", job, artifact) };
}

/** The final artifacts: a Full job's model; a LoRA job's merged model and adapter, or its adapter only. */
export function finalTypes(job: JobRecord): string[] {
  if (job.trainingType !== "Lora") return ["Final"];
  return job.adapterOnly ? ["Final Adapter"] : ["Final Merged", "Final Adapter"];
}

/** Intermediate checkpoints evenly over the planned training (those before an early stop), then the final
 *  one(s) when the upload finishes: at the last step, or at an early-stopped job's best step. */
export function checkpoints(job: JobRecord, now: number): Checkpoint[] {
  const steps = totalSteps(job);
  const out: Checkpoint[] = [];
  const seen = new Set<number>();
  for (let k = 1; k < job.nCheckpoints; k++) {
    const step = Math.round((k * steps) / job.nCheckpoints);
    if (step <= 0 || step >= trainedSteps(job) || seen.has(step)) continue;
    seen.add(step);
    out.push({ at: stepAt(job, step), step, type: "Intermediate", path: `${job.id}:${step}` });
  }
  const finalStep = job.earlyStop?.bestStep ?? steps;
  for (const type of finalTypes(job))
    out.push({ at: job.schedule.completedAt, step: finalStep, type, path: job.id });
  const limit = Math.min(now, haltAt(job));
  return out.filter((c) => c.at <= limit);
}

export function jobEvents(job: JobRecord, now: number): TimedEvent[] {
  const s = job.schedule;
  const ev: TimedEvent[] = [
    {
      at: job.createdAt,
      type: "job_pending",
      message:
        job.restartOf === undefined
          ? "Fine-tune request created"
          : `Restart of job ${job.restartOf} after an internal error`,
      level: "info",
    },
    ...job.warnings.map((message) => ({
      at: job.createdAt,
      type: "warning",
      message,
      level: "warning" as const,
    })),
    { at: s.runningAt, type: "job_start", message: "Job started", level: "info" },
    { at: s.runningAt, type: "model_downloading", message: `Downloading model ${job.model}`, level: "info" },
    { at: s.runningAt, type: "model_download_complete", message: "Model download complete", level: "info" },
    {
      at: s.runningAt,
      type: "training_data_downloading",
      message: "Downloading training data",
      level: "info",
    },
    {
      at: s.runningAt,
      type: "training_data_download_complete",
      message: "Training data download complete",
      level: "info",
    },
  ];
  if (job.validationFile) {
    ev.push({
      at: s.runningAt,
      type: "validation_data_downloading",
      message: "Downloading validation data",
      level: "info",
    });
    ev.push({
      at: s.runningAt,
      type: "validation_data_download_complete",
      message: "Validation data download complete",
      level: "info",
    });
  }
  if (job.wandbUrl)
    ev.push({
      at: s.runningAt,
      type: "wandb_init",
      message: `Weights & Biases run: ${job.wandbUrl}`,
      level: "info",
    });
  ev.push({ at: s.runningAt, type: "training_start", message: "Training started", level: "info" });
  for (let e = 1; e <= job.nEpochs; e++) {
    const step = job.stepsPerEpoch * e;
    if (step > trainedSteps(job)) break;
    ev.push({
      at: stepAt(job, step),
      type: "epoch_complete",
      message: `Epoch ${e}/${job.nEpochs} complete`,
      level: "info",
      step,
    });
  }
  for (const c of checkpoints(job, Infinity)) {
    if (c.type !== "Intermediate") continue;
    ev.push({
      at: c.at,
      type: "checkpoint_save",
      message: `Checkpoint saved at step ${c.step}`,
      level: "info",
      step: c.step,
      checkpointPath: c.path,
    });
  }
  const stop = job.earlyStop;
  if (stop) {
    ev.push({
      at: s.compressingAt,
      type: "early_stopped",
      message:
        `Early stopping: validation loss did not improve by more than ${job.earlyStopping?.minDelta ?? 0} ` +
        `for ${job.earlyStopping?.patience ?? 0} evaluation(s); stopped at step ${stop.step} of ${totalSteps(job)}, ` +
        `best validation loss ${stop.bestMetric} at step ${stop.bestStep}`,
      level: "info",
      step: stop.step,
      bestMetric: stop.bestMetric,
      bestStep: stop.bestStep,
    });
  }
  ev.push(
    {
      at: s.compressingAt,
      type: "training_complete",
      message: "Training complete",
      level: "info",
      step: trainedSteps(job),
    },
    { at: s.compressingAt, type: "model_compressing", message: "Compressing output model", level: "info" },
    {
      at: s.uploadingAt,
      type: "model_compression_complete",
      message: "Model compression complete",
      level: "info",
    },
    { at: s.uploadingAt, type: "model_uploading", message: "Uploading output model", level: "info" },
    {
      at: s.completedAt,
      type: "model_upload_complete",
      message: "Model upload complete",
      level: "info",
      modelPath: job.outputName,
    },
    {
      at: s.completedAt,
      type: "job_complete",
      message: `Job finished. Output model: ${job.outputName}`,
      level: "info",
      modelPath: job.outputName,
    },
  );
  const halt = haltAt(job);
  const out = ev.filter((e) => e.at <= now && (e.at < halt || e.type === "job_pending"));
  if (
    job.cancelRequestedAt !== undefined &&
    job.cancelRequestedAt <= now &&
    (job.errorAt ?? Infinity) > job.cancelRequestedAt
  ) {
    out.push({
      at: job.cancelRequestedAt,
      type: "cancel_requested",
      message: "Cancel requested by user",
      level: "info",
    });
    if (
      job.cancelledAt !== undefined &&
      job.cancelledAt <= now &&
      (job.errorAt ?? Infinity) > job.cancelledAt
    ) {
      out.push({ at: job.cancelledAt, type: "job_stopped", message: "Job cancelled", level: "info" });
    }
  }
  if (job.errorAt !== undefined && job.errorAt <= now) out.push(...failureEvents(job, job.errorAt));
  // A stable sort: events at one instant keep the order they were pushed in.
  return out.sort((a, b) => a.at - b.at);
}

/** What a failure says: the error (or the billing limit), and for a restart the refund and the new job's id. */
function failureEvents(job: JobRecord, at: number): TimedEvent[] {
  const message = job.errorMessage ?? "Job failed";
  const out: TimedEvent[] = [
    { at, type: job.errorEvent ?? "job_error", message, level: "error", step: stepsAt(job, at) },
  ];
  if (job.restartedAs !== undefined) {
    const usd = (totalTokens(job) * job.usdPerToken * stepsAt(job, at)) / Math.max(1, trainedSteps(job));
    out.push(
      {
        at,
        type: "refund",
        message: `Refunded $${usd.toFixed(6)} for job ${job.id}: it stopped on an internal error`,
        level: "info",
      },
      {
        at,
        type: "job_restarted",
        message: `Job ${job.id} restarted as ${job.restartedAs} after an internal error`,
        level: "warning",
      },
    );
  }
  return out;
}

function stepsAt(job: JobRecord, at: number): number {
  return Math.min(trainedSteps(job), Math.floor(trainingFraction(job, at) * totalSteps(job)));
}

export function eventView(job: JobRecord, e: TimedEvent, now: number): Record<string, unknown> {
  return {
    object: "fine-tune-event",
    created_at: new Date(e.at).toISOString(),
    level: e.level,
    message: e.message,
    type: e.type,
    param_count: job.paramCount,
    token_count: tokenized(job, now) ? totalTokens(job) : 0,
    total_steps: totalSteps(job),
    wandb_url: job.wandbUrl ?? "",
    step: e.step ?? 0,
    checkpoint_path: e.checkpointPath ?? "",
    model_path: e.modelPath ?? "",
    training_offset: 0,
    hash: "",
    ...(e.type === "early_stopped"
      ? {
          early_stopping_best_metric_value: e.bestMetric ?? null,
          early_stopping_best_step: e.bestStep ?? null,
        }
      : {}),
  };
}

/** `FinetuneResponseTruncated` (create, list, cancel) or, with `full`, `FinetuneResponse` (retrieve). */
export function jobView(job: JobRecord, now: number, full: boolean): Record<string, unknown> {
  const status = jobStatus(job, now);
  const events = jobEvents(job, now);
  const iso = (ms: number): string => new Date(ms).toISOString();
  const terminal = TERMINAL_STATUSES.has(status);
  const view: Record<string, unknown> = {
    id: job.id,
    status,
    created_at: iso(job.createdAt),
    updated_at: iso(events.at(-1)?.at ?? job.createdAt),
    user_id: OWNER,
    owner_address: OWNER,
    model: job.model,
    model_output_name: job.outputName,
    training_file: job.trainingFile,
    ...(job.validationFile ? { validation_file: job.validationFile } : {}),
    ...(job.suffix !== undefined ? { suffix: job.suffix } : {}),
    ...(job.fromCheckpoint !== undefined ? { from_checkpoint: job.fromCheckpoint } : {}),
    n_epochs: job.nEpochs,
    n_checkpoints: job.nCheckpoints,
    n_evals: job.nEvals,
    batch_size: job.batchSize,
    max_seq_length: job.maxSeqLength,
    ...job.echo,
    progress: {
      estimate_available: !terminal,
      seconds_remaining: terminal ? 0 : Math.max(0, Math.ceil((job.schedule.completedAt - now) / 1000)),
    },
  };
  if (tokenized(job, now)) {
    view.started_at = iso(job.schedule.runningAt);
    view.token_count = totalTokens(job);
    view.total_price = priceNano(job, now);
  }
  // The registry ids of the final model and adapter exist once the job has completed.
  if (status === "completed") {
    for (const c of checkpoints(job, now)) {
      if (c.type === "Intermediate") continue;
      const o = registryObject(job, c);
      const key = c.type === "Final Adapter" ? "adapter" : "model";
      view[`${key}_object_id`] = o.id;
      view[`${key}_object_name`] = o.name;
      view[`${key}_object_revision_id`] = o.revisionId;
    }
  }
  // The early-stopping outcome is known once training has ended.
  if (job.earlyStopping && Math.min(now, haltAt(job)) >= job.schedule.compressingAt) {
    view.early_stopped = job.earlyStop !== undefined;
    if (job.earlyStop) {
      view.early_stopping_best_metric = job.earlyStop.bestMetric;
      view.early_stopping_best_step = job.earlyStop.bestStep;
    }
  }
  if (!full) return view;
  const trainingMethod = job.echo.training_method as { train_on_inputs?: unknown } | undefined;
  return {
    ...view,
    job_id: job.id,
    trainingfile_numlines: job.trainingFileLines,
    trainingfile_size: job.trainingFileBytes,
    param_count: job.paramCount,
    epochs_completed: Math.floor(trainingFraction(job, now) * job.nEpochs),
    steps_completed: stepsCompleted(job, now),
    total_steps: totalSteps(job),
    evals_completed: Math.floor(trainingFraction(job, now) * job.nEvals),
    queue_depth: status === "queued" || status === "pending" ? 1 : 0,
    eval_steps: job.nEvals > 0 ? Math.max(1, Math.floor(totalSteps(job) / job.nEvals)) : 0,
    train_on_inputs: trainingMethod?.train_on_inputs ?? "auto",
    ...(job.wandbUrl ? { wandb_url: job.wandbUrl } : {}),
    ...(status === "completed"
      ? { model_output_path: `s3://together-emulator/finetune/${job.id}/output` }
      : {}),
    events: events.map((e) => eventView(job, e, now)),
  };
}
