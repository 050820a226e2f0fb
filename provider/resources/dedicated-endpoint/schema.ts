// DedicatedEndpoint inputs (zod), the normalized spec the lifecycle works with, the outputs shape and
// the replace-vs-update table.
import { z } from "zod";
import type { DiffTable } from "../../shared/diff";

export const KIND = "DedicatedEndpoint";

/** States a program may declare. */
export const DESIRED_STATES = ["STARTED", "STOPPED"] as const;
export type DesiredState = (typeof DESIRED_STATES)[number];

/** Together's endpoint state enum (plus `FAILED`, which the legacy Python SDK also accepts). */
export type LiveState = "PENDING" | "STARTING" | "STARTED" | "STOPPING" | "STOPPED" | "ERROR" | "FAILED";

export const HARDWARE_ID = /^[1-9][0-9]*x_[a-z0-9]+(_[a-z0-9]+)+$/;
export const DISPLAY_NAME = /^[A-Za-z0-9 ._-]{1,100}$/;
export const ENDPOINT_ID = /^endpoint-[A-Za-z0-9-]+$/;
const AVAILABILITY_ZONE = /^[a-z0-9][a-z0-9-]*$/;

export const DEFAULT_INACTIVE_TIMEOUT_MINUTES = 60;
export const DEFAULT_TIMEOUT_MINUTES = 60;
export const MAX_TIMEOUT_MINUTES = 1440;

/** A string matching `re`, explained in plain words (checkWithSchema shows a message with a Fix verbatim). */
function matching(re: RegExp, message: string) {
  return z.string().refine((v) => re.test(v), { message });
}

/** Together's autoscaling metric allowlist and target types (together-ai's DeploymentAutoscaling). */
export const SCALING_METRIC_NAMES = [
  "active_sessions",
  "cache_hit_rate",
  "decoding_speed",
  "e2e_latency",
  "gpu_utilization",
  "inflight_requests",
  "throughput_per_replica",
  "token_utilization",
  "ttft",
] as const;
export const METRIC_TARGET_TYPES = [
  "METRIC_TARGET_TYPE_VALUE",
  "METRIC_TARGET_TYPE_UTILIZATION",
  "METRIC_TARGET_TYPE_AVERAGE_VALUE",
] as const;
export const PERCENTILES = ["p50", "p90", "p95", "p99"] as const;
/** A protobuf JSON duration as Together's docs write them: "300s", "5m", "1h30m". */
export const DURATION = /^([0-9]+(\.[0-9]+)?(h|m|s))+$/;

const duration = matching(
  DURATION,
  'is not a duration, allowed a number with a unit h, m or s, such as "30s", "5m" or "1h30m". Fix: write it ' +
    "with a unit",
).optional();

export const scalingMetricSchema = z.strictObject({
  name: z.enum(SCALING_METRIC_NAMES),
  target: z.number().min(0),
  type: z.enum(METRIC_TARGET_TYPES),
  percentile: z.enum(PERCENTILES).optional(),
});
export type ScalingMetric = z.output<typeof scalingMetricSchema>;

export const autoscalingSchema = z.strictObject({
  minReplicas: z.number().int().min(0).optional(),
  maxReplicas: z.number().int().min(1).optional(),
  /** v2 only: the autoscaler's stabilization windows and the idle period before stopping. */
  scaleUpWindow: duration,
  scaleDownWindow: duration,
  scaleToZeroWindow: duration,
  /** v2 only: what drives replica recommendations (Together's default: in-flight requests per replica). */
  scalingMetrics: z.array(scalingMetricSchema).min(1).optional(),
});

/** The autoscaling fields only v2 has (v1's check refuses them, naming the fix). */
export const V2_AUTOSCALING_FIELDS = [
  "scaleUpWindow",
  "scaleDownWindow",
  "scaleToZeroWindow",
  "scalingMetrics",
] as const;

export const PLACEMENT_CONSTRAINTS = ["ENFORCEMENT_REQUIRED", "ENFORCEMENT_PREFERRED"] as const;

