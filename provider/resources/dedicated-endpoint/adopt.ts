// Adoption (adoptEndpointId): an existing endpoint comes under management when its model and hardware are the
// declared ones (neither can change in place); everything else is converged to the declaration.
import { converge } from "./converge";
import { getEndpoint } from "./get-endpoint";
import { buildOutputs } from "./outputs";
import { subject } from "./rules";
import type { Apply } from "./settle";

export async function adopt(a: Omit<Apply, "action">) {
  const { client, ctx, spec, price } = a;
  const who = subject(spec.logicalName);
  const id = spec.adoptEndpointId ?? "";
  const live = await getEndpoint(client, id, (notFound) => {
    throw new Error(
      `${who}: adoptEndpointId = "${id}": no such endpoint on Together. Fix: give the id of an existing endpoint`,
      { cause: notFound },
    );
  });
  const wrong: string[] = [];
  if (live.model !== spec.model) wrong.push(`model is "${live.model}", declared "${spec.model}"`);
  if (live.hardware !== spec.hardware)
    wrong.push(`hardware is "${live.hardware}", declared "${spec.hardware}"`);
  if (wrong.length > 0) {
    throw new Error(
      `${who}: adoptEndpointId = "${id}": ${wrong.join(" and ")}; these cannot change in place. ` +
        `Fix: declare the endpoint's model and hardware, adopt another endpoint, or remove adoptEndpointId to create a new one`,
    );
  }
  ctx.log.info(`${who}: adopting endpoint ${id} (${live.state})`);
  const done = await converge({
    ...a,
    action: "adoption",
    live,
    inactiveTimeoutChanged: true,
    mayRestart: true,
  });
  return { id, outs: { ...buildOutputs(spec, done.live, price, done.state) } };
}
