// Create on v2: the endpoint (the stable name callers use), then its one deployment, wait until it is READY
// (FAILED ends the wait with Together's message), then route all traffic to it. A failure once the endpoint
// exists is a partial failure: the endpoint stays in state and the next `up` (update) resumes or `destroy`
// removes it.
//
// Made at most once across interrupted runs, like v1 (shared/create-journal.ts): the journal, then Together
// itself - an endpoint under this resource's name (by default `<project>-<stack>-<name>`, unique in the
// project) that serves this model and config, or nothing yet, and that nothing in this deployment holds, is what
// a killed earlier `up` made, and is adopted on any machine. Its deployment is reused the same way (a
// deployment fixed to the declaration), so a kill anywhere between the two creates leaves one of each.
import { isAmbiguousCreate, isNotFound, isTogetherError } from "../../../client";
import type { EndpointsV2Api } from "../../../client/endpoints-v2";
import type { WireV2Endpoint } from "../../../client/wire/endpoints-v2";
import { createOnce } from "../../../shared/create-journal";
import { isHeld, stateInputsOf } from "../../../shared/deployment-memory";
import { ownerOf, type Owner } from "../../../shared/owner";
import { PartialFailureError } from "../../../shared/partial-failure";
import type { ProviderContext } from "../../../shared/types";
import { formatUsd } from "../hardware";
import { subject } from "../rules";
import { type DedicatedEndpointSpec, KIND } from "../schema";
import { specOf } from "../spec";
import {
  deploymentBody,
  PRIMARY,
  READY,
  replicasFor,
  STOPPED,
  waitForDeployment,
  withEtag,
} from "./deployment";
import { inferenceName, v2Outputs } from "./outputs";
import { v2Api, v2Of, type V2Record } from "./platform";
import { modelFailure, resolveModel } from "./resolve";
import { servesOther } from "./rollout";

/** Checked inputs without the recorded `v2` settings, parsed like v1's (same schema, same defaults). */
export function v2SpecOf(inputs: Record<string, unknown>): { spec: DedicatedEndpointSpec; record: V2Record } {
  const record = v2Of(inputs);
  if (record === undefined) throw new Error("DedicatedEndpoint: v2 inputs without their checked v2 settings");
  const { v2: _record, visibility: _visibility, ...rest } = inputs;
  return { spec: specOf(rest), record };
}

export async function createV2(inputs: Record<string, unknown>, ctx: ProviderContext) {
  const { spec, record: checked } = v2SpecOf(inputs);
  const who = subject(spec.logicalName);
  const api = v2Api(ctx);
  const record = { ...checked, modelRef: checked.modelRef ?? (await modelRefNow(spec, checked, who, ctx)) };
  const { projectId } = record;
  const owner = ownerOf(inputs);
  const named = () => api.listEndpoints(projectId, { name: spec.displayName });
  return createOnce<WireV2Endpoint, { id: string; outs: Record<string, unknown> }>(
    ctx,
    {
      kind: KIND,
      owner,
      identity: {
        platform: "v2",
        projectId,
        name: spec.displayName,
        model: record.modelRef,
        config: record.config,
      },
      who,
    },
    {
      findUsable: (id) => endpointIfLive(api, projectId, id),
      ...(orphansFindable(owner, spec, record) && { findOrphans: () => orphans(api, record, spec) }),
      findMadeSince: async (before) => (await named()).find((e) => !before.has(e.id)),
      create: async (progress) => {
        const hourly = (record.centsPerHour * spec.autoscaling.maxReplicas) / 100;
        ctx.log.info(
          `${who}: creating v2 endpoint "${spec.displayName}" in project ${projectId} for ${spec.model} on ` +
            `${spec.hardware} (${spec.autoscaling.minReplicas}..${spec.autoscaling.maxReplicas} replicas, up to ` +
            `${formatUsd(hourly)} while started)`,
        );
        const before = (await named()).map((e) => e.id);
        await progress.sending(before);
        try {
          return await api.createEndpoint(projectId, {
            name: spec.displayName,
            ...(record.visibility !== undefined && { visibility: record.visibility }),
          });
        } catch (err) {
          // The name is unique in the project: whatever now holds it and did not before is what this request made.
          if (isAmbiguousCreate(err)) {
            const made = (await named()).find((e) => !before.includes(e.id));
            if (made !== undefined) return made;
          }
          if (isTogetherError(err) && err.code === "conflict")
            throw new Error(
              `${who}: displayName = ${JSON.stringify(spec.displayName)}: project ${projectId} already has an ` +
                `endpoint of that name serving something else (${err.message}); it was not adopted. Fix: delete ` +
                "it if nothing uses it, or choose another displayName",
              { cause: err },
            );
          throw err;
        }
      },
      finish: (endpoint) => finishCreate(api, ctx, spec, record, endpoint),
    },
  );
}

