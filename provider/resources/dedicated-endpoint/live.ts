// The endpoint as Together reports it, in the provider's own terms (wire names stop here).
import type { WireEndpoint, WireEndpointCreate, WireEndpointUpdate } from "../../client";
import type { DedicatedEndpointSpec, LiveState } from "./schema";

export interface LiveEndpoint {
  id: string;
  /** Inference model string. */
  name: string;
  displayName: string;
  model: string;
  hardware: string;
  state: LiveState;
  minReplicas: number;
  maxReplicas: number;
  createdAt: string;
  /** The server's explanation when the endpoint is in ERROR, if it gave one. */
  errorMessage?: string;
}

/** The spec gives no field for the cause of an ERROR; pick one up should the server send it. */
const ERROR_FIELDS = ["error_message", "error", "message", "status_message", "state_message", "reason"];

function errorMessageOf(w: Record<string, unknown>): string | undefined {
  for (const key of ERROR_FIELDS) {
    const v = w[key];
    if (typeof v === "string" && v.trim() !== "") return v.trim();
    if (v !== null && typeof v === "object" && typeof (v as { message?: unknown }).message === "string") {
      return (v as { message: string }).message;
    }
  }
  return undefined;
}

export function toLive(w: WireEndpoint): LiveEndpoint {
  const live: LiveEndpoint = {
    id: w.id,
    name: w.name,
    displayName: w.display_name,
    model: w.model,
    hardware: w.hardware,
    state: w.state.toUpperCase() as LiveState,
    minReplicas: w.autoscaling.min_replicas,
    maxReplicas: w.autoscaling.max_replicas,
    createdAt: w.created_at,
  };
  const message = errorMessageOf(w);
  if (message !== undefined && (live.state === "ERROR" || live.state === "FAILED"))
    live.errorMessage = message;
  return live;
}

export function isFailedState(s: string): boolean {
  return s === "ERROR" || s === "FAILED";
}

export function createBody(spec: DedicatedEndpointSpec): WireEndpointCreate {
  const body: WireEndpointCreate = {
    model: spec.model,
    hardware: spec.hardware,
    autoscaling: { min_replicas: spec.autoscaling.minReplicas, max_replicas: spec.autoscaling.maxReplicas },
    display_name: spec.displayName,
    state: spec.state,
    // Sources disagree on what an omitted timeout means (off vs 60 min), so it is always explicit.
    inactive_timeout: spec.inactiveTimeoutMinutes,
    disable_speculative_decoding: spec.disableSpeculativeDecoding,
  };
  if (spec.availabilityZone !== undefined) body.availability_zone = spec.availabilityZone;
  return body;
}

export interface EndpointPatch {
  displayName?: string;
  autoscaling?: { minReplicas: number; maxReplicas: number };
  inactiveTimeoutMinutes?: number;
  state?: "STARTED" | "STOPPED";
}

export function patchBody(p: EndpointPatch): WireEndpointUpdate {
  const body: WireEndpointUpdate = {};
  if (p.displayName !== undefined) body.display_name = p.displayName;
  if (p.autoscaling !== undefined) {
    body.autoscaling = { min_replicas: p.autoscaling.minReplicas, max_replicas: p.autoscaling.maxReplicas };
  }
  if (p.inactiveTimeoutMinutes !== undefined) body.inactive_timeout = p.inactiveTimeoutMinutes;
  if (p.state !== undefined) body.state = p.state;
  return body;
}
