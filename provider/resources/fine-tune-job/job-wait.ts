// Waiting for a job as `waitFor` demands: backoff polling (5 s growing to 60 s, so at most ~60 requests an hour),
// a progress line per poll, fail-fast on failure statuses with the job's own error events.
import type { WireFineTune, WireFineTuneEvent } from "../../client";
import { formatElapsed, isWaitFailed, isWaitTimeout, waitFor } from "../../shared/wait";
import type { ProviderContext } from "../../shared/types";
import { isFailedStatus, satisfies } from "./job-status";
import { usd } from "../../shared/usd";
import { subject } from "./messages";
import type { WaitTarget } from "./schema";
import { errorText } from "../../shared/error-text";

const INITIAL_POLL_MS = 5_000;
const MAX_POLL_MS = 60_000;
const EVENTS_IN_MESSAGE = 3;

export function describeJob(job: WireFineTune): string {
  const parts = [`status ${job.status}`];
  if (typeof job.steps_completed === "number" && typeof job.total_steps === "number" && job.total_steps > 0) {
    parts.push(`step ${job.steps_completed}/${job.total_steps}`);
  }
  if (typeof job.total_price === "number") parts.push(`price so far ${usd(job.total_price / 1e9)}`);
  return parts.join(", ");
}

/** Elapsed time is shown on the API's clock: under an accelerated emulator that is real time × the scale. */
export function progressLine(
  name: string | undefined,
  job: WireFineTune,
  elapsedMs: number,
  timeScale = 1,
): string {
  const elapsed = formatElapsed(elapsedMs, timeScale);
  return `${subject(name)}: job ${job.id} ${describeJob(job)}, elapsed ${elapsed}`;
}

/** With nothing new to say, a status line still goes out this often (emulated time), so a long wait shows it lives. */
export const HEARTBEAT_MS = 5 * 60_000;

/**
 * Decides which polls print a progress line: one whose status or step changed since the last line printed,
 * else a heartbeat once HEARTBEAT_MS of emulated time has passed since it.
 */
export function progressGate(timeScale = 1): (job: WireFineTune, elapsedMs: number) => boolean {
  const scale = timeScale > 0 ? timeScale : 1;
  let lastKey: string | undefined;
  let lastAt = 0;
  return (job, elapsedMs) => {
    const key = `${job.status}|${String(job.steps_completed)}|${String(job.total_steps)}`;
    const at = elapsedMs * scale;
    if (key === lastKey && at - lastAt < HEARTBEAT_MS) return false;
    lastKey = key;
    lastAt = at;
    return true;
  };
}

function isErrorEvent(e: WireFineTuneEvent): boolean {
  const level = (e.level ?? "").toLowerCase();
  const type = (e.type ?? "").toLowerCase();
  return level === "error" || type.includes("error") || type === "job_stopped" || type === "cancel_requested";
}

/** The job's last error events, newest last; the last events of any kind when none is an error. */
export async function lastErrorEvents(ctx: ProviderContext, job: WireFineTune): Promise<string> {
  let events: WireFineTuneEvent[];
  try {
    events = await ctx.client().fineTunes.events(job.id);
  } catch (e) {
    return `(events unavailable: ${errorText(e)})`;
  }
  const errors = events.filter(isErrorEvent);
  const chosen = (errors.length > 0 ? errors : events).slice(-EVENTS_IN_MESSAGE);
  if (chosen.length === 0) return "(the job reported no events)";
  return chosen.map((e) => `[${e.created_at}] ${e.message}`).join(" | ");
}

export type WaitOutcome =
  | { kind: "done"; job: WireFineTune }
  | { kind: "failed"; job: WireFineTune; message: string }
  | { kind: "timeout"; job: WireFineTune; message: string };

/** Waits for `job` until it satisfies `target`. Never throws for the job's own state: the caller decides. */
export async function awaitJob(
  ctx: ProviderContext,
  name: string | undefined,
  job: WireFineTune,
  target: WaitTarget,
  timeoutMinutes: number,
): Promise<WaitOutcome> {
  const who = subject(name);
  const failedMessage = async (j: WireFineTune) =>
    `${who}: fine-tune job ${j.id} ended with status ${j.status}. Last events: ${await lastErrorEvents(ctx, j)}. ` +
    `The job stays in state; the next \`pulumi up\` replaces it with a new job (fix the cause first), ` +
    `\`pulumi destroy\` removes it.`;
  if (target === "none" || satisfies(job.status, target)) return { kind: "done", job };
  if (isFailedStatus(job.status)) return { kind: "failed", job, message: await failedMessage(job) };
  const what = `fine-tune job ${job.id} to ${target === "running" ? "start running" : "complete"}`;
  ctx.log.info(`${who}: waiting for ${what} (timeoutMinutes ${timeoutMinutes})`);
  const changed = progressGate(ctx.timeScale);
  try {
    const done = await waitFor<WireFineTune>({
      what,
      poll: () => ctx.client().fineTunes.get(job.id),
      done: (j) => satisfies(j.status, target),
      failed: (j) => (isFailedStatus(j.status) ? `status ${j.status}` : undefined),
      timeoutMs: timeoutMinutes * 60_000,
      initialDelayMs: INITIAL_POLL_MS,
      maxDelayMs: MAX_POLL_MS,
      progress: (j, elapsed) => {
        if (changed(j, elapsed)) ctx.log.info(progressLine(name, j, elapsed, ctx.timeScale));
      },
      describe: describeJob,
      timeScale: ctx.timeScale,
    });
    ctx.log.info(`${who}: job ${done.id} ${describeJob(done)}`);
    return { kind: "done", job: done };
  } catch (e) {
    if (isWaitFailed(e)) {
      const last = e.last as WireFineTune;
      return { kind: "failed", job: last, message: await failedMessage(last) };
    }
    if (isWaitTimeout(e)) {
      const last = e.last as WireFineTune;
      return {
        kind: "timeout",
        job: last,
        message:
          `${who}: ${e.message}. The job keeps running (and billing) and stays in state: ` +
          `run \`pulumi up\` again to resume waiting without starting another job, raise timeoutMinutes, ` +
          `or \`pulumi destroy\` to cancel it.`,
      };
    }
    throw e;
  }
}
