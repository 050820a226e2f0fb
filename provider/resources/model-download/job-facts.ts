// What the job says about a download before any byte moves: whether it completed, which kinds its training type
// has (PY1/PY2: a full-training job downloads as `model_output_path`; a LoRA job as `merged`, the default, or
// `adapter`; a LoRA job on a model without merged output has the adapter only), and which steps have a checkpoint.
import { isNotFound, type WireFineTune, type WireFineTuneCheckpoint } from "../../client";
import type { CheckFailure, ProviderContext } from "../../shared/types";
import type { CheckpointKind } from "./schema";

export function prefix(name: string): string {
  return `ModelDownload "${name}"`;
}

export interface DownloadPlan {
  checkpoint: CheckpointKind;
  /** The step the archive holds: the one asked for, or the final checkpoint's. */
  step: number;
  /** Sent as `checkpoint_step`: only for an intermediate step (the final step is the final model). */
  checkpointStep?: number;
  /** The job's output model name, for messages. */
  outputName?: string;
}

export type JobFacts = { plan: DownloadPlan } | { failure: CheckFailure } | { pending: string };

const FAILED = new Set(["cancelled", "error", "user_error", "failed"]);

/** The default kind for a job: what the Together CLI downloads when none is named. */
export function defaultCheckpoint(job: WireFineTune): CheckpointKind {
  return isFull(job) ? "model_output_path" : "merged";
}

function isFull(job: WireFineTune): boolean {
  return (job.training_type?.type ?? "").toLowerCase() === "full";
}

/**
 * Reads the job (and, once it completed, its checkpoints) and decides what to download, or why not. `pending`:
 * the job has not finished yet (a preview may still see it complete before the download runs).
 */
export async function jobFacts(
  ctx: ProviderContext,
  name: string,
  inputs: { jobId: string; checkpoint?: CheckpointKind; checkpointStep?: number },
): Promise<JobFacts> {
  const who = prefix(name);
  const client = ctx.client();
  let job: WireFineTune;
  try {
    job = await client.fineTunes.get(inputs.jobId);
  } catch (e) {
    if (!isNotFound(e)) throw e;
    return fail(
      "jobId",
      `${who}: jobId = ${inputs.jobId}: no such fine-tune job on Together. Fix: use the id of a job of this ` +
        "account (typically `job.jobId` of a FineTuneJob).",
    );
  }
  const status = job.status.toLowerCase();
  if (FAILED.has(status)) {
    return fail(
      "jobId",
      `${who}: jobId = ${job.id} is ${status}: only a completed job has weights to download. Fix: point jobId at ` +
        "a completed job (or train again).",
    );
  }
  if (status !== "completed") return { pending: status };

  const full = isFull(job);
  const checkpoint = inputs.checkpoint ?? defaultCheckpoint(job);
  if (full && checkpoint !== "model_output_path") {
    return fail(
      "checkpoint",
      `${who}: checkpoint = "${checkpoint}": job ${job.id} is a full-training job, which Together serves as ` +
        '"model_output_path" only. Fix: remove checkpoint (or set it to "model_output_path").',
    );
  }
  if (!full && checkpoint === "model_output_path") {
    return fail(
      "checkpoint",
      `${who}: checkpoint = "model_output_path": job ${job.id} is a LoRA job, served as "merged" or "adapter". ` +
        'Fix: set checkpoint to "merged" (the default) or "adapter".',
    );
  }
  const saved: WireFineTuneCheckpoint[] = await client.fineTunes.checkpoints(job.id);
  const finals = saved.filter((c) => !/intermediate/i.test(c.checkpoint_type ?? ""));
  const finalStep = Math.max(0, ...finals.map((c) => c.step ?? 0));
  if (
    checkpoint === "merged" &&
    finals.length > 0 &&
    !finals.some((c) => /merged/i.test(c.checkpoint_type ?? ""))
  ) {
    return fail(
      "checkpoint",
      `${who}: checkpoint = "merged": job ${job.id} has no merged model (Together keeps only the LoRA adapter ` +
        'for its model). Fix: set checkpoint to "adapter".',
    );
  }
  const step = inputs.checkpointStep;
  if (step === undefined || step === finalStep) {
    return {
      plan: {
        checkpoint,
        step: finalStep,
        ...(job.model_output_name != null && { outputName: job.model_output_name }),
      },
    };
  }
  if (!saved.some((c) => c.step === step)) {
    const steps = [...new Set(saved.map((c) => c.step))].sort((a, b) => (a ?? 0) - (b ?? 0)).join(", ");
    return fail(
      "checkpointStep",
      `${who}: checkpointStep = ${step}: job ${job.id} has no checkpoint at that step (it has ${steps || "none"}). ` +
        `Fix: use one of those steps, or remove checkpointStep for the final model (step ${finalStep}).`,
    );
  }
  return {
    plan: {
      checkpoint,
      step,
      checkpointStep: step,
      ...(job.model_output_name != null && { outputName: job.model_output_name }),
    },
  };
}

function fail(property: string, reason: string): JobFacts {
  return { failure: { property, reason } };
}
