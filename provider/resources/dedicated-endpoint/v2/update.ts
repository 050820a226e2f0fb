// In-place update on v2: autoscaling and state (STOPPED is min = max = 0) on the deployment, visibility on the
// endpoint, each written with the etag just read (a conflict re-reads and retries once). A deployment missing
// after a partial create is created here, so the next `up` finishes what the failed one began.
import { isNotFound } from "../../../client";
import type { EndpointsV2Api } from "../../../client/endpoints-v2";
import type { WireV2Deployment } from "../../../client/wire/endpoints-v2";
import { PartialFailureError } from "../../../shared/partial-failure";
import type { ProviderContext } from "../../../shared/types";
import { subject } from "../rules";
import { v2SpecOf } from "./create";
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

export async function updateV2(
  id: string,
  olds: Record<string, unknown>,
  news: Record<string, unknown>,
  ctx: ProviderContext,
) {
  const { spec, record: checked } = v2SpecOf(news);
  const previous = v2Of(olds);
  // The model was resolved at create when it was unknown at check; a replacement would have changed it.
  const modelRef = checked.modelRef ?? previous?.modelRef;
  const record: V2Record = { ...checked, ...(modelRef !== undefined && { modelRef }) };
  const { projectId } = record;
  const who = subject(spec.logicalName);
  const api = v2Api(ctx);
  let endpoint = await api.getEndpoint(projectId, id);
  const name = await inferenceName(api, endpoint);
  let deployment = await findDeployment(api, projectId, id, olds.deploymentId);
  try {
    const desired = replicasFor(spec.state, spec.autoscaling);
    if (deployment === undefined) {
      const body = deploymentBody(PRIMARY, record, desired);
      deployment = await api.createDeployment(projectId, id, body);
    } else if (
      deployment.autoscaling.minReplicas !== desired.minReplicas ||
      deployment.autoscaling.maxReplicas !== desired.maxReplicas
    ) {
      const depId = deployment.id;
      ctx.log.info(`${who}: deployment ${depId}: ${desired.minReplicas}..${desired.maxReplicas} replicas`);
      deployment = await withEtag(
        `${who}: deployment ${depId}`,
        async () => (await api.getDeployment(projectId, id, depId)).etag,
        (etag) => api.updateDeployment(projectId, id, depId, { etag, autoscaling: desired }, "autoscaling"),
      );
    }
    const depId = deployment.id;
    if (spec.waitForReady) {
      const target = spec.state === "STOPPED" ? STOPPED : READY;
      deployment = await waitForDeployment(api, ctx, projectId, id, depId, target, spec.timeoutMinutes);
    }
    const routed = endpoint.trafficSplit.some((t) => t.deploymentId === depId && t.weight > 0);
    const visibility = record.visibility;
    const visibilityChanged = visibility !== undefined && visibility !== endpoint.visibility;
    if (!routed || visibilityChanged) {
      endpoint = await withEtag(
        `${who}: endpoint ${id}`,
        async () => (await api.getEndpoint(projectId, id)).etag,
        (etag) =>
          api.updateEndpoint(projectId, id, {
            etag,
            ...(!routed && { trafficSplit: [{ deploymentId: depId, weight: 1 }] }),
            ...(visibilityChanged && { visibility }),
          }),
      );
    }
    return { outs: v2Outputs(spec, record, endpoint, name, deployment) };
  } catch (err) {
    const outs = v2Outputs(spec, record, endpoint, name, deployment);
    throw new PartialFailureError(id, outs, [`${who}: ${err instanceof Error ? err.message : String(err)}`]);
  }
}

/** The resource's deployment: by the recorded id, else by its name (a partial create recorded none). */
export async function findDeployment(
  api: EndpointsV2Api,
  projectId: string,
  endpointId: string,
  recordedId: unknown,
): Promise<WireV2Deployment | undefined> {
  if (typeof recordedId === "string" && recordedId !== "") {
    try {
      return await api.getDeployment(projectId, endpointId, recordedId);
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
  const all = await api.listDeployments(projectId, endpointId);
  return all.find((d) => d.name === PRIMARY || d.name.endsWith(`/${PRIMARY}`));
}
