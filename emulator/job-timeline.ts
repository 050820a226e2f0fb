// A fine-tune job's state, progress, events and checkpoints as pure functions of its schedule and the
// emulated time, so no per-job timers exist and clock.advance() moves every job at once.
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
  | "completed";

export const TERMINAL_STATUSES: ReadonlySet<JobStatus> = new Set(["cancelled", "error", "completed"]);

export function totalTokens(job: JobRecord): number {
  return job.tokensPerEpoch * job.nEpochs + job.evalTokens * job.nEvals;
}

export function buildSchedule(createdAt: number, tokens: number, d: JobDurations): JobSchedule {
  const queuedAt = createdAt + d.pendingMs;
  const runningAt = queuedAt + d.queuedMs;
  const compressingAt = runningAt + Math.ceil((tokens / 1000) * d.msPer1kTokens);
  const uploadingAt = compressingAt + d.compressingMs;
  return { queuedAt, runningAt, compressingAt, uploadingAt, completedAt: uploadingAt + d.uploadingMs };
}

export function jobStatus(job: JobRecord, now: number): JobStatus {
  if (job.errorAt !== undefined && now >= job.errorAt) return "error";
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

/** Fraction of training done at `now` (0..1), frozen at a cancel or failure. */
export function trainingFraction(job: JobRecord, now: number): number {
  const t = Math.min(now, haltAt(job));
  const { runningAt, compressingAt } = job.schedule;
  if (t < runningAt) return 0;
  if (compressingAt <= runningAt || t >= compressingAt) return 1;
  return (t - runningAt) / (compressingAt - runningAt);
}

export const totalSteps = (job: JobRecord): number => job.stepsPerEpoch * job.nEpochs;

export function stepsCompleted(job: JobRecord, now: number): number {
  return Math.floor(trainingFraction(job, now) * totalSteps(job));
}

/** Tokenisation happens when the job starts running; before that count and price are unknown. */
export function tokenized(job: JobRecord, now: number): boolean {
  return Math.min(now, haltAt(job)) >= job.schedule.runningAt;
}

/** Nano-dollars. A cancelled or failed job pays for the steps it completed only. */
export function priceNano(job: JobRecord, now: number): number {
  const full = totalTokens(job) * job.usdPerToken * 1e9;
  const status = jobStatus(job, now);
  const share =
    status === "cancelled" || status === "error" || status === "cancel_requested"
      ? stepsCompleted(job, now) / Math.max(1, totalSteps(job))
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
}

export interface Checkpoint {
  at: number;
  step: number;
  type: string;
  path: string;
}

/** Intermediate checkpoints evenly over training, then the final one(s) when the upload finishes. */
export function checkpoints(job: JobRecord, now: number): Checkpoint[] {
  const steps = totalSteps(job);
  const out: Checkpoint[] = [];
  const { runningAt, compressingAt, completedAt } = job.schedule;
  const seen = new Set<number>();
  for (let k = 1; k < job.nCheckpoints; k++) {
    const step = Math.round((k * steps) / job.nCheckpoints);
    if (step <= 0 || step >= steps || seen.has(step)) continue;
    seen.add(step);
    const at = runningAt + ((compressingAt - runningAt) * step) / steps;
    out.push({ at, step, type: "Intermediate", path: `${job.id}:${step}` });
  }
  const finals = job.trainingType === "Lora" ? ["Final Merged", "Final Adapter"] : ["Final"];
  for (const type of finals) out.push({ at: completedAt, step: steps, type, path: job.id });
  const limit = Math.min(now, haltAt(job));
  return out.filter((c) => c.at <= limit);
}

export function jobEvents(job: JobRecord, now: number): TimedEvent[] {
  const s = job.schedule;
  const ev: TimedEvent[] = [
    { at: job.createdAt, type: "job_pending", message: "Fine-tune request created", level: "info" },
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
  const trainMs = s.compressingAt - s.runningAt;
  for (let e = 1; e <= job.nEpochs; e++) {
    ev.push({
      at: s.runningAt + (trainMs * e) / job.nEpochs,
      type: "epoch_complete",
      message: `Epoch ${e}/${job.nEpochs} complete`,
      level: "info",
      step: job.stepsPerEpoch * e,
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
  ev.push(
    {
      at: s.compressingAt,
      type: "training_complete",
      message: "Training complete",
      level: "info",
      step: totalSteps(job),
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
  if (job.errorAt !== undefined && job.errorAt <= now) {
    out.push({
      at: job.errorAt,
      type: "job_error",
      message: job.errorMessage ?? "Job failed",
      level: "error",
    });
  }
  return out.sort((a, b) => a.at - b.at);
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
