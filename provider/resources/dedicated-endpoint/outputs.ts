// Outputs as state stores them: every input echoed, plus what Together reports. Pure.
import { SCHEMA_VERSION } from "../../shared/partial-failure";
import { roundUsd } from "./hardware";
import type { LiveEndpoint } from "./live";
import type { DedicatedEndpointOutputs, DedicatedEndpointSpec, DesiredState, LiveState } from "./schema";
import { recordedState } from "./state-policy";

/** The hourly price at another replica bound, from the price at `fromMax` replicas. */
export function scalePrice(hourlyPriceUsd: number, fromMax: number, toMax: number): number {
  return fromMax > 0 ? roundUsd((hourlyPriceUsd / fromMax) * toMax) : hourlyPriceUsd;
}

/**
 * `displayName`, `autoscaling`, `model` and `hardware` come from Together (after a successful apply they equal
 * the declaration; after a failed or drifted one they show what really runs). Fields Together never returns
 * keep the declared value.
 */
export function buildOutputs(
  spec: DedicatedEndpointSpec,
  live: LiveEndpoint,
  hourlyPriceAtDeclaredMax: number,
  state: DesiredState | LiveState,
): DedicatedEndpointOutputs {
  const outs: DedicatedEndpointOutputs = {
    logicalName: spec.logicalName,
    endpointId: live.id,
    name: live.name,
    model: live.model,
    hardware: live.hardware,
    autoscaling: { minReplicas: live.minReplicas, maxReplicas: live.maxReplicas },
    displayName: live.displayName,
    state,
    liveState: live.state,
    inactiveTimeoutMinutes: spec.inactiveTimeoutMinutes,
    disableSpeculativeDecoding: spec.disableSpeculativeDecoding,
    waitForReady: spec.waitForReady,
    timeoutMinutes: spec.timeoutMinutes,
    hourlyPriceUsd: scalePrice(hourlyPriceAtDeclaredMax, spec.autoscaling.maxReplicas, live.maxReplicas),
    createdAt: live.createdAt,
    schemaVersion: SCHEMA_VERSION,
  };
  if (spec.availabilityZone !== undefined) outs.availabilityZone = spec.availabilityZone;
  if (spec.maxHourlyPriceUsd !== undefined) outs.maxHourlyPriceUsd = spec.maxHourlyPriceUsd;
  if (spec.adoptEndpointId !== undefined) outs.adoptEndpointId = spec.adoptEndpointId;
  return outs;
}

/** Old outputs as stored; tolerant of props that came from a `get` (program inputs only). */
export function previousOutputs(props: Record<string, unknown>): DedicatedEndpointOutputs {
  const p = props as Partial<DedicatedEndpointOutputs>;
  const min = p.autoscaling?.minReplicas ?? 1;
  return {
    ...(props as unknown as DedicatedEndpointOutputs),
    logicalName: p.logicalName ?? "",
    autoscaling: { minReplicas: min, maxReplicas: p.autoscaling?.maxReplicas ?? Math.max(min, 1) },
    state: p.state ?? "STARTED",
    inactiveTimeoutMinutes: p.inactiveTimeoutMinutes ?? 0,
    waitForReady: p.waitForReady ?? true,
    hourlyPriceUsd: p.hourlyPriceUsd ?? 0,
  };
}

/** Refresh: observed fields replace the stored ones; the `state` output follows the drift policy. */
export function refreshOutputs(prev: DedicatedEndpointOutputs, live: LiveEndpoint): DedicatedEndpointOutputs {
  const state = recordedState(prev.state, live.state, {
    inactiveTimeoutMinutes: prev.inactiveTimeoutMinutes,
    waitForReady: prev.waitForReady,
  });
  return {
    ...prev,
    endpointId: live.id,
    name: live.name,
    model: live.model,
    hardware: live.hardware,
    autoscaling: { minReplicas: live.minReplicas, maxReplicas: live.maxReplicas },
    displayName: live.displayName,
    state,
    liveState: live.state,
    hourlyPriceUsd: scalePrice(prev.hourlyPriceUsd, prev.autoscaling.maxReplicas, live.maxReplicas),
    createdAt: live.createdAt,
    schemaVersion: SCHEMA_VERSION,
  };
}
