// Deletes as the engine does them outside a resource's own step: create-before-delete leftovers (at the start
// of an up, and the replaced resources at its end), resources the program no longer declares, and everything
// on destroy. A failed delete keeps its resource in state and fails the run.
import { errorText } from "../provider/shared/error-text";
import type { LazyHost } from "./run-host";
import { op, type Op } from "./run-report";
import { unwrapSecrets } from "./secrets";
import type { StateEntry } from "./state-store";

/** Where a run's deletes report: the run's host, its ops and its errors. */
export interface DeleteRun {
  host: LazyHost;
  ops: Op[];
  errors: string[];
}

/** Deletes one resource (refusing a protected one, skipping a retained one) and returns the op. */
export async function deleteEntry(host: LazyHost, entry: StateEntry, opName: string): Promise<Op> {
  let started = Date.now();
  if (entry.protect === true) {
    throw new Error(`resource ${entry.urn} cannot be deleted because it is protected`);
  }
  if (entry.retainOnDelete === true) return op(`${opName}(retained)`, entry, started);
  const h = await host.get();
  started = Date.now();
  await h.delete(entry.urn, entry.id, unwrapSecrets(entry.outputs), unwrapSecrets(entry.inputs));
  return op(opName, entry, started);
}

/**
 * Deletes `entries` in the order given (callers pass reverse state order); a preview only records them.
 * Returns the ones whose delete failed, in state order.
 */
export async function deleteAll(
  run: DeleteRun,
  entries: StateEntry[],
  preview = false,
): Promise<StateEntry[]> {
  // The engine refuses the whole deployment when it would delete a protected resource, in its preview pass,
  // before deleting anything (verified on the real CLI, test/e2e/resource-options.e2e.test.ts).
  const refused = entries.filter((e) => e.protect === true);
  if (refused.length > 0) {
    for (const e of refused)
      run.errors.push(`${e.key}: resource ${e.urn} cannot be deleted because it is protected`);
    return [...entries].reverse();
  }
  const kept: StateEntry[] = [];
  for (const entry of entries) {
    if (preview) {
      run.ops.push(op("delete(preview)", entry, Date.now()));
      continue;
    }
    try {
      run.ops.push(await deleteEntry(run.host, entry, "delete"));
    } catch (err) {
      run.errors.push(`${entry.key}: ${errorText(err)}`);
      kept.unshift(entry);
    }
  }
  return kept;
}

/**
 * Deletes create-before-delete leftovers (`opName` says which: "delete(pending)", "delete(replaced)"). Returns
 * the ones whose delete failed, marked so that the next up tries again first.
 */
export async function deleteLeftovers(
  run: DeleteRun,
  entries: StateEntry[],
  opName: string,
): Promise<StateEntry[]> {
  const stillPending: StateEntry[] = [];
  for (const entry of entries) {
    try {
      run.ops.push(await deleteEntry(run.host, entry, opName));
    } catch (err) {
      run.errors.push(`${entry.key}: ${errorText(err)}`);
      stillPending.push({ ...entry, pendingDelete: true });
    }
  }
  return stillPending;
}
