// What this provider process has learnt during the deployment it serves (the engine starts one process per
// deployment), so that recovering an interrupted create from Together never takes an object that is not an
// orphan of this resource:
// - resources the engine already holds in state: check() is called with their old inputs. Their create is a
//   replacement (a changed input, `--replace`, `replaceWith`), never the resume of an interrupted create, and
//   the identical object on Together is the old one, which a create-before-delete replacement deletes next.
//   (The engine skips diff() for a targeted replace, so check's olds are the one signal that always comes.)
// - ids the engine holds in state: diff, read, update and delete name them.
// - ids a create in this process made or adopted: resources with identical inputs created in parallel must
//   each get their own object.
import { ownerKey, type Owner } from "./owner";

const inState = new Map<string, Record<string, unknown>>();
const held = new Set<string>();

const idKey = (kind: string, id: string): string => `${kind}\0${id}`;

/** check() of a resource the engine holds in state (called with its old inputs, non-empty). */
export function noteInState(kind: string, owner: Owner, olds: Record<string, unknown>): void {
  inState.set(ownerKey(kind, owner), olds);
}

/** The inputs state holds for this resource when its create is a replacement; undefined for a first create. */
export function stateInputsOf(kind: string, owner: Owner): Record<string, unknown> | undefined {
  return inState.get(ownerKey(kind, owner));
}

/** An id that state or a create of this process holds: never an orphan to adopt. */
export function noteHeld(kind: string, id: string): void {
  if (id !== "") held.add(idKey(kind, id));
}

export function isHeld(kind: string, id: string): boolean {
  return held.has(idKey(kind, id));
}

/** Forgets everything: for tests that run many deployments in one process. */
export function resetDeploymentMemory(): void {
  inState.clear();
  held.clear();
}
