// Bringing an existing endpoint to its declaration (adoption, update): one PATCH of whatever differs, including
// the state change planState decides on, then settle.
import { MINUTE_MS, waitForState } from "./endpoint-wait";
import { type EndpointPatch, type LiveEndpoint, patchBody, toLive } from "./live";
import { subject } from "./rules";
import { type Apply, type Converged, settle } from "./settle";
import { planState } from "./state-policy";

export interface ConvergeOptions extends Apply {
  /** The endpoint as just read. */
  live: LiveEndpoint;
  /** Sends inactiveTimeoutMinutes: the API never reports it, so only a declared change (or adoption) does. */
  inactiveTimeoutChanged: boolean;
  /** False when an endpoint stopped by its inactivity timeout must stay stopped (see planState). */
  mayRestart: boolean;
}

export async function converge(o: ConvergeOptions): Promise<Converged> {
  const { client, ctx, spec, live } = o;
  const who = subject(spec.logicalName);
  const plan = planState(spec.state, live.state, o.mayRestart);
  const patch: EndpointPatch = {};
  if (live.displayName !== spec.displayName) patch.displayName = spec.displayName;
  if (
    live.minReplicas !== spec.autoscaling.minReplicas ||
    live.maxReplicas !== spec.autoscaling.maxReplicas
  ) {
    patch.autoscaling = spec.autoscaling;
  }
  if (o.inactiveTimeoutChanged) patch.inactiveTimeoutMinutes = spec.inactiveTimeoutMinutes;
  let current = live;
  if (plan.settleFirst !== undefined) {
    current = await waitForState({
      client,
      ctx,
      who,
      id: live.id,
      target: plan.settleFirst,
      timeoutMs: spec.timeoutMinutes * MINUTE_MS,
    });
  }
  if (plan.send !== undefined) patch.state = plan.send;
  if (Object.keys(patch).length > 0) {
    ctx.log.info(`${who}: updating endpoint ${live.id}: ${describePatch(patch)}`);
    current = toLive(await client.endpoints.update(live.id, patchBody(patch)));
  }
  if (plan.target !== spec.state) {
    ctx.log.info(
      `${who}: endpoint ${live.id} is ${live.state}, stopped by its inactivity timeout; left stopped (not restarted)`,
    );
  }
  return settle({ ...o, live: current, target: plan.target });
}

function describePatch(p: EndpointPatch): string {
  const parts: string[] = [];
  if (p.displayName !== undefined) parts.push(`displayName "${p.displayName}"`);
  if (p.autoscaling !== undefined)
    parts.push(`replicas ${p.autoscaling.minReplicas}..${p.autoscaling.maxReplicas}`);
  if (p.inactiveTimeoutMinutes !== undefined)
    parts.push(`inactiveTimeoutMinutes ${p.inactiveTimeoutMinutes}`);
  if (p.state !== undefined) parts.push(`state ${p.state}`);
  return parts.join(", ");
}
