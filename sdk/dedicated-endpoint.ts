import * as pulumi from "@pulumi/pulumi";
import { replaceOnChangesInput } from "../provider/shared/diff";
import { RESOURCE_MODULE, shells } from "../provider/shell";
import { defaultDisplayName } from "../provider/resources/dedicated-endpoint/naming";
import type { FineTuneJob } from "./fine-tune-job";
import { trainedFrom } from "./links";

/** Replica bounds of a {@link DedicatedEndpoint}. Changing them updates the endpoint in place. */
export interface DedicatedEndpointAutoscaling {
  /** Fewest replicas kept running (0 or more). Default: `1`. Updates in place. */
  minReplicas?: pulumi.Input<number> | undefined;
  /** Most replicas Together may scale to (1 or more, at least `minReplicas`); the hourly price is
   *  computed at this bound. Default: `minReplicas` (at least 1). Updates in place. */
  maxReplicas?: pulumi.Input<number> | undefined;
  /** v2 only: how long a higher replica recommendation must hold before scaling up, a duration such as `"30s"`
   *  or `"5m"`. Default: Together's. Updates in place. */
  scaleUpWindow?: pulumi.Input<string> | undefined;
  /** v2 only: how long a lower replica recommendation must hold before scaling down (`"5m"`). Default:
   *  Together's (`5m`). Updates in place. */
  scaleDownWindow?: pulumi.Input<string> | undefined;
  /** v2 only: idle period after which the deployment stops and releases its replicas (`"30m"`). Default:
   *  none, or `inactiveTimeoutMinutes` when that is given (not both). Updates in place. */
  scaleToZeroWindow?: pulumi.Input<string> | undefined;
  /** v2 only: what drives the replica count. Default: Together's (in-flight requests per replica). Updates in
   *  place. */
  scalingMetrics?: pulumi.Input<pulumi.Input<DedicatedEndpointScalingMetric>[]> | undefined;
}

/** One autoscaling metric and its target (v2 only). */
export interface DedicatedEndpointScalingMetric {
  name: pulumi.Input<
    | "active_sessions"
    | "cache_hit_rate"
    | "decoding_speed"
    | "e2e_latency"
    | "gpu_utilization"
    | "inflight_requests"
    | "throughput_per_replica"
    | "token_utilization"
    | "ttft"
  >;
  /** Per `type`: an absolute value, a utilization percentage (0–100), or a per-replica average. */
  target: pulumi.Input<number>;
  type: pulumi.Input<
    "METRIC_TARGET_TYPE_VALUE" | "METRIC_TARGET_TYPE_UTILIZATION" | "METRIC_TARGET_TYPE_AVERAGE_VALUE"
  >;
  /** Latency metrics (`e2e_latency`, `ttft`) only: the percentile to hold at `target`. */
  percentile?: pulumi.Input<"p50" | "p90" | "p95" | "p99"> | undefined;
}

/** Where a v2 deployment may run: inline `regions`/`constraint`/`hipaa`, or a saved placement `profile` (uid),
 *  not both. */
export interface DedicatedEndpointPlacement {
  /** Regions allowed (several spread replicas best-effort). Default: wherever the hardware is offered. */
  regions?: pulumi.Input<pulumi.Input<string>[]> | undefined;
  /** Whether `regions` is a requirement (default) or a preference. */
  constraint?: pulumi.Input<"ENFORCEMENT_REQUIRED" | "ENFORCEMENT_PREFERRED"> | undefined;
  /** Only HIPAA-attested clusters. */
  hipaa?: pulumi.Input<boolean> | undefined;
  /** UID of a saved placement profile of the project; preview checks it exists. */
  profile?: pulumi.Input<string> | undefined;
}

/** Arguments of a {@link DedicatedEndpoint}. `model`, `hardware`, `availabilityZone` and
 *  `disableSpeculativeDecoding` **replace** the endpoint (the new one is started before the old one
 *  is deleted); every other field updates in place. */
