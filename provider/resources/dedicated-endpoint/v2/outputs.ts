// Outputs of a v2 DedicatedEndpoint: the v1 fields where the concepts match, plus `deploymentId` and the
// recorded `v2` settings (project, model resource, config) that read, update and delete work from.
import type { EndpointsV2Api } from "../../../client/endpoints-v2";
import type { WireV2Deployment, WireV2Endpoint } from "../../../client/wire/endpoints-v2";
import { SCHEMA_VERSION } from "../../../shared/partial-failure";
import { roundUsd } from "../hardware";
import type { DedicatedEndpointSpec } from "../schema";
import { observedSettings } from "./autoscaling";
import { READY, STOPPED } from "./deployment";
import type { V2Record } from "./platform";

/** The name callers put in `model` for inference: `<project_slug>/<endpoint_name>`. */
export async function inferenceName(api: EndpointsV2Api, endpoint: WireV2Endpoint): Promise<string> {
  if (endpoint.name.includes("/")) return endpoint.name;
  return `${(await api.whoami()).project_slug}/${endpoint.name}`;
}

/** `state` is the declaration once reached, else what Together reports (the next `up` resumes from it). */
export function v2Outputs(
  spec: DedicatedEndpointSpec,
  record: V2Record,
  endpoint: WireV2Endpoint,
  name: string,
  deployment: WireV2Deployment | undefined,
): Record<string, unknown> {
  const live = deployment?.status.state ?? "DEPLOYMENT_STATE_UNSPECIFIED";
  const reached = spec.state === "STOPPED" ? live === STOPPED : live === READY;
  const max = deployment?.autoscaling.maxReplicas ?? 0;
  // Stopped is min = max = 0 on the wire; the declared bounds are what a start restores. Windows and metrics
  // are the declaration where Together reports the same, and Together's where it differs (drift).
  const bounds =
    deployment === undefined || max === 0
      ? { minReplicas: spec.autoscaling.minReplicas, maxReplicas: spec.autoscaling.maxReplicas }
      : { minReplicas: deployment.autoscaling.minReplicas ?? 0, maxReplicas: max };
  const settings =
    deployment === undefined
      ? withoutBounds(spec.autoscaling)
      : observedSettings(spec.autoscaling, deployment.autoscaling);
  const autoscaling = { ...bounds, ...settings };
  const outs: Record<string, unknown> = {
    logicalName: spec.logicalName,
    endpointId: endpoint.id,
    deploymentId: deployment?.id ?? "",
    name,
    model: spec.model,
    hardware: spec.hardware,
    autoscaling,
    displayName: spec.displayName,
    state: reached ? spec.state : live,
    liveState: live,
    inactiveTimeoutMinutes: spec.inactiveTimeoutMinutes,
    disableSpeculativeDecoding: false,
    waitForReady: spec.waitForReady,
    timeoutMinutes: spec.timeoutMinutes,
    hourlyPriceUsd: roundUsd((record.centsPerHour * autoscaling.maxReplicas) / 100),
    createdAt: endpoint.createdAt,
    schemaVersion: SCHEMA_VERSION,
    v2: record,
  };
  if (spec.maxHourlyPriceUsd !== undefined) outs.maxHourlyPriceUsd = spec.maxHourlyPriceUsd;
  // Fixed at the deployment's creation: as declared (a deployment replaced by hand is not compared).
  if (spec.placement !== undefined) outs.placement = spec.placement;
  if (spec.enableLora !== undefined) outs.enableLora = spec.enableLora;
  // What Together reports, so a change by hand is drift; the default is left out like an unset input.
  if (record.visibility !== undefined || endpoint.visibility !== "VISIBILITY_PRIVATE")
    outs.visibility = endpoint.visibility;
  return outs;
}

function withoutBounds(
  a: DedicatedEndpointSpec["autoscaling"],
): Partial<DedicatedEndpointSpec["autoscaling"]> {
  const { minReplicas: _min, maxReplicas: _max, ...rest } = a;
  return rest;
}
