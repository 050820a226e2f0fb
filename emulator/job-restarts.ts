// Failures that happen to a fine-tune job on Together's side, after its create succeeded: an internal error
// (optionally followed by a restart under a new job id, with a refund), a user_error, or the account's billing
// limit. Scheduled at an emulated time; a restarted job's successor is made the first time a request sees that
// time, so job state stays a pure function of the clock.
import { randomBytes, randomUUID } from "node:crypto";
import { buildSchedule, totalTokens } from "./job-timeline";
import type { EmulatorStore, JobRecord } from "./store";
import type { JobOutcome } from "./types";

const DEFAULT_MESSAGES: Record<JobOutcome, string> = {
  restart: "Internal error: the training node failed",
  error: "Internal error: the training node failed",
  user_error: "The training data could not be processed: examples exceed max_seq_length",
  billing_limit: "The job was stopped: your organization reached its billing limit",
};

/** From `at` on the job meets `outcome`; returns the successor's id for a restart. */
export function scheduleOutcome(
  job: JobRecord,
  outcome: JobOutcome,
  at: number,
  message = DEFAULT_MESSAGES[outcome],
): string | undefined {
  job.errorAt = at;
  job.errorMessage = message;
  if (outcome === "user_error") job.errorStatus = "user_error";
  if (outcome === "billing_limit") job.errorEvent = "billing_limit";
  if (outcome !== "restart") return undefined;
  job.restartedAs = `ft-${randomUUID()}`;
  return job.restartedAs;
}

/** When `fraction` of the job's training is done (emulated epoch ms). */
export function trainingTime(job: JobRecord, fraction: number): number {
  const { runningAt, compressingAt } = job.schedule;
  return runningAt + Math.max(0, Math.min(1, fraction)) * (compressingAt - runningAt);
}

/** Makes the successor of every restart whose time has come. */
export function materializeRestarts(store: EmulatorStore, now: number): void {
  for (const job of [...store.jobs.values()]) {
    const id = job.restartedAs;
    if (id === undefined || job.errorAt === undefined || job.errorAt > now || store.jobs.has(id)) continue;
    const at = job.errorAt;
    const base = job.outputName.replace(/-[0-9a-f]{6}$/, "");
    const successor: JobRecord = {
      ...job,
      id,
      createdAt: at,
      restartOf: job.id,
      outputName: `${base}-${randomBytes(3).toString("hex")}`,
      ...(job.wandbUrl ? { wandbUrl: job.wandbUrl.replace(/[^/]+$/, id.slice(3, 11)) } : {}),
      schedule: buildSchedule(at, totalTokens(job), store.jobDurations),
      warnings: [],
      deleted: false,
    };
    for (const k of [
      "errorAt",
      "errorMessage",
      "errorStatus",
      "errorEvent",
      "restartedAs",
      "cancelRequestedAt",
      "cancelledAt",
    ] as const)
      delete successor[k];
    store.jobs.set(id, successor);
  }
}
