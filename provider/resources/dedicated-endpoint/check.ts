// Check: the schema and cross-field rules, then the hardware Together offers for the model and the hourly price
// against the cap, so a preview fails before anything is spent. Prices are recorded in the checked inputs.
import type { z } from "zod";
import { isAuthError, isNotFound } from "../../client";
import { authFailure } from "../../shared/auth-failure";
import { checkWithSchema } from "../../shared/check";
import { errorText } from "../../shared/error-text";
import { containsUnknown, isUnknown, type CheckFailure, type ProviderContext } from "../../shared/types";
import { formatUsd, hourlyPriceUsd, toOffers } from "./hardware";
import { hardwareRule, priceRule, replicaFailures, subject } from "./rules";
import { dedicatedEndpointInputsSchema, KIND, normalizeInputs } from "./schema";
import { logicalNameOf } from "./spec";

/** The known inputs parsed on their own (required fields may be absent: they are unknown until apply). */
function knownFields(
  news: Record<string, unknown>,
): z.output<typeof dedicatedEndpointInputsSchema> | undefined {
  const known = Object.fromEntries(Object.entries(news).filter(([, v]) => !containsUnknown(v)));
  const r = dedicatedEndpointInputsSchema.partial().safeParse(known);
  return r.success ? (r.data as z.output<typeof dedicatedEndpointInputsSchema>) : undefined;
}

export async function check(
  olds: Record<string, unknown>,
  news: Record<string, unknown>,
  ctx: ProviderContext,
): Promise<{ inputs: Record<string, unknown>; failures: CheckFailure[] }> {
  const who = subject(logicalNameOf(news));
  const parsed = checkWithSchema(KIND, dedicatedEndpointInputsSchema, news);
  const autoscaling = containsUnknown(news.autoscaling)
    ? undefined
    : (news.autoscaling as Record<string, unknown>);
  const crossField = replicaFailures(who, {
    minReplicas: typeof autoscaling?.minReplicas === "number" ? autoscaling.minReplicas : undefined,
    maxReplicas: typeof autoscaling?.maxReplicas === "number" ? autoscaling.maxReplicas : undefined,
  });
  const failures = [...parsed.failures, ...crossField];
  // With no failures but no value, only fields unknown at preview are missing: default the known rest.
  const value = parsed.value ?? knownFields(news);
  if (value === undefined || failures.length > 0) return { inputs: news, failures };

  const spec: Record<string, unknown> = { ...normalizeInputs(value, logicalNameOf(news)) };
  // Defaults must not paper over values the engine does not know yet: diff has to see them as unknown.
  for (const [key, value] of Object.entries(news)) if (containsUnknown(value)) spec[key] = value;

  const hardware = spec.hardware;
  const model = spec.model;
  const maxReplicas = (spec.autoscaling as { maxReplicas?: unknown } | undefined)?.maxReplicas;
  if (typeof hardware !== "string" || isUnknown(hardware)) return { inputs: spec, failures };
  const modelKnown = typeof model === "string" && !isUnknown(model);
  // A model still being trained in this stack is served on its base model's hardware: check against that.
  const baseModel =
    typeof value.baseModel === "string" && !isUnknown(value.baseModel) ? value.baseModel : undefined;
  const servedAs = modelKnown ? model : baseModel;
  const modelField = modelKnown ? "model" : "baseModel";
  const modelShown = modelKnown
    ? JSON.stringify(model)
    : `${JSON.stringify(baseModel)} (the base model of the FineTuneJob whose model this endpoint serves)`;

  // An unchanged endpoint is priced from what the last check recorded: a preview of an unchanged stack makes
  // no API call, and the cap still applies (it may have changed).
  const known = priceFromOlds(olds, model, hardware, maxReplicas);
  if (known !== undefined && typeof maxReplicas === "number") {
    spec.hourlyPriceUsd = known;
    const price = priceRule({
      who,
      hardware,
      centsPerMinute: (known * 100) / 60 / maxReplicas,
      maxReplicas,
      maxHourlyPriceUsd: typeof spec.maxHourlyPriceUsd === "number" ? spec.maxHourlyPriceUsd : undefined,
    });
    return { inputs: spec, failures: price.failures };
  }

  // Missing or unusable configuration (no API key, a plain-http remote URL) fails the preview with its fix;
  // only the API call itself may fail softly below.
  const client = ctx.client();
  let offersRaw;
  try {
    offersRaw = await client.hardware.list(servedAs !== undefined ? { model: servedAs } : {});
  } catch (err) {
    if (servedAs !== undefined && isNotFound(err)) {
      const reason =
        `${who}: model = ${modelShown}: is not a model Together can serve on a dedicated endpoint ` +
        `(GET /hardware?model= answered 404). Fix: use a catalogue model (GET /models?dedicated=true) or a ` +
        `FineTuneJob's outputModelName`;
      return { inputs: spec, failures: [...failures, { property: modelField, reason }] };
    }
    if (isAuthError(err)) return { inputs: spec, failures: [...failures, authFailure(who, err)] };
    ctx.log.warn(
      `${who}: could not check hardware ${hardware} with the API (${errorText(err)}); create will check it`,
    );
    return { inputs: spec, failures };
  }
  const replacing = olds.model !== model || olds.hardware !== hardware;
  const hw = hardwareRule({
    who,
    hardware,
    model: servedAs,
    offers: toOffers(offersRaw),
    // An endpoint being adopted already holds its hardware.
    requireAvailable: servedAs !== undefined && replacing && spec.adoptEndpointId === undefined,
  });
  if (hw.offer === undefined) return { inputs: spec, failures: hw.failures };
  if (hw.offer.availability !== undefined && hw.offer.availability !== "available") {
    ctx.log.warn(`${who}: Together reports ${hardware} ${hw.offer.availability} for ${String(servedAs)}`);
  }
  if (typeof maxReplicas !== "number" || !Number.isFinite(hw.offer.centsPerMinute))
    return { inputs: spec, failures };

  const price = priceRule({
    who,
    hardware,
    centsPerMinute: hw.offer.centsPerMinute,
    maxReplicas,
    maxHourlyPriceUsd: typeof spec.maxHourlyPriceUsd === "number" ? spec.maxHourlyPriceUsd : undefined,
  });
  ctx.log.info(
    `${who}: ${hardware} costs ${formatUsd(hourlyPriceUsd(hw.offer.centsPerMinute, 1))} per replica, ` +
      `up to ${formatUsd(price.hourlyPriceUsd)} at ${maxReplicas} replica(s) while started`,
  );
  spec.hourlyPriceUsd = price.hourlyPriceUsd;
  return { inputs: spec, failures: price.failures };
}

/** The hourly price the previous check recorded, when model, hardware and max replicas are unchanged. */
function priceFromOlds(
  olds: Record<string, unknown>,
  model: unknown,
  hardware: unknown,
  maxReplicas: unknown,
): number | undefined {
  const oldMax = (olds.autoscaling as { maxReplicas?: unknown } | undefined)?.maxReplicas;
  const unchanged = olds.model === model && olds.hardware === hardware && oldMax === maxReplicas;
  return unchanged && typeof olds.hourlyPriceUsd === "number" ? olds.hourlyPriceUsd : undefined;
}
