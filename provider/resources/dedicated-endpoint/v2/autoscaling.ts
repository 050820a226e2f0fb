// The v2 deployment's autoscaling beyond replica bounds: stabilization windows, the idle period before it stops,
// and the metrics that drive it. Check rules the schema cannot say, how inactiveTimeoutMinutes maps onto v2,
// and comparing what Together reports with the declaration (it answers durations in seconds: "5m" is "300s").
import type { WireV2Autoscaling, WireV2Deployment } from "../../../client/wire/endpoints-v2";
import { failure } from "../../../shared/check";
import type { CheckFailure } from "../../../shared/types";
import { DURATION, type DedicatedEndpointSpec, V2_AUTOSCALING_FIELDS } from "../schema";

/** Metrics measured as a latency distribution: the only ones a percentile applies to. */
export const LATENCY_METRICS = ["e2e_latency", "ttft"] as const;
/** Together's replica bound per deployment (the API's 400 above it, on v1 as on v2). No v2 API exposes a
 *  per-project quota; per-region headroom of the hardware is checked separately (headroomFailures). */
export const MAX_REPLICAS = 64;

type Autoscaling = DedicatedEndpointSpec["autoscaling"];
type Metric = NonNullable<Autoscaling["scalingMetrics"]>[number];
/** As Together reports it (fields may be absent or null). */
type LiveAutoscaling = WireV2Deployment["autoscaling"];

/** Cross-field rules on scaling metrics: a percentile only for latency metrics, utilization within 0-100. */
export function metricFailures(who: string, metrics: readonly Metric[] | undefined): CheckFailure[] {
  const out: CheckFailure[] = [];
  (metrics ?? []).forEach((m, i) => {
    const at = `autoscaling.scalingMetrics[${i}]`;
    const latency = (LATENCY_METRICS as readonly string[]).includes(m.name);
    if (m.percentile !== undefined && !latency)
      out.push(
        failure(
          `${at}.percentile`,
          `${who}: ${at}.percentile = ${JSON.stringify(m.percentile)}: applies only to latency metrics, allowed ` +
            `with name ${LATENCY_METRICS.join(" or ")} (this one is ${m.name}). Fix: remove percentile, or use a ` +
            `latency metric`,
        ),
      );
    if (m.type === "METRIC_TARGET_TYPE_UTILIZATION" && m.target > 100)
      out.push(
        failure(
          `${at}.target`,
          `${who}: ${at}.target = ${m.target}: is a utilization percentage, allowed 0 to 100. Fix: give the ` +
            `percentage (e.g. 70), or use type METRIC_TARGET_TYPE_VALUE for an absolute target`,
        ),
      );
  });
  return out;
}

/** At most MAX_REPLICAS (checked before any API call). */
export function maxReplicaFailures(who: string, maxReplicas: number | undefined): CheckFailure[] {
  if (maxReplicas === undefined || maxReplicas <= MAX_REPLICAS) return [];
  return [
    failure(
      "autoscaling.maxReplicas",
      `${who}: autoscaling.maxReplicas = ${maxReplicas}: is above Together's bound of ${MAX_REPLICAS} replicas ` +
        `per deployment, allowed 1 to ${MAX_REPLICAS}. Fix: lower it, or serve the load from larger hardware`,
    ),
  ];
}

/** minReplicas no more than the hardware's free capacity in the allowed regions, when Together states it
 *  exactly (a headroom of "at least N" cannot fail anything). */
export function headroomFailures(
  who: string,
  minReplicas: number,
  hardware: string,
  regions: string[],
  exact: number | undefined,
): CheckFailure[] {
  if (exact === undefined || minReplicas <= exact) return [];
  return [
    failure(
      "autoscaling.minReplicas",
      `${who}: autoscaling.minReplicas = ${minReplicas}: Together has room for only ${exact} more replica(s) of ` +
        `${hardware} in ${regions.join(", ")} now, allowed 0 to ${exact}. Fix: lower minReplicas, choose other ` +
        `hardware, or allow other regions (placement)`,
    ),
  ];
}

/**
 * inactiveTimeoutMinutes (v1's idle auto-stop) means v2's scaleToZeroWindow: the idle period after which the
 * deployment stops and releases its replicas. Given explicitly (> 0) it becomes the window; 0 means none.
 * Left unset it maps to nothing: v1's default of 60 is v1's, and v2's default is not to stop. Both given is
 * ambiguous, so it fails rather than pick one.
 */
