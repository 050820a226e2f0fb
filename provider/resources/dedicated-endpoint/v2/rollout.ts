// A new model, hardware, placement or LoRA support on v2 without downtime: the endpoint (and so the name callers use) stays; a new
// deployment is created and waited for (always, whatever waitForReady says: moving traffic to a deployment that
// is not serving would be the downtime this avoids), traffic moves to it, then the old one is deleted. A rollout
// interrupted after the create is resumed: the new deployment's name is derived from what it serves.
import { createHash } from "node:crypto";
import { isNotFound } from "../../../client";
import type { EndpointsV2Api } from "../../../client/endpoints-v2";
import type { WireV2Deployment, WireV2Endpoint } from "../../../client/wire/endpoints-v2";
import { canonicalEqual } from "../../../shared/diff";
import type { ProviderContext } from "../../../shared/types";
import type { DedicatedEndpointSpec } from "../schema";
import { deploymentBody, READY, STOPPED, waitForDeployment, withEtag } from "./deployment";
import type { V2Record } from "./platform";

/** True when the deployment differs from the declaration in what is fixed at its creation: the model, the
 *  config (hardware), the placement or LoRA support. */
export function servesOther(d: WireV2Deployment, record: V2Record): boolean {
  const ref = record.modelRef;
  const sameModel = ref !== undefined && (d.model === ref || d.model.startsWith(`${ref}/revisions/`));
  const samePlacement = canonicalEqual(d.placement ?? undefined, record.placement);
  const sameLora = (d.enableLora ?? false) === (record.enableLora ?? false);
  return !sameModel || d.config !== record.config || !samePlacement || !sameLora;
}

/** The rolled-out deployment's name, derived from what is fixed at its creation so an interrupted rollout is
 *  resumed. Placement and LoRA enter only when set, so deployments named before they existed keep their name. */
function rolloutName(record: V2Record): string {
  const parts = [record.modelRef, record.config];
  if (record.placement !== undefined) parts.push(JSON.stringify(record.placement));
  if (record.enableLora === true) parts.push("lora");
  return `d-${createHash("sha256").update(parts.join("\n")).digest("hex").slice(0, 12)}`;
}

export interface Rollout {
  api: EndpointsV2Api;
  ctx: ProviderContext;
  who: string;
  spec: DedicatedEndpointSpec;
  record: V2Record;
  endpointId: string;
  old: WireV2Deployment;
  desired: DedicatedEndpointSpec["autoscaling"];
}

export async function rollout(
  r: Rollout,
): Promise<{ deployment: WireV2Deployment; endpoint: WireV2Endpoint }> {
  const { api, ctx, who, spec, record, endpointId, old } = r;
  const { projectId } = record;
  const name = rolloutName(record);
  const existing = (await api.listDeployments(projectId, endpointId)).find(
    (d) => d.name === name || d.name.endsWith(`/${name}`),
  );
  const next =
    existing ?? (await api.createDeployment(projectId, endpointId, deploymentBody(name, record, r.desired)));
  ctx.log.info(
    `${who}: rolling out deployment ${next.id} (${spec.model} on ${spec.hardware}` +
      `${record.placement !== undefined ? `, placement ${JSON.stringify(record.placement)}` : ""}` +
      `${record.enableLora === true ? ", LoRA loading" : ""}) to replace ${old.id}`,
  );
  const target = spec.state === "STOPPED" ? STOPPED : READY;
  const deployment = await waitForDeployment(
    api,
    ctx,
    projectId,
    endpointId,
    next.id,
    target,
    spec.timeoutMinutes,
  );
  const endpoint = await withEtag(
    `${who}: endpoint ${endpointId}`,
    async () => (await api.getEndpoint(projectId, endpointId)).etag,
    (etag) =>
      api.updateEndpoint(projectId, endpointId, {
        etag,
        trafficSplit: [{ deploymentId: next.id, weight: 1 }],
      }),
  );
  try {
    await api.deleteDeployment(projectId, endpointId, old.id);
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
  ctx.log.info(`${who}: traffic moved to ${next.id}; deployment ${old.id} deleted`);
  return { deployment, endpoint };
}
