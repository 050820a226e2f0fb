// Refresh on v2: the endpoint gone is the resource gone; otherwise the deployment's replicas and state and the
// endpoint's name (displayName) are what Together reports (drift the next `up` restores), and the rest keeps the
// recorded value.
import { isNotFound } from "../../../client";
import type { ProviderContext } from "../../../shared/types";
import { type DedicatedEndpointSpec, dedicatedEndpointInputsSchema } from "../schema";
import { READY, STOPPED } from "./deployment";
import { inferenceName, v2Outputs } from "./outputs";
import { v2Api, v2Of } from "./platform";
import { findDeployment } from "./update";

export async function readV2(id: string, props: Record<string, unknown>, ctx: ProviderContext) {
  const record = v2Of(props);
  if (record === undefined) throw new Error(`DedicatedEndpoint ${id}: state without its v2 project`);
  const api = v2Api(ctx);
  let endpoint;
  try {
    endpoint = await api.getEndpoint(record.projectId, id);
  } catch (err) {
    if (isNotFound(err)) return { id: "" };
    throw err;
  }
  const deployment = await findDeployment(api, record.projectId, id, props.deploymentId);
  const live = deployment?.status.state;
  // The declaration is not in outputs once a state was missed; what runs is the best statement of it.
  const state = live === STOPPED ? "STOPPED" : live === READY ? "STARTED" : undefined;
  // A rename by hand is drift: the next `up` renames it back (an update in place).
  const displayName = endpoint.name.split("/").pop();
  const spec = {
    ...declared(props),
    ...(state !== undefined && { state }),
    ...(displayName !== undefined && displayName !== "" && { displayName }),
  } as DedicatedEndpointSpec;
  const outs = v2Outputs(spec, record, endpoint, await inferenceName(api, endpoint), deployment);
  return { id, props: outs };
}

/** The input fields of stored outputs (every input is echoed there). */
function declared(props: Record<string, unknown>): Partial<DedicatedEndpointSpec> {
  const keys = Object.keys(dedicatedEndpointInputsSchema.shape);
  return Object.fromEntries(Object.entries(props).filter(([k]) => keys.includes(k)));
}