export function scaleToZeroFrom(
  who: string,
  inactiveTimeoutMinutes: number | undefined,
  scaleToZeroWindow: string | undefined,
): { window?: string; failure?: CheckFailure } {
  if (inactiveTimeoutMinutes === undefined)
    return scaleToZeroWindow === undefined ? {} : { window: scaleToZeroWindow };
  if (scaleToZeroWindow !== undefined)
    return {
      failure: failure(
        "autoscaling.scaleToZeroWindow",
        `${who}: autoscaling.scaleToZeroWindow = ${JSON.stringify(scaleToZeroWindow)}: inactiveTimeoutMinutes ` +
          `(${inactiveTimeoutMinutes}) says the same on v2 (the idle period before the deployment stops), allowed ` +
          `only one of them. Fix: remove inactiveTimeoutMinutes or autoscaling.scaleToZeroWindow`,
      ),
    };
  return inactiveTimeoutMinutes > 0 ? { window: `${inactiveTimeoutMinutes}m` } : {};
}

/** Seconds in a duration ("1h30m" -> 5400); undefined when it is not one. */
export function durationSeconds(d: string | undefined): number | undefined {
  if (d === undefined || !DURATION.test(d)) return undefined;
  let s = 0;
  for (const m of d.matchAll(/([0-9]+(?:\.[0-9]+)?)(h|m|s)/g))
    s += Number(m[1]) * (m[2] === "h" ? 3600 : m[2] === "m" ? 60 : 1);
  return s;
}

/** The autoscaling body: what the declaration sets (Together defaults the rest). */
export function wireAutoscaling(a: Autoscaling): WireV2Autoscaling {
  const out: WireV2Autoscaling = { minReplicas: a.minReplicas, maxReplicas: a.maxReplicas };
  for (const k of ["scaleUpWindow", "scaleDownWindow", "scaleToZeroWindow"] as const)
    if (a[k] !== undefined) out[k] = a[k];
  if (a.scalingMetrics !== undefined) out.scalingMetrics = a.scalingMetrics.map((m) => ({ ...m }));
  return out;
}

/** Every autoscaling path an update names, so a setting removed from the declaration is cleared on Together
 *  (an update without a mask keeps what it does not mention). */
export const AUTOSCALING_MASK = ["minReplicas", "maxReplicas", ...V2_AUTOSCALING_FIELDS]
  .map((k) => `autoscaling.${k}`)
  .join(",");

const sameMetrics = (a: readonly Metric[] | undefined, b: LiveAutoscaling["scalingMetrics"]): boolean =>
  JSON.stringify((a ?? []).map(metricKey)) === JSON.stringify((b ?? []).map(metricKey));
const metricKey = (m: {
  name: string;
  target: number;
  type: string;
  percentile?: string | null | undefined;
}) => [m.name, m.target, m.type, m.percentile ?? ""];

/**
 * The declaration where Together reports the same (durations compared in seconds, so "5m" stays "5m"), and
 * Together's value where it differs: a change by hand is drift the next `up` restores. Windows the declaration
 * leaves unset are Together's defaults and not compared.
 */
export function observedSettings(declared: Autoscaling, live: LiveAutoscaling): Partial<Autoscaling> {
  const out: Partial<Autoscaling> = {};
  for (const k of ["scaleUpWindow", "scaleDownWindow", "scaleToZeroWindow"] as const) {
    const want = declared[k];
    if (want === undefined) {
      // Unset is "Together's default" except the idle stop, whose default is none: one set by hand is drift.
      const set = live[k];
      if (k === "scaleToZeroWindow" && typeof set === "string" && set !== "") out[k] = set;
      continue;
    }
    const got = live[k] ?? undefined;
    out[k] = durationSeconds(want) === durationSeconds(got) ? want : (got ?? "");
  }
  const liveMetrics = live.scalingMetrics ?? [];
  if (declared.scalingMetrics !== undefined && sameMetrics(declared.scalingMetrics, liveMetrics))
    out.scalingMetrics = declared.scalingMetrics;
  else if (declared.scalingMetrics !== undefined || liveMetrics.length > 0)
    out.scalingMetrics = liveMetrics as Metric[];
  return out;
}

/** Whether the deployment's autoscaling settings (beyond the replica bounds) differ from the declaration. */
export function settingsDiffer(declared: Autoscaling, live: LiveAutoscaling): boolean {
  const seen = observedSettings(declared, live);
  return V2_AUTOSCALING_FIELDS.some(
    (k) => JSON.stringify(seen[k] ?? null) !== JSON.stringify(declared[k] ?? null),
  );
}
