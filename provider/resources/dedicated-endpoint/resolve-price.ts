// The hourly price create and update record, at the declared max replicas.
import type { TogetherClient } from "../../client";
import { toOffers } from "./hardware";
import { hardwareRule, priceRule, subject } from "./rules";
import type { DedicatedEndpointSpec } from "./schema";

/** The hourly price at the declared max replicas; looks it up when check could not (API down, model unknown). */
export async function resolvePrice(
  client: TogetherClient,
  spec: DedicatedEndpointSpec,
  requireAvailable: boolean,
): Promise<number> {
  if (spec.hourlyPriceUsd !== undefined) return spec.hourlyPriceUsd;
  const who = subject(spec.logicalName);
  const hw = hardwareRule({
    who,
    hardware: spec.hardware,
    model: spec.model,
    offers: toOffers(await client.hardware.list({ model: spec.model })),
    requireAvailable,
  });
  if (hw.offer === undefined) throw new Error(hw.failures.map((f) => f.reason).join("\n"));
  const price = priceRule({
    who,
    hardware: spec.hardware,
    centsPerMinute: hw.offer.centsPerMinute,
    maxReplicas: spec.autoscaling.maxReplicas,
    maxHourlyPriceUsd: spec.maxHourlyPriceUsd,
  });
  if (price.failures.length > 0) throw new Error(price.failures.map((f) => f.reason).join("\n"));
  return price.hourlyPriceUsd;
}
