// Create: price the endpoint, POST it exactly once (through the create journal, so a run killed mid-create is
// resumed, and an ambiguous POST is reconciled rather than repeated), then settle. With adoptEndpointId set it
// adopts an existing endpoint instead.
import { isAmbiguousCreate, type TogetherClient } from "../../client";
import { createOnce, type CreateProgress } from "../../shared/create-journal";
import type { ProviderContext } from "../../shared/types";
import { adopt } from "./adopt";
import { getEndpoint } from "./get-endpoint";
import { formatUsd } from "./hardware";
import { createBody, isFailedState, type LiveEndpoint, toLive } from "./live";
import { buildOutputs } from "./outputs";
import {
  adoptAfterAmbiguousCreate,
  findCreatedEndpoint,
  orphanEndpoints,
  snapshotEndpointIds,
} from "./reconcile";
import { stateInputsOf } from "../../shared/deployment-memory";
import { ownerOf, type Owner } from "../../shared/owner";
import { resolvePrice } from "./resolve-price";
import { subject } from "./rules";
import { type DedicatedEndpointSpec, KIND } from "./schema";
import { settle } from "./settle";
import { specOf } from "./spec";

export async function create(inputs: Record<string, unknown>, ctx: ProviderContext) {
  const spec = specOf(inputs);
  const who = subject(spec.logicalName);
  const client = ctx.client();
  const price = await resolvePrice(client, spec, spec.adoptEndpointId === undefined);

  if (spec.adoptEndpointId !== undefined) return adopt({ client, ctx, spec, price });

  const { model, hardware, displayName, availabilityZone, disableSpeculativeDecoding, autoscaling } = spec;
  const owner = ownerOf(inputs);
  return createOnce(
    ctx,
    {
      kind: KIND,
      owner,
      identity: { model, hardware, displayName, availabilityZone, disableSpeculativeDecoding, autoscaling },
      who,
    },
    {
      findUsable: (id) => usableEndpoint(client, id),
      ...(orphansFindable(owner, spec) && { findOrphans: () => orphanEndpoints(client, spec) }),
      findMadeSince: async (before) => {
        const found = await findCreatedEndpoint(client, before, spec);
        if (found.kind === "many") {
          throw new Error(
            `${who}: an interrupted earlier run left ${found.ids.length} endpoints named "${spec.displayName}" ` +
              `serving ${spec.model} (${found.ids.join(", ")}); none was adopted. Fix: delete the extra ones, ` +
              `then set adoptEndpointId to the one to keep and run up again`,
          );
        }
        return found.kind === "adopt" ? usableEndpoint(client, found.endpoint.id) : undefined;
      },
      create: async (progress) => {
        ctx.log.info(
          `${who}: creating endpoint "${spec.displayName}" for ${spec.model} on ${spec.hardware} ` +
            `(${spec.autoscaling.minReplicas}..${spec.autoscaling.maxReplicas} replicas, up to ${formatUsd(price)} while started)`,
        );
        const live = await postEndpoint(client, ctx, spec, progress);
        ctx.log.info(`${who}: endpoint ${live.id} created (${live.state}); serves as "${live.name}"`);
        return live;
      },
      finish: async (live) => {
        const done = await settle({ client, ctx, spec, price, action: "create", live, target: spec.state });
        return { id: live.id, outs: { ...buildOutputs(spec, done.live, price, done.state) } };
      },
    },
  );
}

/**
 * Together tells this resource's orphans by display name (by default `<project>-<stack>-<name>`), model and
 * hardware. A replacement that keeps all three (`--replace`) cannot tell the endpoint in state from an orphan, so
 * it creates anew.
 */
function orphansFindable(owner: Owner, spec: DedicatedEndpointSpec): boolean {
  const old = stateInputsOf(KIND, owner);
  if (old === undefined) return true;
  return old.model !== spec.model || old.hardware !== spec.hardware || old.displayName !== spec.displayName;
}

/** POST once; after an ambiguous failure adopt the endpoint that request made, or fail without a second POST. */
async function postEndpoint(
  client: TogetherClient,
  ctx: ProviderContext,
  spec: DedicatedEndpointSpec,
  progress: CreateProgress,
): Promise<LiveEndpoint> {
  const before = await snapshotEndpointIds(client);
  await progress.sending(before);
  try {
    return toLive(await client.endpoints.create(createBody(spec)));
  } catch (err) {
    if (!isAmbiguousCreate(err)) throw err;
    return adoptAfterAmbiguousCreate(client, ctx, spec, before, err);
  }
}

/** The endpoint if it still exists and is not in ERROR (for resuming an interrupted create). */
async function usableEndpoint(client: TogetherClient, id: string): Promise<LiveEndpoint | undefined> {
  const live = await getEndpoint(client, id, () => undefined);
  return live === undefined || isFailedState(live.state) ? undefined : live;
}
