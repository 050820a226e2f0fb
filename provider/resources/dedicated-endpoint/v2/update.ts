// In-place update on v2: autoscaling (bounds, windows, metrics) and state (STOPPED is min = max = 0) on the
// deployment, visibility and the name (displayName) on the endpoint, each written with the etag just read (a
// conflict re-reads and retries once). A deployment missing after a partial create is created here, so the next
// `up` finishes what the failed one began. A new model, hardware (config), placement or enableLora is rolled out
// behind the same endpoint without downtime (rollout.ts).
import { isNotFound } from "../../../client";
import type { EndpointsV2Api } from "../../../client/endpoints-v2";
import type { WireV2Deployment } from "../../../client/wire/endpoints-v2";
import { PartialFailureError } from "../../../shared/partial-failure";
import type { ProviderContext } from "../../../shared/types";
import { subject } from "../rules";
import { modelRefNow, v2SpecOf } from "./create";
import {
  deploymentBody,
  PRIMARY,
  READY,
  replicasFor,
  STOPPED,
  waitForDeployment,
  withEtag,
} from "./deployment";
import { AUTOSCALING_MASK, settingsDiffer, wireAutoscaling } from "./autoscaling";
import { inferenceName, v2Outputs } from "./outputs";
import { nameTakenFailure } from "./name-taken";
import { v2Api, type V2Record } from "./platform";
import { rollout, servesOther } from "./rollout";

export async function updateV2(
  id: string,
  olds: Record<string, unknown>,
  news: Record<string, unknown>,
  ctx: ProviderContext,
) {
  const { spec, record: checked } = v2SpecOf(news);
  const who = subject(spec.logicalName);
  // A model unknown at check (a FineTuneJob trained in this run) is resolved now: it may be a new one.
  const modelRef = checked.modelRef ?? (await modelRefNow(spec, checked, who, ctx));
  const record: V2Record = { ...checked, modelRef };
  const { projectId } = record;
  const api = v2Api(ctx);
  let endpoint = await api.getEndpoint(projectId, id);
  let name = await inferenceName(api, endpoint);
  let deployment = await findDeployment(api, projectId, id, olds.deploymentId);
  try {
    const desired = replicasFor(spec.state, spec.autoscaling);
    if (deployment === undefined) {
      const body = deploymentBody(PRIMARY, record, desired);
      deployment = await api.createDeployment(projectId, id, body);
    } else if (servesOther(deployment, record)) {
      const next = await rollout({ api, ctx, who, spec, record, endpointId: id, old: deployment, desired });
      [deployment, endpoint] = [next.deployment, next.endpoint];
    } else if (
      deployment.autoscaling.minReplicas !== desired.minReplicas ||
      deployment.autoscaling.maxReplicas !== desired.maxReplicas ||
      settingsDiffer(desired, deployment.autoscaling)
    ) {
      const depId = deployment.id;
      ctx.log.info(`${who}: deployment ${depId}: autoscaling ${JSON.stringify(wireAutoscaling(desired))}`);
      // Every autoscaling path is named, so a window or metric removed from the declaration is cleared too.
      const autoscaling = wireAutoscaling(desired);
      deployment = await withEtag(
        `${who}: deployment ${depId}`,
        async () => (await api.getDeployment(projectId, id, depId)).etag,
        (etag) => api.updateDeployment(projectId, id, depId, { etag, autoscaling }, AUTOSCALING_MASK),
      );
    }
    const depId = deployment.id;
    if (spec.waitForReady) {
      const target = spec.state === "STOPPED" ? STOPPED : READY;
      deployment = await waitForDeployment(api, ctx, projectId, id, depId, target, spec.timeoutMinutes);
    }
    const routed = endpoint.trafficSplit.some((t) => t.deploymentId === depId && t.weight > 0);
    // Unset is Together's default, so removing the input (or a change by hand) returns the endpoint to it.
    const visibility = record.visibility ?? "VISIBILITY_PRIVATE";
    const visibilityChanged = visibility !== endpoint.visibility;
    // displayName is the endpoint's name: a new one renames it, and the name callers use follows.
    const renamed = endpoint.name.split("/").pop() !== spec.displayName;
    if (renamed) {
      const taken = await nameTakenFailure(api, projectId, who, spec.displayName, id);
      if (taken !== undefined) throw new Error(taken.reason);
    }
    if (!routed || visibilityChanged || renamed) {
      endpoint = await withEtag(
        `${who}: endpoint ${id}`,
        async () => (await api.getEndpoint(projectId, id)).etag,
        (etag) =>
          api.updateEndpoint(projectId, id, {
            etag,
            ...(!routed && { trafficSplit: [{ deploymentId: depId, weight: 1 }] }),
            ...(visibilityChanged && { visibility }),
            ...(renamed && { name: spec.displayName }),
          }),
      );
      name = await inferenceName(api, endpoint);
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
  // Else the one taking traffic (a rollout names its deployments apart), else the first one.
  const all = await api.listDeployments(projectId, endpointId);
  const endpoint = await api.getEndpoint(projectId, endpointId);
  const routed = endpoint.trafficSplit.find((t) => t.weight > 0)?.deploymentId;
  return all.find((d) => d.id === routed) ?? all[0];
}
