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
  return (
    level === "error" ||
    type.includes("error") ||
    type === "job_stopped" ||
    type === "cancel_requested" ||
    type === "billing_limit"
  );
}

const isType = (e: WireFineTuneEvent, type: string): boolean => (e.type ?? "").toLowerCase() === type;

/** The job's events: those the job object carries (a retrieve does), else the events list; undefined when neither
 *  can be read. */
async function eventsOf(ctx: ProviderContext, job: WireFineTune): Promise<WireFineTuneEvent[] | undefined> {
  if (job.events) return job.events;
  try {
    return await ctx.client().fineTunes.events(job.id);
  } catch {
    return undefined;
  }
}

function describeEvents(events: WireFineTuneEvent[] | undefined): string {
  if (events === undefined) return "(events unavailable)";
  const errors = events.filter(isErrorEvent);
  const chosen = (errors.length > 0 ? errors : events).slice(-EVENTS_IN_MESSAGE);
  if (chosen.length === 0) return "(the job reported no events)";
  return chosen.map((e) => `[${e.created_at}] ${e.message}`).join(" | ");
}

/** The job's last error events, newest last; the last events of any kind when none is an error. */
export async function lastErrorEvents(ctx: ProviderContext, job: WireFineTune): Promise<string> {
  let events: WireFineTuneEvent[];
  try {
    events = await ctx.client().fineTunes.events(job.id);
  } catch (e) {
    return `(events unavailable: ${errorText(e)})`;
  }
  return describeEvents(events);
}

/** A `billing_limit` event: the account's limit stopped the job, whatever its status says yet. */
export function billingLimitEvent(job: WireFineTune): WireFineTuneEvent | undefined {
  return job.events?.findLast((e) => isType(e, "billing_limit"));
}

/**
 * Where Together restarted a failed job: its `job_restarted` event names the new job (the first `ft-…` id in the
 * message other than the job's own, e.g. "Job ft-a restarted as ft-b after an internal error"). `undefined`: no
 * restart; `null`: a restart whose new id the event does not name.
 */
export function restartTarget(job: WireFineTune, events: WireFineTuneEvent[]): string | null | undefined {
  const restarted = events.filter((e) => isType(e, "job_restarted")).at(-1);
  if (restarted === undefined) return undefined;
  const ids = `${restarted.message} ${restarted.model_path ?? ""}`.match(/\bft-[0-9A-Za-z-]+/g) ?? [];
  return ids.find((id) => id !== job.id) ?? null;
}

/** Restarts followed in one chain before giving up (a job Together keeps restarting needs a person). */
export const MAX_RESTARTS = 5;

export type Followed =
  | { kind: "live"; job: WireFineTune; restarts: string[] }
  | { kind: "unnamed"; job: WireFineTune; restarts: string[] };

/**
 * The live job behind `job`: while it failed and Together restarted it, the job it was restarted as. Logs each
 * hop with the refund Together reported.
 */
export async function followRestarts(
  ctx: ProviderContext,
  name: string | undefined,
  job: WireFineTune,
): Promise<Followed> {
  const restarts: string[] = [];
  let current = job;
  while (isFailedStatus(current.status) && restarts.length < MAX_RESTARTS) {
    const events = await eventsOf(ctx, current);
    if (events === undefined) break;
    const next = restartTarget(current, events);
    if (next === undefined) break;
    if (next === null) return { kind: "unnamed", job: current, restarts };
    const refund = events.filter((e) => isType(e, "refund")).at(-1);
    ctx.log.info(
      `${subject(name)}: Together restarted fine-tune job ${current.id} as ${next} after an internal error` +
        `${refund ? ` (${refund.message})` : ""}; following ${next}.`,
    );
    restarts.push(current.id);
    current = await ctx.client().fineTunes.get(next);
  }
  return { kind: "live", job: current, restarts };
}

export type WaitOutcome =
  | { kind: "done"; job: WireFineTune }
  | { kind: "failed"; job: WireFineTune; message: string }
  | { kind: "timeout"; job: WireFineTune; message: string };

const BILLING_FIX =
  "Fix: raise the account's limit or add credits (https://api.together.ai/settings/billing), then run " +
  "`pulumi up`: it replaces the stopped job with a new one (a stopped job does not resume)";

