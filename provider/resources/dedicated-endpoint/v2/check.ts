// Check on v2. The same user-facing inputs as v1 where the concepts match, resolved against the project's
// registry, the certified configs and the instance-type prices, and recorded under `v2` in the checked inputs
// so create and update need not look them up again.
//
// Preview and validateOnly: a v2 deployment can only be validated under an endpoint, and a new stack's endpoint
// does not exist at preview (creating one to validate against would spend nothing but leave an object behind
// every preview). So a new endpoint is checked locally from the registry, configs and instance types (model
// known, config certified for its base model, replicas ordered, price under the cap); once the endpoint exists
// (any later preview: an update) the deployment is also created with validateOnly=true under it, so Together's
// own verdict fails the preview.
import { isAuthError, isBadRequest, isNotFound, isTogetherError } from "../../../client";
import { authFailure } from "../../../shared/auth-failure";
import { checkWithSchema, failure } from "../../../shared/check";
import { containsUnknown, isUnknown, type CheckFailure, type ProviderContext } from "../../../shared/types";
import { formatUsd } from "../hardware";
import { priceRule, replicaFailures, subject } from "../rules";
import {
  type DedicatedEndpointSpec,
  dedicatedEndpointInputsSchema,
  KIND,
  normalizeInputs,
  type Placement,
} from "../schema";
import { headroomFailures, maxReplicaFailures, metricFailures, scaleToZeroFrom } from "./autoscaling";
import { logicalNameOf } from "../spec";
import { deploymentBody, PRIMARY, V2_NAME } from "./deployment";
import { exactHeadroom, placementShapeFailures, resolvePlacement } from "./placement";
import { nameTakenFailure } from "./name-taken";
import { v2Api, v2Of, type V2Record } from "./platform";
import { modelFailure, resolveHardware, resolveModel } from "./resolve";

/** Inputs that have no v2 counterpart: kept out rather than silently ignored. */
const V1_ONLY = ["adoptEndpointId", "availabilityZone", "disableSpeculativeDecoding"] as const;

export async function checkV2(
  projectId: string,
  news: Record<string, unknown>,
  ctx: ProviderContext,
  olds: Record<string, unknown> = {},
): Promise<{ inputs: Record<string, unknown>; failures: CheckFailure[] }> {
  const who = subject(logicalNameOf(news));
  const { v2: _previous, ...args } = news;
  const parsed = checkWithSchema(KIND, dedicatedEndpointInputsSchema, args);
  const autoscaling = containsUnknown(args.autoscaling)
    ? undefined
    : (args.autoscaling as { minReplicas?: number; maxReplicas?: number } | undefined);
  const failures = [
    ...parsed.failures,
    ...replicaFailures(who, autoscaling),
    ...maxReplicaFailures(
      who,
      typeof autoscaling?.maxReplicas === "number" ? autoscaling.maxReplicas : undefined,
    ),
  ];
  if (parsed.value !== undefined) {
    failures.push(...metricFailures(who, parsed.value.autoscaling?.scalingMetrics));
    failures.push(...placementShapeFailures(who, parsed.value.placement));
  }
  // Only a value the program gave (not the v1 default) maps onto v2's idle stop.
  const timeout = typeof args.inactiveTimeoutMinutes === "number" ? args.inactiveTimeoutMinutes : undefined;
  const idle = scaleToZeroFrom(who, timeout, parsed.value?.autoscaling?.scaleToZeroWindow);
  if (idle.failure !== undefined) failures.push(idle.failure);
  for (const key of V1_ONLY) {
    if (args[key] !== undefined && args[key] !== false)
      failures.push(
        failure(
          key,
          `${who}: ${key} = ${JSON.stringify(args[key])}: has no counterpart on Together's v2 platform, which ` +
            `serves this endpoint because together:projectId is set. Fix: remove ${key}, or unset ` +
            `together:projectId (and TOGETHER_PROJECT_ID) to stay on v1`,
        ),
      );
  }
  // Unknown values (a FineTuneJob not yet trained) leave the rest to create.
  if (parsed.value === undefined || failures.length > 0) return { inputs: args, failures };
  const normalized = normalizeInputs(parsed.value, logicalNameOf(args));
  if (idle.window !== undefined) normalized.autoscaling.scaleToZeroWindow = idle.window;
  const spec: Record<string, unknown> = { ...normalized };
  if (parsed.value.visibility !== undefined) spec.visibility = parsed.value.visibility;
  for (const [key, value] of Object.entries(args)) if (containsUnknown(value)) spec[key] = value;
  const name = spec.displayName as string;
  if (!isUnknown(name) && !V2_NAME.test(name)) {
    const reason =
      `${who}: displayName = ${JSON.stringify(name)}: is not a v2 endpoint name, allowed 1-63 lower-case ` +
      `letters, digits or "-", starting and ending with a letter or digit. Fix: rename it (or omit it for ` +
      `the default <project>-<stack>-<name>)`;
    return { inputs: spec, failures: [failure("displayName", reason)] };
  }
  try {
    // A rename of an endpoint already in this project: the new name must be free.
    if (
      v2Of(olds)?.projectId === projectId &&
      typeof olds.displayName === "string" &&
      olds.displayName !== name
    ) {
      const taken = await nameTakenFailure(v2Api(ctx), projectId, who, name);
      if (taken !== undefined) return { inputs: spec, failures: [taken] };
    }
    return await resolveAndPrice(projectId, spec, parsed.value.baseModel, who, ctx);
  } catch (err) {
    if (isAuthError(err)) return { inputs: spec, failures: [authFailure(who, err)] };
    throw err;
  }
}

