// After an ambiguous create (the POST may or may not have been committed), find the endpoint that request
// made instead of creating a second one that would bill alongside it.
import type { TogetherClient } from "../../client";
import { errorText } from "../../shared/error-text";
import type { ProviderContext } from "../../shared/types";
import { getEndpoint } from "./get-endpoint";
import { isFailedState, type LiveEndpoint } from "./live";
import { isHeld } from "../../shared/deployment-memory";
import { subject } from "./rules";
import { KIND, type DedicatedEndpointSpec } from "./schema";

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
    const live = await getEndpoint(client, e.id, () => undefined);
    if (live !== undefined && matchesSpec(live, spec)) matches.push(live);
  }
  const [only, ...rest] = matches;
  if (only === undefined) return { kind: "none" };
  if (rest.length === 0) return { kind: "adopt", endpoint: only };
  return { kind: "many", ids: matches.map((m) => m.id) };
}

/**
 * Endpoints an interrupted create of this resource left (found from any machine): same display name, model and
 * hardware, not in ERROR, not held by this deployment's state; oldest first.
 */
export async function orphanEndpoints(
  client: TogetherClient,
  spec: DedicatedEndpointSpec,
): Promise<LiveEndpoint[]> {
  const list = await client.endpoints.list({ type: "dedicated" });
  const found: { live: LiveEndpoint; createdAt: string }[] = [];
  for (const e of list) {
    if (e.model !== spec.model || isHeld(KIND, e.id)) continue;
    const live = await getEndpoint(client, e.id, () => undefined);
    if (live !== undefined && matchesSpec(live, spec) && !isFailedState(live.state))
      found.push({ live, createdAt: String(e.created_at ?? "") });
  }
  return found
    .sort((a, b) => (a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : 0))
    .map((f) => f.live);
}

/** The endpoint the ambiguous POST made, or an Error saying what exists now (`err` is the ambiguous failure). */
export async function adoptAfterAmbiguousCreate(
  client: TogetherClient,
  ctx: ProviderContext,
  spec: DedicatedEndpointSpec,
  before: ReadonlySet<string>,
  err: unknown,
): Promise<LiveEndpoint> {
  const who = subject(spec.logicalName);
  ctx.log.warn(
    `${who}: the create request's outcome is unknown (${errorText(err)}); looking for the endpoint it made`,
  );
  const found = await findCreatedEndpoint(client, before, spec);
  if (found.kind === "adopt") {
    ctx.log.info(`${who}: adopted endpoint ${found.endpoint.id} made by the interrupted request`);
    return found.endpoint;
  }
  if (found.kind === "many") {
    throw new Error(
      `${who}: the create request's outcome was unknown and ${found.ids.length} new endpoints named ` +
        `"${spec.displayName}" serving ${spec.model} now exist (${found.ids.join(", ")}); none was adopted. ` +
        `Fix: delete the extra ones (e.g. in the Together console), then set adoptEndpointId to the one to keep and run up again`,
      { cause: err },
    );
  }
  throw new Error(
    `${who}: the create request failed with an unknown outcome (${errorText(err)}) and no new endpoint named ` +
      `"${spec.displayName}" serving ${spec.model} exists, so nothing was created and nothing bills. Fix: run up again`,
    { cause: err },
  );
}
