// The one deployment a DedicatedEndpoint runs on v2, and the waits and etag writes around it.
import { isTogetherError, type TogetherError } from "../../../client";
import type { EndpointsV2Api } from "../../../client/endpoints-v2";
import type { WireV2Deployment, WireV2DeploymentCreate } from "../../../client/wire/endpoints-v2";
import type { ProviderContext } from "../../../shared/types";
import { isWaitTimeout, waitFor } from "../../../shared/wait";
import type { DedicatedEndpointSpec } from "../schema";
import { wireAutoscaling } from "./autoscaling";
import type { V2Record } from "./platform";

/** The first deployment's name under its endpoint; a rollout (rollout.ts) names its deployments after what
 *  they serve. */
export const PRIMARY = "primary";
/** Endpoint and deployment names on v2. */
export const V2_NAME = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

export const READY = "DEPLOYMENT_STATE_READY";
export const STOPPED = "DEPLOYMENT_STATE_STOPPED";
const FAILED = "DEPLOYMENT_STATE_FAILED";

type Autoscaling = DedicatedEndpointSpec["autoscaling"];

/** min = max = 0 is how v2 stops a deployment: STARTED/STOPPED map onto the replica bounds (the windows and
 *  metrics stay, so a start restores them unchanged). */
export function replicasFor(state: string, autoscaling: Autoscaling): Autoscaling {
  return state === "STOPPED" ? { ...autoscaling, minReplicas: 0, maxReplicas: 0 } : autoscaling;
}

export function deploymentBody(
  name: string,
  record: V2Record,
  autoscaling: Autoscaling,
): WireV2DeploymentCreate {
  if (record.modelRef === undefined) throw new Error("the model's registry resource is not resolved yet");
  return {
    name,
    model: record.modelRef,
    config: record.config,
    autoscaling: wireAutoscaling(autoscaling),
    ...(record.placement !== undefined && { placement: record.placement }),
    ...(record.enableLora === true && { enableLora: true }),
  };
}

export const DEGRADED = "DEPLOYMENT_STATE_DEGRADED";

/**
 * Waits for READY (or STOPPED when stopping); FAILED ends the wait at once with Together's message.
 *
 * DEGRADED (some replicas lost, the rest serving) is not READY and not the end: Together keeps replacing the
 * lost replicas, so the wait goes on, saying so once each time the deployment degrades. Still DEGRADED at the
 * deadline, the wait fails with Together's status message and the replicas serving; the resource stays in state
 * (partial failure) and the next `up` resumes the wait.
 */
export async function waitForDeployment(
  api: EndpointsV2Api,
  ctx: ProviderContext,
  projectId: string,
  endpointId: string,
  deploymentId: string,
  target: typeof READY | typeof STOPPED,
  timeoutMinutes: number,
): Promise<WireV2Deployment> {
  const what = `deployment ${deploymentId} of endpoint ${endpointId} to be ${target.replace("DEPLOYMENT_STATE_", "")}`;
  let degraded = false;
  try {
    return await waitFor({
      what,
      poll: () => api.getDeployment(projectId, endpointId, deploymentId),
      done: (d) => d.status.state === target,
      failed: (d) => (d.status.state === FAILED ? `FAILED: ${d.status.message}` : undefined),
      progress: (d) => {
        const now = d.status.state === DEGRADED;
        if (now && !degraded)
          ctx.log.warn(
            `deployment ${deploymentId} is DEGRADED (${serving(d)}): ${d.status.message}; Together is replacing ` +
              `the lost replicas, still waiting (up to ${timeoutMinutes} min in all)`,
          );
        degraded = now;
      },
      describe: (d) => `${d.status.state} (${d.status.message}; ${serving(d)})`,
      timeoutMs: timeoutMinutes * 60_000,
      timeScale: ctx.timeScale,
    });
  } catch (err) {
    if (!isWaitTimeout(err) || (err.last as WireV2Deployment).status.state !== DEGRADED) throw err;
    const d = err.last as WireV2Deployment;
    throw new Error(
      `deployment ${deploymentId} stayed DEGRADED for the whole wait (${timeoutMinutes} min): ` +
        `${d.status.message} (${serving(d)}). Fix: run up again to keep waiting, raise timeoutMinutes, or ` +
        `choose other hardware or placement if Together cannot replace the replicas`,
      { cause: err },
    );
  }
}

function serving(d: WireV2Deployment): string {
  const want = d.desiredReplicas ?? d.autoscaling.minReplicas ?? 0;
  return `${d.status.readyReplicas ?? 0} of ${want} replica(s) serving`;
}

const isConflict = (err: unknown): err is TogetherError => isTogetherError(err) && err.code === "conflict";

/**
 * A write guarded by the etag just read. On a conflict (someone changed the object in between) it reads again
 * and retries once; a second conflict fails with what to do rather than overwrite a change it never saw.
 */
export async function withEtag<T>(
  what: string,
  read: () => Promise<string>,
  write: (etag: string) => Promise<T>,
) {
  try {
    return await write(await read());
  } catch (err) {
    if (!isConflict(err)) throw err;
  }
  try {
    return await write(await read());
  } catch (err) {
    if (!isConflict(err)) throw err;
    throw new Error(
      `${what}: the object changed twice while this update was applied (etag conflict: ${err.message}). ` +
        "Fix: find who else is changing it, then run up again",
      { cause: err },
    );
  }
}