async function resolveAndPrice(
  projectId: string,
  spec: Record<string, unknown>,
  baseModel: string | undefined,
  who: string,
  ctx: ProviderContext,
): Promise<{ inputs: Record<string, unknown>; failures: CheckFailure[] }> {
  const api = v2Api(ctx);
  const model = spec.model as string;
  const hardware = spec.hardware as string;
  const modelKnown = !isUnknown(model);
  const served = modelKnown ? model : baseModel;
  if (served === undefined || isUnknown(hardware)) return { inputs: spec, failures: [] };
  const field = modelKnown ? "model" : "baseModel";
  const resolved = await resolveModel(api, projectId, served);
  if (resolved === undefined || "adapter" in resolved) {
    const f = modelFailure(who, field, JSON.stringify(served), resolved?.adapter);
    return { inputs: spec, failures: [f] };
  }
  const hw = await resolveHardware(api, projectId, resolved.baseRef, hardware, who);
  if ("reason" in hw) return { inputs: spec, failures: [hw] };
  const where = await resolvePlacement(
    api,
    projectId,
    spec.placement as Placement | undefined,
    hw.instance,
    hardware,
    who,
  );
  if ("reason" in where) return { inputs: spec, failures: [where] };
  const record: V2Record = { projectId, config: hw.config, centsPerHour: hw.centsPerHour };
  if (typeof spec.visibility === "string") record.visibility = spec.visibility as V2Record["visibility"];
  if (where.placement !== undefined) record.placement = where.placement;
  if (spec.enableLora === true) record.enableLora = true;
  if (modelKnown) record.modelRef = resolved.modelRef;
  spec.v2 = record;

  const maxReplicas = (spec.autoscaling as { maxReplicas: number }).maxReplicas;
  const price = priceRule({
    who,
    hardware,
    centsPerMinute: hw.centsPerHour / 60,
    maxReplicas,
    maxHourlyPriceUsd: typeof spec.maxHourlyPriceUsd === "number" ? spec.maxHourlyPriceUsd : undefined,
  });
  spec.hourlyPriceUsd = price.hourlyPriceUsd;
  ctx.log.info(
    `${who}: v2 project ${projectId}: ${hardware} costs ${formatUsd(hw.centsPerHour / 100)} per replica, ` +
      `up to ${formatUsd(price.hourlyPriceUsd)} at ${maxReplicas} replica(s) while started`,
  );
  const { minReplicas } = spec.autoscaling as { minReplicas: number };
  const room = spec.state === "STOPPED" ? undefined : exactHeadroom(hw.instance, where.regions);
  const capacity = headroomFailures(who, minReplicas, hardware, where.regions, room);
  if (price.failures.length > 0 || capacity.length > 0 || record.modelRef === undefined)
    return { inputs: spec, failures: [...price.failures, ...capacity] };
  return { inputs: spec, failures: await validateUnderExisting(spec, record, who, ctx) };
}

/** Together's verdict on the deployment, when the endpoint already exists (see the note at the top). */
async function validateUnderExisting(
  spec: Record<string, unknown>,
  record: V2Record,
  who: string,
  ctx: ProviderContext,
): Promise<CheckFailure[]> {
  const api = v2Api(ctx);
  const [endpoint] = await api.listEndpoints(record.projectId, { name: spec.displayName as string });
  if (endpoint === undefined) return [];
  const body = deploymentBody(
    `${PRIMARY}-check`,
    record,
    spec.autoscaling as DedicatedEndpointSpec["autoscaling"],
  );
  try {
    await api.createDeployment(record.projectId, endpoint.id, body, { validateOnly: true });
    return [];
  } catch (err) {
    if (!(isBadRequest(err) || isNotFound(err)) || !isTogetherError(err)) throw err;
    return [
      failure(
        "model",
        `${who}: Together refused the deployment (validateOnly) of ${String(spec.model)} on ` +
          `${String(spec.hardware)} with ${JSON.stringify(spec.autoscaling)}: ${err.message}. Fix: change the ` +
          `input it names`,
      ),
    ];
  }
}
