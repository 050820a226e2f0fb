// A v2 deployment's status as a function of its phase and the emulated time (no timers: advancing the
// clock moves every deployment), and the transitions an autoscaling change asks for.
import { HARDWARE } from "./catalog";
import type { HardwareAvailabilityStatus } from "./types";
import type { DeploymentPhase, DeploymentRecord, V2Store } from "./v2-store";

export type DeploymentState =
  | "DEPLOYMENT_STATE_PROVISIONING"
  | "DEPLOYMENT_STATE_READY"
  | "DEPLOYMENT_STATE_SCALING"
  | "DEPLOYMENT_STATE_DEGRADED"
  | "DEPLOYMENT_STATE_FAILED"
  | "DEPLOYMENT_STATE_STOPPING"
  | "DEPLOYMENT_STATE_STOPPED";

export function deploymentState(d: DeploymentRecord, now: number): DeploymentState {
  const p = d.phase;
  switch (p.kind) {
    case "provisioning":
      if (p.failAt !== undefined && now >= p.failAt) return "DEPLOYMENT_STATE_FAILED";
      return now < p.readyAt ? "DEPLOYMENT_STATE_PROVISIONING" : "DEPLOYMENT_STATE_READY";
    case "ready":
      return "DEPLOYMENT_STATE_READY";
    case "scaling":
      return now < p.doneAt ? "DEPLOYMENT_STATE_SCALING" : "DEPLOYMENT_STATE_READY";
    case "degraded":
      return p.until !== undefined && now >= p.until ? "DEPLOYMENT_STATE_READY" : "DEPLOYMENT_STATE_DEGRADED";
    case "failed":
      return "DEPLOYMENT_STATE_FAILED";
    case "stopping":
      return now < p.stoppedAt ? "DEPLOYMENT_STATE_STOPPING" : "DEPLOYMENT_STATE_STOPPED";
    case "stopped":
      return "DEPLOYMENT_STATE_STOPPED";
  }
}

/** Replicas the autoscaler wants: the minimum (the emulator sends no traffic to scale on); 0 when stopped. */
export function desiredReplicas(d: DeploymentRecord, now: number): number {
  const s = deploymentState(d, now);
  if (
    s === "DEPLOYMENT_STATE_STOPPED" ||
    s === "DEPLOYMENT_STATE_STOPPING" ||
    s === "DEPLOYMENT_STATE_FAILED"
  )
    return 0;
  return d.autoscaling.minReplicas;
}

export function readyReplicas(d: DeploymentRecord, now: number): number {
  const want = desiredReplicas(d, now);
  switch (deploymentState(d, now)) {
    case "DEPLOYMENT_STATE_READY":
      return want;
    case "DEPLOYMENT_STATE_SCALING":
      return d.phase.kind === "scaling" ? Math.min(want, d.phase.fromReplicas) : 0;
    case "DEPLOYMENT_STATE_DEGRADED":
      return Math.max(0, want - 1);
    default:
      return 0;
  }
}

export function statusMessage(d: DeploymentRecord, now: number): string {
  const state = deploymentState(d, now);
  const p = d.phase;
  const hw = d.config.instanceType.name;
  switch (state) {
    case "DEPLOYMENT_STATE_PROVISIONING":
      return `Provisioning ${Math.max(1, d.autoscaling.minReplicas)} replica(s) of ${hw} for ${d.model.name}`;
    case "DEPLOYMENT_STATE_READY":
      return d.autoscaling.minReplicas === 0
        ? "Ready; scaled to zero until requests arrive"
        : `All ${d.autoscaling.minReplicas} replica(s) ready`;
    case "DEPLOYMENT_STATE_SCALING":
      return `Scaling to ${d.autoscaling.minReplicas} replica(s)`;
    case "DEPLOYMENT_STATE_DEGRADED":
      return p.kind === "degraded" ? p.message : "Degraded";
    case "DEPLOYMENT_STATE_FAILED":
      return p.kind === "failed"
        ? p.message
        : p.kind === "provisioning"
          ? (p.failMessage ?? "Failed")
          : "Failed";
    case "DEPLOYMENT_STATE_STOPPING":
      return "Stopping: releasing replicas";
    case "DEPLOYMENT_STATE_STOPPED":
      return "Stopped (minReplicas = maxReplicas = 0)";
  }
}

/** Whether the deployment holds (and is billed for) GPUs: replicas placed, loading or serving. */
export function isBillingDeployment(d: DeploymentRecord, now: number): boolean {
  if (d.deleted) return false;
  const s = deploymentState(d, now);
  if (s === "DEPLOYMENT_STATE_PROVISIONING" || s === "DEPLOYMENT_STATE_SCALING") return true;
  return readyReplicas(d, now) > 0;
}

const stops = (a: { minReplicas: number; maxReplicas: number }): boolean =>
  a.minReplicas === 0 && a.maxReplicas === 0;

/** A fresh (or restarted) deployment: placed after provisionMs, unless its hardware has no capacity. */
export function provisioningPhase(
  store: V2Store,
  d: Pick<DeploymentRecord, "config" | "regions">,
  availability: (hardwareId: string) => HardwareAvailabilityStatus,
  now: number,
): DeploymentPhase {
  const hw = HARDWARE.find((h) => h.id === d.config.instanceType.hardwareId)!;
  const status = availability(hw.id);
  if (status === "available") return { kind: "provisioning", since: now, readyAt: now + store.provisionMs };
  return {
    kind: "provisioning",
    since: now,
    readyAt: now + store.provisionMs,
    failAt: now + Math.floor(store.provisionMs / 6),
    failMessage: `Insufficient capacity: no ${d.config.instanceType.name} can be scheduled in ${d.regions.join(", ")} (capacity ${status}); try other hardware or regions`,
  };
}

/** The phase after an autoscaling change: min = max = 0 stops, a stopped deployment restarts, a replica
 *  change on a running one scales. */
export function phaseAfterAutoscaling(
  store: V2Store,
  d: DeploymentRecord,
  old: { minReplicas: number; maxReplicas: number },
  availability: (hardwareId: string) => HardwareAvailabilityStatus,
  now: number,
): DeploymentPhase {
  const state = deploymentState(d, now);
  if (stops(d.autoscaling)) {
    if (state === "DEPLOYMENT_STATE_STOPPED" || state === "DEPLOYMENT_STATE_STOPPING") return d.phase;
    if (state === "DEPLOYMENT_STATE_FAILED") return { kind: "stopped", since: now };
    return { kind: "stopping", since: now, stoppedAt: now + store.stopMs };
  }
  if (
    state === "DEPLOYMENT_STATE_STOPPED" ||
    state === "DEPLOYMENT_STATE_STOPPING" ||
    state === "DEPLOYMENT_STATE_FAILED"
  )
    return provisioningPhase(store, d, availability, now);
  if (state === "DEPLOYMENT_STATE_PROVISIONING") return d.phase;
  if (d.autoscaling.minReplicas === old.minReplicas) return d.phase;
  return { kind: "scaling", since: now, doneAt: now + store.scaleMs, fromReplicas: old.minReplicas };
}
