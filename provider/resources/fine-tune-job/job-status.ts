// Job statuses as Together reports them (together-api.md §3.3); unknown statuses count as still in progress.
import type { WaitTarget } from "./schema";

const FAILED = new Set(["error", "user_error", "cancelled"]);
const RUNNING_OR_LATER = new Set(["running", "compressing", "uploading", "completed"]);

export function isFailedStatus(status: string): boolean {
  return FAILED.has(status.toLowerCase());
}

export function isTerminalStatus(status: string): boolean {
  return isFailedStatus(status) || status.toLowerCase() === "completed";
}

/** Whether a job in `status` satisfies what `waitFor` demands. */
export function satisfies(status: string, waitFor: WaitTarget): boolean {
  if (waitFor === "none") return true;
  const s = status.toLowerCase();
  return waitFor === "running" ? RUNNING_OR_LATER.has(s) : s === "completed";
}