export interface DedicatedEndpointArgs {
  /**
   * Model to serve: a catalogue model (`Qwen/Qwen3-8B`), or a fine-tuned model: a {@link FineTuneJob}
   * or its `outputModelName`. Given the job (or that output), preview checks the hardware, its
   * availability and the hourly price against the job's base model while the trained model does not
   * exist yet; given any other unknown value, those checks wait for `up`. Required. Changing it
   * **replaces** the endpoint.
   */
  model: pulumi.Input<string> | FineTuneJob;
  /**
   * Hardware configuration id, `<gpu count>x_<vendor>_<gpu>_<memory>_<link>`, e.g.
   * `1x_nvidia_h100_80gb_sxm`. It must be offered and available for the model (`GET
   * /hardware?model=`); otherwise preview fails listing the valid ids with their hourly price.
   * Required. Changing it **replaces** the endpoint.
   */
  hardware: pulumi.Input<string>;
  /** Replica bounds. Default: `{ minReplicas: 1, maxReplicas: 1 }`. Updates in place. */
  autoscaling?: pulumi.Input<DedicatedEndpointAutoscaling> | undefined;
  /**
   * Name shown in Together's console: 1–100 letters, digits, spaces, `.`, `_` or `-`. Default:
   * `<project>-<stack>-<resource name>` lower-cased to `[a-z0-9-]`, at most 60 characters, with an
   * 8-hex hash appended whenever that mapping had to change or cut anything, so per-branch stacks never
   * collide. Updates in place.
   */
  displayName?: pulumi.Input<string> | undefined;
  /**
   * `STARTED` (serving, billed per minute) or `STOPPED` (not billed). Default: `STARTED`. Updates in
   * place (start or stop). An endpoint stopped by its own inactivity timeout is left stopped by later
   * runs (see `liveState`); one stopped or started by hand is put back to this state.
   */
  state?: pulumi.Input<"STARTED" | "STOPPED"> | undefined;
  /**
   * Minutes without requests after which Together stops the endpoint (billing stops); `0` disables
   * auto-stop. Always sent explicitly. Default: `60` (Together's documented default). Updates in place.
   * On v2 a given value becomes `autoscaling.scaleToZeroWindow` (unset: no idle stop; both: preview fails).
   */
  inactiveTimeoutMinutes?: pulumi.Input<number> | undefined;
  /** Turn speculative decoding off. Default: `false`. Changing it **replaces** the endpoint. */
  disableSpeculativeDecoding?: pulumi.Input<boolean> | undefined;
  /** Availability zone to deploy in (e.g. `us-central-4b`). Default: Together chooses. Changing it
   *  **replaces** the endpoint. */
  availabilityZone?: pulumi.Input<string> | undefined;
  /** Wait until the endpoint reaches `state` before create/update returns. Default: `true`. With
   *  `false`, create returns once Together accepted the request. Updates in place (no API call). */
  waitForReady?: pulumi.Input<boolean> | undefined;
  /**
   * How long to wait for the endpoint to reach `state`, in minutes (1–1440). Default: `60`. On timeout
   * the endpoint stays in the stack and the next `up` resumes the wait. Pulumi's `customTimeouts` do not
   * reach dynamic providers; this does. Updates in place (no API call).
   */
  timeoutMinutes?: pulumi.Input<number> | undefined;
  /**
   * Upper bound on the hourly price in US dollars (hardware price × 60 × `maxReplicas`). Preview fails
   * when the configuration would cost more. Default: no cap. Updates in place (no API call).
   */
  maxHourlyPriceUsd?: pulumi.Input<number> | undefined;
  /**
   * v2 only (needs `together:projectId`): who may call the endpoint, `VISIBILITY_PRIVATE` (the project,
   * the default) or `VISIBILITY_INTERNAL` (the organization). Without a project, preview fails naming
   * the fix. Updates in place.
   */
  visibility?: pulumi.Input<"VISIBILITY_PRIVATE" | "VISIBILITY_INTERNAL"> | undefined;
  /**
   * v2 only: where the deployment is scheduled. Preview checks a profile exists and that required regions
   * offer the hardware. Fixed at a deployment's creation, so a change rolls out a new deployment behind the
   * same endpoint and name (no downtime). Without a project, preview fails naming the fix.
   */
  placement?: pulumi.Input<DedicatedEndpointPlacement> | undefined;
  /**
   * v2 only: the deployment can load LoRA adapters dynamically (Together's adapters API loads them; this
   * resource serves the base or merged model). Default: `false`. A change rolls out a new deployment behind
   * the same endpoint, like `placement`.
   */
  enableLora?: pulumi.Input<boolean> | undefined;
  /**
   * Bring an existing endpoint (`endpoint-…`) under management instead of creating one: its model and
   * hardware must match, then display name, replicas, state and inactive timeout are brought to these
   * arguments, and `destroy` deletes it. Pointing it at a different endpoint **replaces**; removing it
   * changes nothing. Default: none (create).
   */
  adoptEndpointId?: pulumi.Input<string> | undefined;
}

/**
 * A Together dedicated endpoint serving one model on reserved hardware. It bills per minute while
 * started, used or not: preview shows its hourly price (and fails above `maxHourlyPriceUsd`), `up`
 * waits until it reaches the declared state, and `destroy` stops and deletes it and confirms it is gone.
 */
