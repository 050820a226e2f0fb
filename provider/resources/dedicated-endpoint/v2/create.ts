// Create on v2: the endpoint (the stable name callers use), then its one deployment, wait until it is READY
// (FAILED ends the wait with Together's message), then route all traffic to it. A failure once the endpoint
// exists is a partial failure: the endpoint stays in state and the next `up` (update) resumes or `destroy`
// removes it. Not journaled like v1's create: an interrupted run leaves an endpoint under the declared name,
// which the next create refuses (409, name taken) rather than duplicating - see the README's v2 limits.
import { PartialFailureError } from "../../../shared/partial-failure";
import type { ProviderContext } from "../../../shared/types";
import { formatUsd } from "../hardware";
import { subject } from "../rules";
import type { DedicatedEndpointSpec } from "../schema";
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
  const hourly = (record.centsPerHour * spec.autoscaling.maxReplicas) / 100;
  ctx.log.info(
    `${who}: creating v2 endpoint "${spec.displayName}" in project ${projectId} for ${spec.model} on ` +
      `${spec.hardware} (${spec.autoscaling.minReplicas}..${spec.autoscaling.maxReplicas} replicas, up to ` +
      `${formatUsd(hourly)} while started)`,
  );
  const endpoint = await api.createEndpoint(projectId, {
    name: spec.displayName,
    ...(record.visibility !== undefined && { visibility: record.visibility }),
  });
  const name = await inferenceName(api, endpoint);
  let deploymentId = "";
  try {
    const body = deploymentBody(PRIMARY, record, replicasFor(spec.state, spec.autoscaling));
    deploymentId = (await api.createDeployment(projectId, endpoint.id, body)).id;
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