/** The deployment (an adopted endpoint's own, else a new one), the wait, the traffic split, the outputs. */
async function finishCreate(
  api: EndpointsV2Api,
  ctx: ProviderContext,
  spec: DedicatedEndpointSpec,
  record: V2Record,
  endpoint: WireV2Endpoint,
) {
  const who = subject(spec.logicalName);
  const { projectId } = record;
  const name = await inferenceName(api, endpoint);
  let deploymentId = "";
  try {
    const existing = (await api.listDeployments(projectId, endpoint.id)).find((d) => !servesOther(d, record));
    if (existing !== undefined)
      ctx.log.info(`${who}: reusing deployment ${existing.id} of the interrupted run`);
    const body = deploymentBody(PRIMARY, record, replicasFor(spec.state, spec.autoscaling));
    deploymentId = (existing ?? (await api.createDeployment(projectId, endpoint.id, body))).id;
    const target = spec.state === "STOPPED" ? STOPPED : READY;
    let deployment = await api.getDeployment(projectId, endpoint.id, deploymentId);
    if (spec.waitForReady)
      deployment = await waitForDeployment(
        api,
        ctx,
        projectId,
        endpoint.id,
        deploymentId,
        target,
        spec.timeoutMinutes,
      );
    const routed = await withEtag(
      `${who}: endpoint ${endpoint.id}`,
      async () => (await api.getEndpoint(projectId, endpoint.id)).etag,
      (etag) =>
        api.updateEndpoint(projectId, endpoint.id, { etag, trafficSplit: [{ deploymentId, weight: 1 }] }),
    );
    ctx.log.info(`${who}: deployment ${deploymentId} ${deployment.status.state}; serves as "${name}"`);
    return { id: endpoint.id, outs: v2Outputs(spec, record, routed, name, deployment) };
  } catch (err) {
    const deployment = deploymentId
      ? await api.getDeployment(projectId, endpoint.id, deploymentId).catch(() => undefined)
      : undefined;
    const outs = v2Outputs(spec, record, endpoint, name, deployment);
    throw new PartialFailureError(endpoint.id, outs, [
      `${who}: ${err instanceof Error ? err.message : String(err)}`,
    ]);
  }
}

async function endpointIfLive(
  api: EndpointsV2Api,
  projectId: string,
  id: string,
): Promise<WireV2Endpoint | undefined> {
  try {
    return await api.getEndpoint(projectId, id);
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

/** This resource's endpoint on Together: its name, and no deployment fixed to anything but the declaration. */
async function orphans(api: EndpointsV2Api, record: V2Record, spec: DedicatedEndpointSpec) {
  const found: WireV2Endpoint[] = [];
  for (const e of await api.listEndpoints(record.projectId, { name: spec.displayName })) {
    if (isHeld(KIND, e.id)) continue;
    const deployments = await api.listDeployments(record.projectId, e.id);
    if (deployments.every((d) => !servesOther(d, record))) found.push(e);
  }
  return found.sort((a, b) => (a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : 0));
}

/** A replacement in the same project under the same name cannot tell the endpoint in state from an orphan. */
function orphansFindable(owner: Owner, spec: DedicatedEndpointSpec, record: V2Record): boolean {
  const old = stateInputsOf(KIND, owner);
  if (old === undefined) return true;
  return v2Of(old)?.projectId !== record.projectId || old.displayName !== spec.displayName;
}

/** A FineTuneJob's model was unknown at preview: it is resolved in the registry now that the job is done. */
export async function modelRefNow(
  spec: DedicatedEndpointSpec,
  record: V2Record,
  who: string,
  ctx: ProviderContext,
) {
  const resolved = await resolveModel(v2Api(ctx), record.projectId, spec.model);
  if (resolved === undefined || "adapter" in resolved)
    throw new Error(modelFailure(who, "model", JSON.stringify(spec.model), resolved?.adapter).reason);
  return resolved.modelRef;
}