export class DedicatedEndpoint extends pulumi.dynamic.Resource {
  /** Together endpoint id (`endpoint-…`); also the resource id. */
  declare readonly endpointId: pulumi.Output<string>;
  /** The string clients pass as `model` in inference calls (e.g. `user/Qwen3-8B-1a2b3c4d`). */
  declare readonly name: pulumi.Output<string>;
  /** The declared state once reached (or left auto-stopped, see `liveState`); the observed state
   *  while the endpoint has not converged (`STARTING` after a timed-out wait, `ERROR`). */
  declare readonly state: pulumi.Output<string>;
  /** The state Together reported at the last up or refresh: `PENDING`, `STARTING`, `STARTED`,
   *  `STOPPING`, `STOPPED` or `ERROR`. `STOPPED` under `state: "STARTED"` means auto-stopped. */
  declare readonly liveState: pulumi.Output<string>;
  /** US dollars per hour at `maxReplicas`: hardware cents per minute × 60 × `maxReplicas` / 100. */
  declare readonly hourlyPriceUsd: pulumi.Output<number>;
  /** When Together created the endpoint, ISO-8601 (UTC). */
  declare readonly createdAt: pulumi.Output<string>;
  /** Model served. */
  declare readonly model: pulumi.Output<string>;
  /** Hardware configuration id. */
  declare readonly hardware: pulumi.Output<string>;
  /** Replica bounds as last applied or observed. */
  declare readonly autoscaling: pulumi.Output<{
    minReplicas: number;
    maxReplicas: number;
    scaleUpWindow?: string;
    scaleDownWindow?: string;
    scaleToZeroWindow?: string;
    scalingMetrics?: { name: string; target: number; type: string; percentile?: string }[];
  }>;
  /** Display name as last applied or observed. */
  declare readonly displayName: pulumi.Output<string>;
  /** Inactivity auto-stop in minutes (0 = off), as last applied (Together never returns it). */
  declare readonly inactiveTimeoutMinutes: pulumi.Output<number>;
  /** Whether speculative decoding is off, as applied (Together never returns it). */
  declare readonly disableSpeculativeDecoding: pulumi.Output<boolean>;
  /** Availability zone as requested, if any (Together never returns it). */
  declare readonly availabilityZone: pulumi.Output<string | undefined>;
  /** Whether create/update wait for the declared state. */
  declare readonly waitForReady: pulumi.Output<boolean>;
  /** Wait limit in minutes. */
  declare readonly timeoutMinutes: pulumi.Output<number>;
  /** The hourly price cap in US dollars, if any. */
  declare readonly maxHourlyPriceUsd: pulumi.Output<number | undefined>;
  /** `adoptEndpointId` as given, if any. */
  declare readonly adoptEndpointId: pulumi.Output<string | undefined>;
  /** v2 only: the deployment serving the endpoint (empty on v1). */
  declare readonly deploymentId: pulumi.Output<string | undefined>;
  /** The endpoint's visibility on v2 (undefined on v1). */
  declare readonly visibility: pulumi.Output<string | undefined>;
  /** The deployment's placement as declared (v2; undefined otherwise). */
  declare readonly placement: pulumi.Output<pulumi.Unwrap<DedicatedEndpointPlacement> | undefined>;
  /** Whether the deployment loads LoRA adapters, as declared (v2; undefined otherwise). */
  declare readonly enableLora: pulumi.Output<boolean | undefined>;
  /** The Pulumi resource name, used in the provider's messages. */
  declare readonly logicalName: pulumi.Output<string>;
  /** Version of this resource's state layout. */
  declare readonly schemaVersion: pulumi.Output<number>;

  constructor(name: string, args: DedicatedEndpointArgs, opts?: pulumi.CustomResourceOptions) {
    // JavaScript callers may pass nothing; check() then names every missing argument.
    args = args ?? ({} as DedicatedEndpointArgs);
    const displayName = args.displayName ?? defaultDisplayName(pulumi.getProject(), pulumi.getStack(), name);
    // A FineTuneJob stands for its output model; its base model goes along so preview can check the
    // hardware and the price before the job has trained anything.
    const model = pulumi.CustomResource.isInstance(args.model) ? args.model.outputModelName : args.model;
    const baseModel = trainedFrom(args.model);
    super(
      shells.DedicatedEndpoint,
      name,
      {
        endpointId: undefined,
        name: undefined,
        state: undefined,
        liveState: undefined,
        hourlyPriceUsd: undefined,
        createdAt: undefined,
        autoscaling: undefined,
        inactiveTimeoutMinutes: undefined,
        disableSpeculativeDecoding: undefined,
        availabilityZone: undefined,
        waitForReady: undefined,
        timeoutMinutes: undefined,
        maxHourlyPriceUsd: undefined,
        adoptEndpointId: undefined,
        deploymentId: undefined,
        visibility: undefined,
        placement: undefined,
        enableLora: undefined,
        schemaVersion: undefined,
        ...args,
        model,
        ...(baseModel === undefined ? {} : { baseModel }),
        displayName,
        logicalName: name,
        // Whose objects these are on Together, so an interrupted create is recovered from any machine and never
        // from another stack's (provider/shared/owner.ts).
        pulumiProject: pulumi.getProject(),
        pulumiStack: pulumi.getStack(),
        // replaceOnChanges reaches the engine as an option, but only the provider can apply it (see diff.ts).
        ...replaceOnChangesInput(opts),
      },
      opts,
      RESOURCE_MODULE,
      "DedicatedEndpoint",
    );
  }
}
