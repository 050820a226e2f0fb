// After an ambiguous create (the POST may or may not have been committed), find the endpoint that request
// made instead of creating a second one that would bill alongside it.
import { isNotFound, type TogetherClient } from "../../client";
import { type LiveEndpoint, toLive } from "./live";
import type { DedicatedEndpointSpec } from "./schema";

/** Ids of the endpoints that exist before the POST, so that an existing endpoint with the same display name
 *  (the old one during a create-before-delete replacement, another stack's) is never mistaken for ours. */
export async function snapshotEndpointIds(client: TogetherClient): Promise<Set<string>> {
  const list = await client.endpoints.list({ type: "dedicated" });
  return new Set(list.map((e) => e.id));
}

export function matchesSpec(live: LiveEndpoint, spec: DedicatedEndpointSpec): boolean {
  return (
    live.displayName === spec.displayName && live.model === spec.model && live.hardware === spec.hardware
  );
}

export type Reconciled =
  { kind: "adopt"; endpoint: LiveEndpoint } | { kind: "none" } | { kind: "many"; ids: string[] };

/** New endpoints (not in `before`) with our model, display name and hardware. */
export async function findCreatedEndpoint(
  client: TogetherClient,
  before: ReadonlySet<string>,
  spec: DedicatedEndpointSpec,
): Promise<Reconciled> {
  const list = await client.endpoints.list({ type: "dedicated" });
  const fresh = list.filter((e) => !before.has(e.id) && e.model === spec.model);
  const matches: LiveEndpoint[] = [];
  for (const e of fresh) {
    // The list shape carries no display name or hardware in the spec, so each candidate is fetched.
    try {
      const live = toLive(await client.endpoints.get(e.id));
      if (matchesSpec(live, spec)) matches.push(live);
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
  const [only, ...rest] = matches;
  if (only === undefined) return { kind: "none" };
  if (rest.length === 0) return { kind: "adopt", endpoint: only };
  return { kind: "many", ids: matches.map((m) => m.id) };
}
