// The end of every apply (create, adoption, update): wait, if asked, for the target state, then check that what
// Together reports is what was declared. A failure from here on keeps the endpoint in state (a partial failure)
// with what was observed, so the next `up` sees the difference and resumes.
import type { TogetherClient } from "../../client";
import { PartialFailureError } from "../../shared/partial-failure";
import type { ProviderContext } from "../../shared/types";
import { formatElapsed, isWaitFailed, isWaitTimeout } from "../../shared/wait";
import { MINUTE_MS, waitForState } from "./endpoint-wait";
import { type LiveEndpoint, toLive } from "./live";
import { buildOutputs } from "./outputs";
import { subject } from "./rules";
import type { DedicatedEndpointOutputs, DedicatedEndpointSpec } from "./schema";
import { heading, recordedState } from "./state-policy";

/** What an apply works with, from its start to its end. */
export interface Apply {
  client: TogetherClient;
  ctx: ProviderContext;
  spec: DedicatedEndpointSpec;
  /** The hourly price at the declared max replicas (outputs scale it to the observed ones). */
  price: number;
  /** The apply, as failure messages name it: "create", "adoption" or "update". */
  action: string;
}

export interface SettleOptions extends Apply {
  /** The endpoint as last read or written. */
  live: LiveEndpoint;
  /** The rest state to reach: the declared one, unless an auto-stopped endpoint is left stopped. */
  target: DedicatedEndpointSpec["state"];
}

export interface Converged {
  live: LiveEndpoint;
  state: DedicatedEndpointOutputs["state"];
}

type WaitOutcome =
  | { kind: "reached"; last: LiveEndpoint }
  | { kind: "failed"; last: LiveEndpoint; reason: string }
  | { kind: "timeout"; last: LiveEndpoint };

async function awaitState(w: Parameters<typeof waitForState>[0]): Promise<WaitOutcome> {
  try {
    return { kind: "reached", last: await waitForState(w) };
  } catch (err) {
    if (isWaitFailed(err)) return { kind: "failed", last: err.last as LiveEndpoint, reason: err.reason };
    if (isWaitTimeout(err)) return { kind: "timeout", last: err.last as LiveEndpoint };
    throw err;
  }
}

/**
 * Waits (if asked) until the endpoint reaches `target`, then re-reads it and fails loudly if what Together
 * reports is not what was declared.
 */
export async function settle(o: SettleOptions): Promise<Converged> {
  const { client, ctx, spec, live, target, price, action } = o;
  const who = subject(spec.logicalName);
  const partial = (l: LiveEndpoint, reasons: string[]) =>
    new PartialFailureError(l.id, { ...buildOutputs(spec, l, price, l.state) }, reasons);
  let current = live;
  if (spec.waitForReady) {
    const started = Date.now();
    const waited = await awaitState({
      client,
      ctx,
      who,
      id: live.id,
      target,
      timeoutMs: spec.timeoutMinutes * MINUTE_MS,
    });
    if (waited.kind === "failed") {
      throw partial(waited.last, [
        `${who}: endpoint ${waited.last.id} ${action} failed: ${waited.reason}. It is kept in the stack so that ` +
          `destroy removes it. Fix: correct the cause and run up again (it retries), or destroy / replace it`,
      ]);
    }
    if (waited.kind === "timeout") {
      throw partial(waited.last, [
        `${who}: endpoint ${waited.last.id} did not reach ${target} within ${spec.timeoutMinutes} min (last state ` +
          `${waited.last.state}). It is kept in the stack; run up again to resume waiting, or raise timeoutMinutes`,
      ]);
    }
    ctx.log.info(
      `${who}: endpoint ${live.id} is ${waited.last.state} after ${formatElapsed(Date.now() - started, ctx.timeScale)}`,
    );
    current = toLive(await client.endpoints.get(live.id));
  }
  const mismatches = declaredMismatches(spec, current, target);
  if (mismatches.length > 0) {
    throw partial(current, [
      `${who}: endpoint ${current.id} does not match the declaration after ${action}: ${mismatches.join("; ")}. ` +
        `Together did not apply the change (or reverted it); nothing was reported as done`,
    ]);
  }
  const state = recordedState(spec.state, current.state, {
    inactiveTimeoutMinutes: spec.inactiveTimeoutMinutes,
    waitForReady: spec.waitForReady,
  });
  return { live: current, state: target === spec.state ? state : spec.state };
}

function declaredMismatches(spec: DedicatedEndpointSpec, live: LiveEndpoint, target: string): string[] {
  const out: string[] = [];
  if (live.displayName !== spec.displayName) {
    out.push(`displayName declared "${spec.displayName}", Together reports "${live.displayName}"`);
  }
  const a = spec.autoscaling;
  if (live.minReplicas !== a.minReplicas || live.maxReplicas !== a.maxReplicas) {
    out.push(
      `autoscaling declared ${a.minReplicas}..${a.maxReplicas} replicas, Together reports ${live.minReplicas}..${live.maxReplicas}`,
    );
  }
  const reached = spec.waitForReady ? live.state === target : heading(live.state) === target;
  if (!reached) out.push(`state should be ${target}, Together reports ${live.state}`);
  return out;
}
