// Check rules beyond what the zod schema can say: cross-field replica bounds, hardware offered for the model,
// and the price cap. Pure; messages follow checkWithSchema's shape:
// `<Kind> "<name>": <path> = <value>: <what is wrong>, allowed <range>. Fix: <fix>`.
import { failure } from "../../shared/check";
import type { CheckFailure } from "../../shared/types";
import { describeOffers, formatUsd, hourlyPriceUsd, type HardwareOffer, judgeHardware } from "./hardware";
import { KIND } from "./schema";

export function subject(logicalName: string | undefined): string {
  return logicalName ? `${KIND} "${logicalName}"` : KIND;
}

export function replicaFailures(
  who: string,
  autoscaling: { minReplicas?: number | undefined; maxReplicas?: number | undefined } | undefined,
): CheckFailure[] {
  const min = autoscaling?.minReplicas;
  const max = autoscaling?.maxReplicas;
  if (typeof min !== "number" || typeof max !== "number" || min <= max) return [];
  return [
    failure(
      "autoscaling.maxReplicas",
      `${who}: autoscaling.maxReplicas = ${max}: is less than autoscaling.minReplicas (${min}), allowed ${min} or more. ` +
        `Fix: set autoscaling.maxReplicas to at least ${min}, or lower autoscaling.minReplicas`,
    ),
  ];
}

export interface HardwareRuleInput {
  who: string;
  hardware: string;
  /** Undefined when the model is not known yet (preview of a model a FineTuneJob will produce). */
  model: string | undefined;
  offers: readonly HardwareOffer[];
  requireAvailable: boolean;
}

/** Returns the chosen offer, or the failure listing every valid configuration with its price. */
export function hardwareRule(i: HardwareRuleInput): { offer?: HardwareOffer; failures: CheckFailure[] } {
  const verdict = judgeHardware(i.offers, i.hardware, i.requireAvailable);
  if (verdict.ok) return { offer: verdict.offer, failures: [] };
  const forModel = i.model === undefined ? "" : ` for model ${JSON.stringify(i.model)}`;
  const options = describeOffers(i.offers);
  // The fix names what exists: an available configuration, else (none is available now) a retry.
  const anyAvailable = i.offers.some((o) => o.availability === undefined || o.availability === "available");
  let reason: string;
  if (i.offers.length === 0) {
    reason =
      `is not offered${forModel}: Together offers no dedicated hardware${forModel}. ` +
      `Fix: choose a model that can be served on a dedicated endpoint`;
  } else if (verdict.problem === "not-offered") {
    reason =
      `is not offered${forModel}, allowed one of the configurations Together offers${forModel}: ${options}. ` +
      (anyAvailable
        ? `Fix: set hardware to one marked available`
        : `Fix: set hardware to one of these; none is available right now, so retry later`);
  } else {
    reason = anyAvailable
      ? `is offered${forModel} but Together reports it ${verdict.offer?.availability ?? "unavailable"} right now, ` +
        `allowed one marked available of: ${options}. Fix: choose one marked available, or retry later`
      : `is offered${forModel} but Together reports it ${verdict.offer?.availability ?? "unavailable"} right now, ` +
        `as every configuration${forModel}: ${options}. Fix: retry later, when Together has capacity`;
  }
  return { failures: [failure("hardware", `${i.who}: hardware = ${JSON.stringify(i.hardware)}: ${reason}`)] };
}

export interface PriceRuleInput {
  who: string;
  hardware: string;
  centsPerMinute: number;
  maxReplicas: number;
  maxHourlyPriceUsd: number | undefined;
}

export function priceRule(i: PriceRuleInput): { hourlyPriceUsd: number; failures: CheckFailure[] } {
  const hourly = hourlyPriceUsd(i.centsPerMinute, i.maxReplicas);
  const cap = i.maxHourlyPriceUsd;
  if (cap === undefined || hourly <= cap) return { hourlyPriceUsd: hourly, failures: [] };
  const perReplica = hourlyPriceUsd(i.centsPerMinute, 1);
  const reason =
    `${i.who}: maxHourlyPriceUsd = ${cap}: the endpoint would cost up to ${formatUsd(hourly)} ` +
    `(${i.maxReplicas} x ${formatUsd(perReplica)} on ${i.hardware}), above the cap of ${formatUsd(cap)}, ` +
    `allowed an hourly price of at most ${cap}. Fix: lower autoscaling.maxReplicas, choose cheaper hardware, ` +
    `or raise maxHourlyPriceUsd to at least ${hourly}`;
  return { hourlyPriceUsd: hourly, failures: [failure("maxHourlyPriceUsd", reason)] };
}
