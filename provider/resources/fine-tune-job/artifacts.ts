// What a job leaves behind: its checkpoints (read at completion and on refresh), so a program can continue
// from a chosen step; the registry ids and the early-stopping outcome come with the job object itself.
import { isAuthError, type WireFineTune, type WireFineTuneCheckpoint } from "../../client";
import { errorText } from "../../shared/error-text";
import type { ProviderContext } from "../../shared/types";
import { subject } from "./messages";

/** Before training starts a job has no checkpoints to read. */
const NO_CHECKPOINTS_YET = new Set(["pending", "queued"]);

export function mayHaveCheckpoints(job: WireFineTune): boolean {
  return !NO_CHECKPOINTS_YET.has(job.status.toLowerCase());
}

/**
 * The job's checkpoints; undefined when Together does not answer (the outputs keep what they had, and the
 * next refresh reads them again): a missing list must not fail an `up` whose job is done.
 */
export async function readCheckpoints(
  ctx: ProviderContext,
  name: string | undefined,
  job: WireFineTune,
): Promise<WireFineTuneCheckpoint[] | undefined> {
  try {
    return await ctx.client().fineTunes.checkpoints(job.id);
  } catch (e) {
    if (isAuthError(e)) throw e;
    ctx.log.warn(
      `${subject(name)}: could not read the checkpoints of job ${job.id} (${errorText(e)}); ` +
        "`pulumi refresh` reads them again.",
    );
    return undefined;
  }
}
