// Read (refresh): what Together reports replaces the stored outputs, with `state` following the drift policy
// written out in lifecycle.ts; an endpoint gone from Together is dropped from state.
import type { ProviderContext } from "../../shared/types";
import { getEndpoint } from "./get-endpoint";
import { previousOutputs, refreshOutputs } from "./outputs";
import { subject } from "./rules";

export async function read(id: string, props: Record<string, unknown>, ctx: ProviderContext) {
  const prev = previousOutputs(props);
  const who = subject(prev.logicalName);
  const live = await getEndpoint(ctx.client(), id, () => undefined);
  if (live === undefined) {
    ctx.log.info(`${who}: endpoint ${id} no longer exists on Together`);
    return { id: "" };
  }
  const outs = refreshOutputs(prev, live);
  if (outs.state !== prev.state) {
    ctx.log.info(
      `${who}: endpoint ${id} is ${live.state} (recorded ${prev.state}); up will bring it back to the declaration`,
    );
  } else if (outs.liveState !== outs.state) {
    ctx.log.info(
      `${who}: endpoint ${id} is ${live.state}, stopped by its inactivity timeout; not treated as drift`,
    );
  }
  return { id, props: { ...outs } };
}