/** v2 only: where the deployment may be scheduled, inline or as a saved placement profile (by uid). One flat
 *  object rather than the wire's `{inline: {...}} | {profile}` union, so a diff names the field that changed;
 *  check refuses `profile` beside the inline fields. */
export const placementSchema = z.strictObject({
  regions: z.array(z.string().min(1)).min(1).optional(),
  constraint: z.enum(PLACEMENT_CONSTRAINTS).optional(),
  hipaa: z.boolean().optional(),
  profile: z.string().min(1).optional(),
});
export type Placement = z.output<typeof placementSchema>;

/** What the SDK sends (after its own defaulting of `displayName`). Strict: a misspelled argument (say
 *  `maxHourlyPriceUSD`) fails the check instead of silently dropping a cap. */
export const dedicatedEndpointInputsSchema = z.strictObject({
  // Not arguments: the serialized shell (stripped by the runtime) and the price a previous check recorded,
  // both present when create/update re-parse checked inputs.
  __provider: z.string().optional(),
  hourlyPriceUsd: z.number().optional(),
  logicalName: z.string().optional(),
  /** `pulumi.getProject()` and `pulumi.getStack()`: whose endpoint it is (see shared/owner.ts). */
  pulumiProject: z.string().optional(),
  pulumiStack: z.string().optional(),
  model: z.string().min(1),
  /** Set by the SDK when `model` is a FineTuneJob's output: the model it trains, so preview can check
   *  hardware and price before the trained model exists. */
  baseModel: z.string().optional(),
  hardware: matching(
    HARDWARE_ID,
    "is not a hardware id, allowed <gpu count>x_<vendor>_<gpu>_<memory>_<link> such as 1x_nvidia_h100_80gb_sxm. " +
      "Fix: pick an id from GET /hardware?model=<your model>",
  ),
  autoscaling: autoscalingSchema.optional(),
  displayName: matching(
    DISPLAY_NAME,
    'is not a valid display name, allowed 1-100 letters, digits, spaces, ".", "_" or "-". ' +
      "Fix: shorten it or replace the other characters (or omit it for the default <project>-<stack>-<name>)",
  ),
  state: z.enum(DESIRED_STATES).optional(),
  inactiveTimeoutMinutes: z.number().int().min(0).optional(),
  disableSpeculativeDecoding: z.boolean().optional(),
  availabilityZone: matching(
    AVAILABILITY_ZONE,
    "is not an availability zone name, allowed lower-case letters, digits and dashes such as us-central-4b. " +
      "Fix: pick one from GET /clusters/availability-zones, or omit it",
  ).optional(),
  waitForReady: z.boolean().optional(),
  timeoutMinutes: z.number().int().min(1).max(MAX_TIMEOUT_MINUTES).optional(),
  maxHourlyPriceUsd: z.number().positive().optional(),
  /** v2 only (see v2/): the endpoint's visibility; v1 has no such setting, and its check refuses it. */
  visibility: z.enum(["VISIBILITY_PRIVATE", "VISIBILITY_INTERNAL"]).optional(),
  /** v2 only: where the deployment runs; set at the deployment's creation. */
  placement: placementSchema.optional(),
  /** v2 only: the deployment can load LoRA adapters dynamically; set at the deployment's creation. */
  enableLora: z.boolean().optional(),
  adoptEndpointId: matching(
    ENDPOINT_ID,
    'is not an endpoint id, allowed "endpoint-" followed by letters, digits and dashes. ' +
      "Fix: copy the id from the Together console or GET /endpoints",
  ).optional(),
});

export type DedicatedEndpointInputs = z.input<typeof dedicatedEndpointInputsSchema>;

