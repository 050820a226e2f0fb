// The one deployment a DedicatedEndpoint runs on v2, and the waits and etag writes around it.
import { isTogetherError, type TogetherError } from "../../../client";
import type { EndpointsV2Api } from "../../../client/endpoints-v2";
import type { WireV2Deployment, WireV2DeploymentCreate } from "../../../client/wire/endpoints-v2";
import type { ProviderContext } from "../../../shared/types";
import { waitFor } from "../../../shared/wait";
import type { V2Record } from "./platform";

/** The first deployment's name under its endpoint; a rollout (rollout.ts) names its deployments after what
 *  they serve. */
export const PRIMARY = "primary";
/** Endpoint and deployment names on v2. */
export const V2_NAME = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

export const READY = "DEPLOYMENT_STATE_READY";
export const STOPPED = "DEPLOYMENT_STATE_STOPPED";
const FAILED = "DEPLOYMENT_STATE_FAILED";

/** min = max = 0 is how v2 stops a deployment: STARTED/STOPPED map onto the replica bounds. */
export function replicasFor(state: string, autoscaling: { minReplicas: number; maxReplicas: number }) {
  return state === "STOPPED" ? { minReplicas: 0, maxReplicas: 0 } : autoscaling;
}

export function deploymentBody(
  name: string,
  record: V2Record,
  autoscaling: { minReplicas: number; maxReplicas: number },
): WireV2DeploymentCreate {
  if (record.modelRef === undefined) throw new Error("the model's registry resource is not resolved yet");
  return { name, model: record.modelRef, config: record.config, autoscaling };
}

/** Waits for READY (or STOPPED when stopping); FAILED ends the wait at once with Together's message. */
export function waitForDeployment(
  api: EndpointsV2Api,
  ctx: ProviderContext,
  projectId: string,
  endpointId: string,
  deploymentId: string,
  target: typeof READY | typeof STOPPED,
  timeoutMinutes: number,
): Promise<WireV2Deployment> {
  return waitFor({
    what: `deployment ${deploymentId} of endpoint ${endpointId} to be ${target.replace("DEPLOYMENT_STATE_", "")}`,
    poll: () => api.getDeployment(projectId, endpointId, deploymentId),
    done: (d) => d.status.state === target,
    failed: (d) => (d.status.state === FAILED ? `FAILED: ${d.status.message}` : undefined),
    describe: (d) => `${d.status.state} (${d.status.message})`,
    timeoutMs: timeoutMinutes * 60_000,
    timeScale: ctx.timeScale,
  });
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