/** Why the job ended, in the words its status and events call for. */
async function failureMessage(ctx: ProviderContext, who: string, job: WireFineTune): Promise<string> {
  const events = await eventsOf(ctx, job);
  const billing = events?.findLast((e) => isType(e, "billing_limit"));
  const kept =
    "The job stays in state; the next `pulumi up` replaces it with a new job (fix the cause first), " +
    "`pulumi destroy` removes it.";
  if (billing !== undefined) {
    return (
      `${who}: Together stopped fine-tune job ${job.id} (status ${job.status}): the account's billing limit was ` +
      `reached: ${billing.message}. ${BILLING_FIX}.`
    );
  }
  if (job.status.toLowerCase() === "user_error") {
    return (
      `${who}: fine-tune job ${job.id} ended with status user_error: Together found a problem with the job's ` +
      `input: ${describeEvents(events)}. Fix the training data or options it names; ${kept}`
    );
  }
  if (events !== undefined && restartTarget(job, events) === null) {
    return (
      `${who}: fine-tune job ${job.id} failed and Together restarted it, but its events do not name the new job: ` +
      `${describeEvents(events)}. Fix: find the new job (GET /v1/fine-tunes) and set adoptJobId to its id.`
    );
  }
  const detail = events === undefined ? await lastErrorEvents(ctx, job) : describeEvents(events);
  return `${who}: fine-tune job ${job.id} ended with status ${job.status}. Last events: ${detail}. ${kept}`;
}

/**
 * Waits for `job` until it satisfies `target`. A job Together restarts under a new id is followed: the outcome's
 * job is the live one. A `billing_limit` event ends the wait whatever the status says. Never throws for the job's
 * own state: the caller decides.
 */
export async function awaitJob(
  ctx: ProviderContext,
  name: string | undefined,
  job: WireFineTune,
  target: WaitTarget,
  timeoutMinutes: number,
): Promise<WaitOutcome> {
  const who = subject(name);
  const scale = ctx.timeScale > 0 ? ctx.timeScale : 1;
  const startedAt = Date.now();
  let current = job;
  // The whole chain of restarts shares one timeout; the first wait gets all of it (so its message names the
  // configured timeout, not what is left after the first status read).
  let remainingMinutes = timeoutMinutes;
  for (;;) {
    const followed = await followRestarts(ctx, name, current);
    current = followed.job;
    if (target === "none" || satisfies(current.status, target)) return { kind: "done", job: current };
    if (isFailedStatus(current.status) || billingLimitEvent(current) !== undefined)
      return { kind: "failed", job: current, message: await failureMessage(ctx, who, current) };
    const outcome = await waitOnce(ctx, name, current, target, remainingMinutes);
    if (outcome.kind === "failed") {
      const next = await followRestarts(ctx, name, outcome.job);
      if (next.job.id !== outcome.job.id) {
        current = next.job;
        const usedMinutes = ((Date.now() - startedAt) * scale) / 60_000;
        remainingMinutes = Math.max(0, timeoutMinutes - usedMinutes);
        continue;
      }
      return { kind: "failed", job: outcome.job, message: await failureMessage(ctx, who, outcome.job) };
    }
    return outcome;
  }
}

/** One job's wait: done, failed (status or billing limit; the message is made by the caller) or timed out. */
async function waitOnce(
  ctx: ProviderContext,
  name: string | undefined,
  job: WireFineTune,
  target: WaitTarget,
  timeoutMinutes: number,
): Promise<WaitOutcome> {
  const who = subject(name);
  const what = `fine-tune job ${job.id} to ${target === "running" ? "start running" : "complete"}`;
  ctx.log.info(`${who}: waiting for ${what} (timeoutMinutes ${Math.round(timeoutMinutes * 100) / 100})`);
  const changed = progressGate(ctx.timeScale);
  try {
    const done = await waitFor<WireFineTune>({
      what,
      poll: () => ctx.client().fineTunes.get(job.id),
      done: (j) => satisfies(j.status, target),
      failed: (j) =>
        isFailedStatus(j.status)
          ? `status ${j.status}`
          : billingLimitEvent(j) !== undefined
            ? "the account's billing limit stopped it"
            : undefined,
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
    if (isWaitFailed(e)) return { kind: "failed", job: e.last as WireFineTune, message: "" };
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
