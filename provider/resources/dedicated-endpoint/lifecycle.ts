/*
 * DedicatedEndpoint lifecycle. A dedicated endpoint bills per minute while started, used or not.
 *
 * One module per step: check.ts (inputs, hardware offered, price cap); create.ts (with reconcile.ts for an
 * ambiguous POST and adopt.ts for adoptEndpointId); update.ts (through converge.ts); read.ts; delete.ts.
 * Create, adoption and update all end in settle.ts (wait for the state, verify the declaration).
 *
 * Drift policy (what `pulumi refresh` records, and what the next `up` does about it):
 *
 * | field                      | refresh reads                 | drift handling                                   |
 * |----------------------------|-------------------------------|--------------------------------------------------|
 * | state                      | GET state -> `liveState`;     | STOPPED while declared STARTED and               |
 * |                            | `state` per the rule at right | inactiveTimeoutMinutes > 0: Together auto-stopped |
 * |                            |                               | it for idleness -> NOT drift: `state` keeps       |
 * |                            |                               | "STARTED", `liveState` shows STOPPED, `up` leaves |
 * |                            |                               | it stopped (no silent restart, no silent bill).   |
 * |                            |                               | Otherwise a differing state (stopped or started  |
 * |                            |                               | by hand, ERROR, mid-transition) is recorded as    |
 * |                            |                               | `state` and `up` PATCHes it back and waits.       |
 * | autoscaling                | GET min/max replicas          | rescaled by hand -> `up` restores the declaration |
 * | displayName                | GET display_name              | renamed by hand -> `up` restores it               |
 * | model, hardware            | GET (cannot change in place)  | differ only if replaced outside Pulumi: replace   |
 * | inactiveTimeoutMinutes,    | never returned by the API     | keep the last-applied value; drift undetectable   |
 * | availabilityZone,          |                               |                                                  |
 * | disableSpeculativeDecoding |                               |                                                  |
 * | hourlyPriceUsd             | derived: price per replica x  | follows observed maxReplicas                     |
 * |                            | observed maxReplicas          |                                                  |
 * | endpoint gone (404)        | resource dropped from state   | next `up` creates a new endpoint                 |
 *
 * Limits: with inactiveTimeoutMinutes > 0 a stop by hand cannot be told from an auto-stop (the API says
 * neither), so it is treated as an auto-stop and left stopped - the cheaper error. To start an auto-stopped
 * endpoint from Pulumi, apply `state: "STOPPED"` then `"STARTED"` (or set inactiveTimeoutMinutes to 0).
 * Drift is found by refresh (`pulumi up --refresh`), as for every Pulumi resource; `up` alone diffs
 * against the last recorded outputs.
 *
 * Waits: create and update wait (waitForReady, timeoutMinutes) for the declared state; ERROR fails at once
 * with Together's message; a timeout or failure after the endpoint exists throws PartialFailureError, so the
 * endpoint stays in state with its observed `state` and the next `up` diffs, updates and resumes the wait.
 * Replacement (model, hardware, availabilityZone, disableSpeculativeDecoding) is create-before-delete, so
 * clients have an endpoint throughout. Delete stops, deletes and confirms the endpoint is gone.
 */
import { diffByTable } from "../../shared/diff";
import type { ResourceLifecycle } from "../../shared/types";
import { check } from "./check";
import { create } from "./create";
import { destroy } from "./delete";
import { read } from "./read";
import { diffTable } from "./schema";
import { update } from "./update";

export const lifecycle: ResourceLifecycle = {
  check,
  async diff(id, olds, news) {
    const result = diffByTable(diffTable, olds, news);
    const adoptId = news.adoptEndpointId;
    // Adopting once and then dropping the argument changes nothing; pointing it elsewhere swaps endpoints.
    if (adoptId !== undefined && adoptId !== id) {
      result.changes = true;
      result.replaces = [...(result.replaces ?? []), "adoptEndpointId"];
    }
    return result;
  },
  create,
  read,
  update,
  delete: destroy,
};
