// A dedicated endpoint's state as a function of its current phase and the emulated time.
import type { EndpointPhase, EndpointRecord } from "./store";

export type EndpointState = "PENDING" | "STARTING" | "STARTED" | "STOPPING" | "STOPPED" | "ERROR";

export function endpointState(ep: EndpointRecord, now: number): EndpointState {
  const p = ep.phase;
  switch (p.kind) {
    case "starting":
      return now < p.pendingUntil ? "PENDING" : now < p.startedAt ? "STARTING" : "STARTED";
    case "stopping":
      return now < p.stoppedAt ? "STOPPING" : "STOPPED";
    case "stopped":
      return "STOPPED";
    case "error":
      return "ERROR";
  }
}

/** A fresh deployment waits for capacity (PENDING, the first sixth) before loading (STARTING); a
 *  restart of a stopped endpoint goes straight to STARTING. */
export function startingPhase(now: number, startMs: number, withPending: boolean): EndpointPhase {
  return {
    kind: "starting",
    since: now,
    pendingUntil: withPending ? now + Math.floor(startMs / 6) : now,
    startedAt: now + startMs,
  };
}

/** Billed per minute while deployed (pending, starting or started); stopping ends the billing. */
export function isBilling(ep: EndpointRecord, now: number): boolean {
  if (ep.deleted) return false;
  const s = endpointState(ep, now);
  return s === "PENDING" || s === "STARTING" || s === "STARTED";
}