/** Inputs with every default applied: what check returns, and what create/update/diff see. */
export interface DedicatedEndpointSpec {
  logicalName: string;
  model: string;
  hardware: string;
  autoscaling: {
    minReplicas: number;
    maxReplicas: number;
    scaleUpWindow?: string;
    scaleDownWindow?: string;
    scaleToZeroWindow?: string;
    scalingMetrics?: ScalingMetric[];
  };
  displayName: string;
  state: DesiredState;
  inactiveTimeoutMinutes: number;
  disableSpeculativeDecoding: boolean;
  availabilityZone?: string;
  waitForReady: boolean;
  timeoutMinutes: number;
  maxHourlyPriceUsd?: number;
  adoptEndpointId?: string;
  /** v2 only (check refuses them on v1). */
  placement?: Placement;
  enableLora?: boolean;
  /** Computed by check when the hardware price is known; create looks it up otherwise. */
  hourlyPriceUsd?: number;
}

export interface DedicatedEndpointOutputs extends Omit<DedicatedEndpointSpec, "state" | "hourlyPriceUsd"> {
  endpointId: string;
  /** Inference model string (`model` in chat/completions calls). */
  name: string;
  /** The declared state once reached or tolerated (see the drift policy in lifecycle.ts); the observed
   *  state while the endpoint has not converged (a resumed wait, a drift, an error). */
  state: DesiredState | LiveState;
  /** The state Together reported at the last create/update/refresh. */
  liveState: LiveState;
  hourlyPriceUsd: number;
  createdAt: string;
  schemaVersion: number;
}

/** Fields absent here are ignored by diff: `logicalName`, `hourlyPriceUsd` (derived), outputs, and
 *  `adoptEndpointId` (handled in diff: only a change to a *different* endpoint id replaces). */
export const diffTable: DiffTable = {
  model: "replace",
  hardware: "replace",
  availabilityZone: "replace",
  disableSpeculativeDecoding: "replace",
  autoscaling: "update",
  displayName: "update",
  state: "update",
  inactiveTimeoutMinutes: "update",
  waitForReady: "update",
  timeoutMinutes: "update",
  maxHourlyPriceUsd: "update",
  visibility: "update",
  // v2 only. A deployment's placement and LoRA support are fixed at its creation, but the endpoint is not: a
  // change rolls out a new deployment behind the same endpoint and name (v2/rollout.ts), so it is an update.
  placement: "update",
  enableLora: "update",
};

/** Apply defaults to schema-valid inputs. */
export function normalizeInputs(
  v: z.output<typeof dedicatedEndpointInputsSchema>,
  logicalName: string,
): DedicatedEndpointSpec {
  const minReplicas = v.autoscaling?.minReplicas ?? 1;
  const autoscaling: DedicatedEndpointSpec["autoscaling"] = {
    minReplicas,
    maxReplicas: v.autoscaling?.maxReplicas ?? Math.max(minReplicas, 1),
  };
  for (const key of V2_AUTOSCALING_FIELDS) {
    const value = v.autoscaling?.[key];
    if (value !== undefined) (autoscaling as Record<string, unknown>)[key] = value;
  }
  const spec: DedicatedEndpointSpec = {
    logicalName,
    model: v.model,
    hardware: v.hardware,
    autoscaling,
    displayName: v.displayName,
    state: v.state ?? "STARTED",
    inactiveTimeoutMinutes: v.inactiveTimeoutMinutes ?? DEFAULT_INACTIVE_TIMEOUT_MINUTES,
    disableSpeculativeDecoding: v.disableSpeculativeDecoding ?? false,
    waitForReady: v.waitForReady ?? true,
    timeoutMinutes: v.timeoutMinutes ?? DEFAULT_TIMEOUT_MINUTES,
  };
  if (v.availabilityZone !== undefined) spec.availabilityZone = v.availabilityZone;
  if (v.maxHourlyPriceUsd !== undefined) spec.maxHourlyPriceUsd = v.maxHourlyPriceUsd;
  if (v.adoptEndpointId !== undefined) spec.adoptEndpointId = v.adoptEndpointId;
  if (v.placement !== undefined) spec.placement = v.placement;
  if (v.enableLora !== undefined) spec.enableLora = v.enableLora;
  return spec;
}
