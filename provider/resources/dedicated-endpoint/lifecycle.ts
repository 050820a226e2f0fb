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
 *
 * Platform: with a Together project configured (together:projectId / TOGETHER_PROJECT_ID) the resource serves
 * on the v2 platform (v2/: an endpoint and its deployment); without one, on v1 exactly as above. check and
 * create follow the configuration; read, update and delete follow the stored state (a v2 resource records its
 * settings under `v2`), so a resource is always handled by the platform that made it. Switching platform
 * replaces the resource.
 */
import { diffByTable } from "../../shared/diff";
import type { DiffResult, ResourceLifecycle } from "../../shared/types";
import { check } from "./check";
import { create } from "./create";
import { destroy } from "./delete";
import { read } from "./read";
import { diffTable } from "./schema";
import { update } from "./update";
import { checkV2, configuredProject, createV2, deleteV2, readV2, updateV2, v2Of } from "./v2";
import { v2OnlyFailures } from "./v2/v2-only";

export const lifecycle: ResourceLifecycle = {
  async check(olds, news, ctx) {
    const projectId = configuredProject(ctx);
    if (projectId !== undefined) return checkV2(projectId, news, ctx, olds);
    const v2Only = v2OnlyFailures(news);
    if (v2Only.length > 0) return { inputs: news, failures: v2Only };
    return check(olds, news, ctx);
  },
  async diff(id, olds, news) {
    const result = diffByTable(diffTable, olds, news);
    const [wasV2, isV2] = [v2Of(olds), v2Of(news)];
    if (wasV2 !== undefined || isV2 !== undefined) return diffV2(result, wasV2, isV2);
    const adoptId = news.adoptEndpointId;
    // Adopting once and then dropping the argument changes nothing; pointing it elsewhere swaps endpoints.
    if (adoptId !== undefined && adoptId !== id) {
      result.changes = true;
      result.replaces = [...(result.replaces ?? []), "adoptEndpointId"];
    }
    return result;
  },
  create: (inputs, ctx) => (v2Of(inputs) !== undefined ? createV2(inputs, ctx) : create(inputs, ctx)),
  read: (id, props, ctx) => (v2Of(props) !== undefined ? readV2(id, props, ctx) : read(id, props, ctx)),
  update: (id, olds, news, ctx) =>
    v2Of(olds) !== undefined ? updateV2(id, olds, news, ctx) : update(id, olds, news, ctx),
  delete: (id, props, ctx) =>
    v2Of(props) !== undefined ? deleteV2(id, props, ctx) : destroy(id, props, ctx),
};

/**
 * A change of platform or project replaces (the endpoint cannot move). Within v2 a new model or hardware is an
 * update: a new deployment behind the same endpoint (v2/rollout.ts). Any other v2 replacement deletes first:
 * the endpoint's name is unique in its project, so a second one under that name cannot be created beside it.
 */
function diffV2(result: DiffResult, was: ReturnType<typeof v2Of>, is: ReturnType<typeof v2Of>): DiffResult {
  if (was?.projectId !== is?.projectId) {
    result.changes = true;
    result.replaces = [...(result.replaces ?? []), "v2"];
  } else if (result.replaces !== undefined) {
    const rest = result.replaces.filter((key) => key !== "model" && key !== "hardware");
    if (rest.length > 0) result.replaces = rest;
    else delete result.replaces;
  }
  if (was !== undefined && is !== undefined && (result.replaces ?? []).length > 0)
    result.deleteBeforeReplace = true;
  return result;
}
