// Update: every changeable field (display name, replicas, inactivity timeout, state) is converged in place;
// model, hardware and the rest replace the endpoint instead (the diff table decides).
import type { ProviderContext } from "../../shared/types";
import { converge } from "./converge";
import { getEndpoint } from "./get-endpoint";
import { buildOutputs, previousOutputs } from "./outputs";
import { resolvePrice } from "./resolve-price";
import { subject } from "./rules";
import { specOf } from "./spec";
import { isToleratedAutoStop } from "./state-policy";

export async function update(
  id: string,
  olds: Record<string, unknown>,
  news: Record<string, unknown>,
  ctx: ProviderContext,
) {
  const spec = specOf(news);
  const prev = previousOutputs(olds);
  const who = subject(spec.logicalName);
  const client = ctx.client();
  const price = await resolvePrice(client, spec, false);
  const live = await getEndpoint(client, id, (notFound) => {
    throw new Error(
      `${who}: endpoint ${id} no longer exists on Together (deleted outside Pulumi). ` +
        `Fix: run pulumi refresh to drop it from the stack; the next up creates a new one`,
      { cause: notFound },
    );
  });
  // Recorded as running (or tolerated as auto-stopped) and still declared so: an idle stop is not undone.
  const mayRestart = !(
    prev.state === "STARTED" && isToleratedAutoStop(spec.state, live.state, spec.inactiveTimeoutMinutes)
  );
  const done = await converge({
    client,
    ctx,
    spec,
    price,
    action: "update",
    live,
    inactiveTimeoutChanged: prev.inactiveTimeoutMinutes !== spec.inactiveTimeoutMinutes,
    mayRestart,
  });
  return { outs: { ...buildOutputs(spec, done.live, price, done.state) } };
}
