// The cost gate: ask Together what the job will cost before anything is spent, and refuse when it is over the
// program's cap or over what the account may spend.
import type { WireEstimatePrice } from "../../client";
import type { ProviderContext } from "../../shared/types";
import { usd } from "../../shared/usd";
import { subject } from "./messages";
import { estimateBody } from "./request-body";
import type { FineTuneJobInputs } from "./schema";

export interface PriceEstimate {
  priceUsd?: number;
  allowedToProceed?: boolean;
  userLimitUsd?: number;
  trainTokens?: number;
  evalTokens?: number;
  /** Why Together could not estimate (e.g. `train_file_not_validated`). */
  unavailableReason?: string;
}

function fromWire(w: WireEstimatePrice): PriceEstimate {
  const out: PriceEstimate = {};
  if (w.estimation_available === false) {
    out.unavailableReason = w.unavailable_reason ?? "not given";
    return out;
  }
  if (typeof w.estimated_total_price === "number") out.priceUsd = w.estimated_total_price;
  if (typeof w.allowed_to_proceed === "boolean") out.allowedToProceed = w.allowed_to_proceed;
  if (typeof w.user_limit === "number") out.userLimitUsd = w.user_limit;
  if (typeof w.estimated_train_token_count === "number") out.trainTokens = w.estimated_train_token_count;
  if (typeof w.estimated_eval_token_count === "number") out.evalTokens = w.estimated_eval_token_count;
  if (out.priceUsd === undefined) out.unavailableReason = "no price in Together's answer";
  return out;
}

export async function estimatePrice(ctx: ProviderContext, inputs: FineTuneJobInputs): Promise<PriceEstimate> {
  return fromWire(await ctx.client().fineTunes.estimatePrice(estimateBody(inputs)));
}

function tokens(e: PriceEstimate): string {
  const parts: string[] = [];
  if (e.trainTokens !== undefined) parts.push(`${e.trainTokens.toLocaleString("en-US")} training tokens`);
  if (e.evalTokens) parts.push(`${e.evalTokens.toLocaleString("en-US")} evaluation tokens`);
  return parts.length > 0 ? ` (${parts.join(", ")})` : "";
}

function limits(e: PriceEstimate, cap: number | undefined): string {
  const account =
    e.userLimitUsd === undefined ? "account limit not reported" : `account limit ${usd(e.userLimitUsd)}`;
  const mine = cap === undefined ? "no maxPriceUsd" : `maxPriceUsd ${usd(cap)}`;
  return `${mine}, ${account}`;
}

/** The provider log line for an estimate. */
export function estimateLine(name: string | undefined, e: PriceEstimate, cap: number | undefined): string {
  if (e.priceUsd === undefined) {
    return `${subject(name)}: Together could not estimate the price (${e.unavailableReason ?? "unknown reason"}).`;
  }
  return `${subject(name)}: estimated price ${usd(e.priceUsd)}${tokens(e)}; ${limits(e, cap)}.`;
}

function roundUpToCent(n: number): number {
  return n >= 0.01 ? Math.ceil(n * 100) / 100 : n;
}

/** Why the job must not start, or undefined when it may. `atCreate`: a cap that cannot be verified stops it. */
export function gateRefusal(
  name: string | undefined,
  e: PriceEstimate,
  cap: number | undefined,
  atCreate: boolean,
): string | undefined {
  const who = subject(name);
  if (e.priceUsd === undefined) {
    if (cap === undefined || !atCreate) return undefined;
    return (
      `${who}: cannot start the job: maxPriceUsd ${usd(cap)} is set but Together could not estimate the price ` +
      `(${e.unavailableReason ?? "unknown reason"}), so the cap cannot be enforced. Nothing was started. ` +
      `Fix: wait until the training file is validated by Together and run again, or remove maxPriceUsd to start without a cap.`
    );
  }
  if (cap !== undefined && e.priceUsd > cap) {
    return (
      `${who}: estimated price ${usd(e.priceUsd)}${tokens(e)} exceeds maxPriceUsd ${usd(cap)} ` +
      `(${limits(e, cap)}). Nothing was started. ` +
      `Fix: raise maxPriceUsd to at least ${usd(roundUpToCent(e.priceUsd))}, or lower the cost ` +
      `(fewer nEpochs or nEvals, a smaller dataset, LoRA instead of full training, a smaller model).`
    );
  }
  if (e.allowedToProceed === false) {
    return (
      `${who}: Together says this job may not proceed: estimated price ${usd(e.priceUsd)}${tokens(e)} is above ` +
      `what the account may spend (${limits(e, cap)}). Nothing was started. ` +
      `Fix: add credits or raise the account's limit in Together's billing settings, or lower the cost ` +
      `(fewer nEpochs or nEvals, a smaller dataset, a smaller model).`
    );
  }
  return undefined;
}
