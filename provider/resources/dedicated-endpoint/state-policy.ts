// Which state the provider records, and what it must do to reach the declared one. Pure; the drift policy
// these functions implement is written out at the top of lifecycle.ts.
import type { DesiredState, LiveState } from "./schema";

/** The rest state a live state is heading to; undefined for ERROR/FAILED. */
export function heading(s: string): DesiredState | undefined {
  if (s === "PENDING" || s === "STARTING" || s === "STARTED") return "STARTED";
  if (s === "STOPPING" || s === "STOPPED") return "STOPPED";
  return undefined;
}

/** Together stops an idle endpoint on its own when the inactivity timeout is on: not drift. */
export function isToleratedAutoStop(declared: string, live: string, inactiveTimeoutMinutes: number): boolean {
  return declared === "STARTED" && inactiveTimeoutMinutes > 0 && heading(live) === "STOPPED";
}

export interface RecordOptions {
  inactiveTimeoutMinutes: number;
  waitForReady: boolean;
}

/**
 * The `state` output after observing `live`. `reference` is the previously recorded state (or the declared
 * one): a recorded transitional state counts as the rest state it was heading to. The result equals the
 * declared state when the endpoint is there or may stay where it is, and is the observed state otherwise,
 * so the next diff sees the difference and `up` converges it.
 */
export function recordedState(
  reference: string,
  live: LiveState,
  o: RecordOptions,
): DesiredState | LiveState {
  const declared = heading(reference);
  if (declared === undefined) return live;
  if (live === declared) return declared;
  if (isToleratedAutoStop(declared, live, o.inactiveTimeoutMinutes)) return declared;
  // Without waiting, "on its way there" is as converged as the resource will ever record.
  if (!o.waitForReady && heading(live) === declared) return declared;
  return live;
}

export interface StatePlan {
  /** The rest state to wait for. */
  target: DesiredState;
  /** PATCH `state` to this. */
  send?: DesiredState;
  /** Wait for this rest state before sending (a start cannot interrupt a stop). */
  settleFirst?: DesiredState;
}

/**
 * How to bring `live` to `declared`. `mayRestart` is false when the endpoint was recorded as running and
 * the inactivity timeout is on: an auto-stopped endpoint is then left stopped rather than billed again.
 */
export function planState(declared: DesiredState, live: LiveState, mayRestart: boolean): StatePlan {
  const now = heading(live);
  if (declared === "STOPPED")
    return now === "STOPPED" ? { target: "STOPPED" } : { target: "STOPPED", send: "STOPPED" };
  if (now === "STOPPED" && !mayRestart) return { target: "STOPPED" };
  if (live === "STOPPING") return { target: "STARTED", settleFirst: "STOPPED", send: "STARTED" };
  if (now === "STARTED") return { target: "STARTED" };
  return { target: "STARTED", send: "STARTED" };
}
