// v2 dedicated endpoints (`/v2/projects/{projectId}/endpoints`) and their deployments: a stable,
// inference-addressable endpoint routes traffic among deployments, each serving a registry model with a
// certified config (its hardware) and autoscaling. Writes honour etags and updateMask; a deployment create
// with `validateOnly=true` runs every check and creates nothing.
import { randomBytes } from "node:crypto";
import { json, type Reply } from "../http";
import type { Route, RouteContext } from "../runtime";
import type { HardwareAvailabilityStatus } from "../types";
import {
  PLACEMENT_PROFILES,
  REGIONS,
  configResource,
  configs,
  modelResource,
  type ConfigRevision,
} from "../v2-catalog";
import {
  deploymentState,
  desiredReplicas,
  phaseAfterAutoscaling,
  provisioningPhase,
  readyReplicas,
  statusMessage,
} from "../v2-deployment-state";
import {
  GRPC,
  V2Error,
  bareName,
  checkEtag,
  etagOf,
  invalid,
  missing,
  onlyFields,
  page,
  parseDuration,
  updatePaths,
  v2Route,
} from "../v2-http";
import type { Autoscaling, DeploymentRecord, TrafficEntry, V2EndpointRecord, V2Store } from "../v2-store";
import { ownProject, resolveModel } from "./v2-registry";

const MAX_REPLICAS = 64;
const VISIBILITIES = ["VISIBILITY_PRIVATE", "VISIBILITY_INTERNAL"] as const;
const METRICS = [
  "active_sessions",
  "cache_hit_rate",
  "decoding_speed",
  "e2e_latency",
  "gpu_utilization",
  "inflight_requests",
  "throughput_per_replica",
  "token_utilization",
  "ttft",
];
const LATENCY_METRICS = ["e2e_latency", "ttft"];
const METRIC_TYPES = [
  "METRIC_TARGET_TYPE_VALUE",
  "METRIC_TARGET_TYPE_UTILIZATION",
  "METRIC_TARGET_TYPE_AVERAGE_VALUE",
];
const AUTOSCALING_FIELDS = [
  "minReplicas",
  "maxReplicas",
  "scaleDownWindow",
  "scaleUpWindow",
  "scaleToZeroWindow",
  "scalingMetrics",
];
const DEFAULT_SCALE_DOWN_WINDOW = "300s";

const iso = (ms: number): string => new Date(ms).toISOString();
const newId = (prefix: string): string => `${prefix}_${randomBytes(12).toString("hex")}`;
const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

type Availability = (hardwareId: string) => HardwareAvailabilityStatus;

function trafficShare(store: V2Store, ep: V2EndpointRecord, d: DeploymentRecord, now: number): number {
  const capacity = (e: TrafficEntry): number => {
    const dep = store.liveDeployment(ep.id, e.deploymentId);
    return dep ? e.weight * readyReplicas(dep, now) : 0;
  };
  const total = ep.trafficSplit.reduce((sum, e) => sum + capacity(e), 0);
  const mine = ep.trafficSplit.find((e) => e.deploymentId === d.id);
  return total > 0 && mine ? capacity(mine) / total : 0;
}

function autoscalingView(a: Autoscaling): Record<string, unknown> {
  return Object.fromEntries(Object.entries(a).filter(([, v]) => v !== undefined));
}

function deploymentModel(d: DeploymentRecord): string {
  return modelResource(d.model.project, d.model.id, d.model.revisionId);
}

function summaryView(store: V2Store, ep: V2EndpointRecord, d: DeploymentRecord, now: number) {
  return {
    id: d.id,
    autoscaling: autoscalingView(d.autoscaling),
    createdAt: iso(d.createdAt),
    estimatedEffectiveTrafficShare: trafficShare(store, ep, d, now),
    model: deploymentModel(d),
    modelId: d.model.id,
    name: `${store.project.slug}/${ep.name}/${d.name}`,
    state: deploymentState(d, now),
    trafficMode: "TRAFFIC_MODE_LIVE",
    desiredReplicas: desiredReplicas(d, now),
    hardware: d.config.instanceType.name,
    readyReplicas: readyReplicas(d, now),
  };
}

export function v2EndpointView(store: V2Store, ep: V2EndpointRecord, now: number): Record<string, unknown> {
  return {
    id: ep.id,
    createdAt: iso(ep.createdAt),
    updatedAt: iso(ep.updatedAt),
    deployments: store.deploymentsOf(ep.id).map((d) => summaryView(store, ep, d, now)),
    endpointType: "ENDPOINT_TYPE_DEDICATED",
    etag: etagOf(ep.id, ep.version),
    name: `${store.project.slug}/${ep.name}`,
    projectId: store.project.id,
    trafficSplit: ep.trafficSplit.map((e) => ({ ...e })),
    visibility: ep.visibility,
  };
}

export function deploymentView(
  store: V2Store,
  ep: V2EndpointRecord,
  d: DeploymentRecord,
  now: number,
): Record<string, unknown> {
  const scheduled = deploymentState(d, now) === "DEPLOYMENT_STATE_PROVISIONING" ? 0 : desiredReplicas(d, now);
  return {
    id: d.id,
    autoscaling: autoscalingView(d.autoscaling),
    config: configResource(d.config),
    configId: d.config.id,
    createdAt: iso(d.createdAt),
    updatedAt: iso(d.updatedAt),
    endpointId: ep.id,
    etag: d.id === "" ? "" : etagOf(d.id, d.version),
    hardware: d.config.instanceType.name,
    model: deploymentModel(d),
    modelId: d.model.id,
    modelRevisionId: d.model.revisionId,
    name: `${store.project.slug}/${ep.name}/${d.name}`,
    projectId: store.project.id,
    status: {
      state: deploymentState(d, now),
      message: statusMessage(d, now),
      readyReplicas: readyReplicas(d, now),
      scheduledReplicas: scheduled,
    },
    trafficMode: "TRAFFIC_MODE_LIVE",
    desiredReplicas: desiredReplicas(d, now),
    enableLora: d.enableLora,
    estimatedEffectiveTrafficShare: trafficShare(store, ep, d, now),
    ...(d.placement !== undefined ? { placement: d.placement } : {}),
    runtimeInfo: {
      engineType: "vllm",
      engineVersion: "0.11.0",
      functionCallingSupported: true,
      structuredOutputSupported: true,
    },
  };
}

/**
 * `current` is the deployment's autoscaling on an update: fields the body leaves out keep their value, except
 * those `cleared` names (the update mask's `autoscaling.<field>` paths: a named field absent from the body is
 * reset to its default, as a field mask means).
 */
function parseAutoscaling(
  raw: unknown,
  current?: Autoscaling,
  cleared: ReadonlySet<string> = new Set(),
): Autoscaling {
  if (!isObject(raw)) throw invalid("autoscaling must be an object", "autoscaling");
  onlyFields(raw, AUTOSCALING_FIELDS, "autoscaling");
  const count = (k: "minReplicas" | "maxReplicas", fallback: number): number => {
    const v = raw[k];
    if (v === undefined || v === null) return fallback;
    if (typeof v !== "number" || !Number.isInteger(v) || v < 0)
      throw invalid(
        `autoscaling.${k} must be a non-negative integer, got ${JSON.stringify(v)}`,
        `autoscaling.${k}`,
      );
    return v;
  };
  const minReplicas = count("minReplicas", current?.minReplicas ?? 0);
  const maxReplicas = count("maxReplicas", current?.maxReplicas ?? minReplicas);
  if (maxReplicas < minReplicas || maxReplicas > MAX_REPLICAS)
    throw invalid(
      `autoscaling needs 0 <= minReplicas <= maxReplicas <= ${MAX_REPLICAS}, got ${minReplicas}..${maxReplicas}`,
      "autoscaling.maxReplicas",
    );
  const window = (k: "scaleDownWindow" | "scaleUpWindow" | "scaleToZeroWindow"): string | undefined =>
    raw[k] === undefined || raw[k] === null
      ? cleared.has(k)
        ? undefined
        : current?.[k]
      : parseDuration(raw[k], `autoscaling.${k}`);
  const out: Autoscaling = {
    minReplicas,
    maxReplicas,
    scaleDownWindow: window("scaleDownWindow") ?? DEFAULT_SCALE_DOWN_WINDOW,
  };
  const up = window("scaleUpWindow");
  const zero = window("scaleToZeroWindow");
  if (up !== undefined) out.scaleUpWindow = up;
  if (zero !== undefined) out.scaleToZeroWindow = zero;
  const metrics =
    raw.scalingMetrics === undefined
      ? cleared.has("scalingMetrics")
        ? undefined
        : current?.scalingMetrics
      : parseMetrics(raw.scalingMetrics);
  if (metrics !== undefined) out.scalingMetrics = metrics;
  return out;
}

/** The `<field>.<sub>` paths of the update mask, as the set of `<sub>`s. */
function maskedSubfields(query: URLSearchParams, field: string): Set<string> {
  const mask = query.get("updateMask") ?? "";
  return new Set(
    mask
      .split(",")
      .map((p) => p.trim())
      .filter((p) => p.startsWith(`${field}.`))
      .map((p) => p.slice(field.length + 1)),
  );
}

function parseMetrics(raw: unknown): Record<string, unknown>[] {
  if (!Array.isArray(raw))
    throw invalid("autoscaling.scalingMetrics must be a list", "autoscaling.scalingMetrics");
  return raw.map((m: unknown, i) => {
    const at = `autoscaling.scalingMetrics[${i}]`;
    if (!isObject(m)) throw invalid(`${at} must be an object`, at);
    onlyFields(m, ["name", "target", "type", "percentile"], at);
    if (typeof m.name !== "string" || !METRICS.includes(m.name))
      throw invalid(
        `${at}.name must be one of ${METRICS.join(", ")}, got ${JSON.stringify(m.name)}`,
        `${at}.name`,
      );
    if (typeof m.type !== "string" || !METRIC_TYPES.includes(m.type))
      throw invalid(
        `${at}.type must be one of ${METRIC_TYPES.join(", ")}, got ${JSON.stringify(m.type)}`,
        `${at}.type`,
      );
    const max = m.type === "METRIC_TARGET_TYPE_UTILIZATION" ? 100 : Infinity;
    if (typeof m.target !== "number" || !(m.target >= 0) || m.target > max)
      throw invalid(
        `${at}.target must be a number from 0 to ${max}, got ${JSON.stringify(m.target)}`,
        `${at}.target`,
      );
    if (m.percentile !== undefined && !["p50", "p90", "p95", "p99"].includes(m.percentile as string))
      throw invalid(`${at}.percentile must be p50, p90, p95 or p99`, `${at}.percentile`);
    if (m.percentile !== undefined && !LATENCY_METRICS.includes(m.name))
      throw invalid(
        `${at}.percentile applies only to latency metrics (${LATENCY_METRICS.join(", ")}), not ${m.name}`,
        `${at}.percentile`,
      );
    return { ...m };
  });
}

function parseConfig(raw: unknown, field: string): ConfigRevision {
  if (typeof raw !== "string" || raw === "") throw invalid("config is required", "config");
  const m = /^projects\/[^/]+\/configs\/([^/]+)$/.exec(raw);
  const id = m ? m[1]! : raw;
  const c = configs().get(id);
  if (!c) throw missing(`config ${raw} not found`, field);
  return c;
}

/** The regions a placement allows for the config's hardware; fails when none can run it. */
function placementRegions(
  raw: unknown,
  c: ConfigRevision,
): { placement?: Record<string, unknown>; regions: string[] } {
  const offered = [...c.instanceType.regions];
  if (raw === undefined || raw === null) return { regions: offered };
  if (!isObject(raw)) throw invalid("placement must be an object", "placement");
  onlyFields(raw, ["inline", "profile"], "placement");
  let wanted: string[];
  let required = true;
  if (raw.profile !== undefined) {
    const p = PLACEMENT_PROFILES.find((x) => x.id === raw.profile);
    if (!p) throw missing(`placement profile ${JSON.stringify(raw.profile)} not found`, "placement.profile");
    wanted = p.preferredRegions;
  } else if (isObject(raw.inline)) {
    const inline = raw.inline;
    onlyFields(inline, ["regions", "constraint", "compliancePolicy"], "placement.inline");
    const regions = inline.regions ?? [];
    if (!Array.isArray(regions) || regions.some((r) => !REGIONS.includes(r as (typeof REGIONS)[number])))
      throw invalid(
        `placement.inline.regions must list regions from ${REGIONS.join(", ")}`,
        "placement.inline.regions",
      );
    if (
      inline.constraint !== undefined &&
      inline.constraint !== "ENFORCEMENT_REQUIRED" &&
      inline.constraint !== "ENFORCEMENT_PREFERRED"
    )
      throw invalid(
        "placement.inline.constraint must be ENFORCEMENT_REQUIRED or ENFORCEMENT_PREFERRED",
        "placement.inline.constraint",
      );
    const policy = inline.compliancePolicy;
    if (policy !== undefined) {
      if (!isObject(policy))
        throw invalid("placement.inline.compliancePolicy must be an object", "placement");
      onlyFields(policy, ["hipaa"], "placement.inline.compliancePolicy");
      if (policy.hipaa !== undefined && typeof policy.hipaa !== "boolean")
        throw invalid("placement.inline.compliancePolicy.hipaa must be a boolean", "placement");
    }
    required = inline.constraint !== "ENFORCEMENT_PREFERRED";
    wanted = regions.length > 0 ? (regions as string[]) : offered;
  } else throw invalid("placement needs either inline or profile", "placement");
  const regions = wanted.filter((r) => offered.includes(r));
  if (regions.length === 0 && required)
    throw new V2Error(
      GRPC.FAILED_PRECONDITION,
      `hardware ${c.instanceType.name} is not offered in ${wanted.join(", ")}; it runs in ${offered.join(", ")}`,
      "placement",
    );
  return { placement: { ...raw }, regions: regions.length > 0 ? regions : offered };
}

function liveEndpoint(store: V2Store, ctx: RouteContext): V2EndpointRecord {
  ownProject(store, ctx);
  const id = ctx.params[1] ?? "";
  const ep = store.liveEndpoint(id);
  if (!ep) throw missing(`endpoint ${id} not found in project ${store.project.id}`);
  return ep;
}

function liveDeployment(store: V2Store, ctx: RouteContext): [V2EndpointRecord, DeploymentRecord] {
  const ep = liveEndpoint(store, ctx);
  const id = ctx.params[2] ?? "";
  const d = store.liveDeployment(ep.id, id);
  if (!d) throw missing(`deployment ${id} not found under endpoint ${ep.id}`);
  return [ep, d];
}

function touch(o: { version: number; updatedAt: number }, now: number): void {
  o.version += 1;
  o.updatedAt = now;
}

function parseTrafficSplit(store: V2Store, ep: V2EndpointRecord, raw: unknown): TrafficEntry[] {
  if (!Array.isArray(raw)) throw invalid("trafficSplit must be a list", "trafficSplit");
  const seen = new Set<string>();
  return raw.map((e: unknown, i) => {
    const at = `trafficSplit[${i}]`;
    if (!isObject(e)) throw invalid(`${at} must be an object`, at);
    onlyFields(e, ["deploymentId", "weight"], at);
    const id = e.deploymentId;
    if (typeof id !== "string" || !store.liveDeployment(ep.id, id))
      throw invalid(
        `${at}.deploymentId ${JSON.stringify(id)} is not a deployment of endpoint ${ep.id}`,
        `${at}.deploymentId`,
      );
    if (seen.has(id)) throw invalid(`${at}.deploymentId ${id} is listed twice`, `${at}.deploymentId`);
    seen.add(id);
    const w = e.weight ?? 0;
    if (typeof w !== "number" || !Number.isFinite(w) || w < 0)
      throw invalid(
        `${at}.weight must be a non-negative finite number, got ${JSON.stringify(e.weight)}`,
        `${at}.weight`,
      );
    return { deploymentId: id, weight: w };
  });
}

/** `name = "x"` (bare or qualified), the one filter this emulator understands. */
function nameFilter(
  store: V2Store,
  query: URLSearchParams,
  prefix: string,
): ((name: string) => boolean) | undefined {
  const f = query.get("filter");
  if (f === null || f.trim() === "") return undefined;
  const m = /^\s*name\s*=\s*"([^"]*)"\s*$/.exec(f);
  if (!m)
    throw invalid(`the emulator understands only filter=name="<name>", got ${JSON.stringify(f)}`, "filter");
  const want = m[1]!.startsWith(`${store.project.slug}/`) ? m[1]! : `${prefix}${m[1]}`;
  return (name) => name === want;
}

function createEndpoint(store: V2Store, ctx: RouteContext): Reply {
  ownProject(store, ctx);
  const b = ctx.body;
  onlyFields(b, ["name", "visibility"], "the endpoint");
  const name = bareName(b.name, store.project.slug, "name");
  const visibility = b.visibility ?? "VISIBILITY_PRIVATE";
  if (!VISIBILITIES.includes(visibility as (typeof VISIBILITIES)[number]))
    throw invalid(`visibility must be ${VISIBILITIES.join(" or ")}`, "visibility");
  if ([...store.endpoints.values()].some((e) => !e.deleted && e.name === name))
    throw new V2Error(GRPC.ALREADY_EXISTS, `endpoint "${store.project.slug}/${name}" already exists`, "name");
  const ep: V2EndpointRecord = {
    id: newId("ep"),
    name,
    visibility: visibility as V2EndpointRecord["visibility"],
    trafficSplit: [],
    createdAt: ctx.now,
    updatedAt: ctx.now,
    version: 1,
    deleted: false,
  };
  store.endpoints.set(ep.id, ep);
  return json(v2EndpointView(store, ep, ctx.now));
}

function updateEndpoint(store: V2Store, ctx: RouteContext): Reply {
  const ep = liveEndpoint(store, ctx);
  const b = ctx.body;
  onlyFields(b, ["etag", "name", "trafficSplit", "visibility"], "the endpoint update");
  const paths = updatePaths(ctx.query, b, ["name", "trafficSplit", "visibility"]);
  checkEtag(b.etag, etagOf(ep.id, ep.version), `endpoint ${ep.id}`);
  // Validate everything before changing anything: a rejected update leaves the endpoint untouched.
  const name = paths.has("name") ? bareName(b.name, store.project.slug, "name") : ep.name;
  if (name !== ep.name && [...store.endpoints.values()].some((e) => !e.deleted && e.name === name))
    throw new V2Error(GRPC.ALREADY_EXISTS, `endpoint "${store.project.slug}/${name}" already exists`, "name");
  const split = paths.has("trafficSplit")
    ? parseTrafficSplit(store, ep, b.trafficSplit ?? [])
    : ep.trafficSplit;
  const visibility = paths.has("visibility") ? b.visibility : ep.visibility;
  if (!VISIBILITIES.includes(visibility as (typeof VISIBILITIES)[number]))
    throw invalid(`visibility must be ${VISIBILITIES.join(" or ")}`, "visibility");
  ep.name = name;
  ep.trafficSplit = split;
  ep.visibility = visibility as V2EndpointRecord["visibility"];
  touch(ep, ctx.now);
  return json(v2EndpointView(store, ep, ctx.now));
}

function deleteEndpoint(store: V2Store, ctx: RouteContext): Reply {
  const ep = liveEndpoint(store, ctx);
  checkEtag(ctx.query.get("etag") ?? undefined, etagOf(ep.id, ep.version), `endpoint ${ep.id}`);
  const left = store.deploymentsOf(ep.id);
  if (left.length > 0)
    throw new V2Error(
      GRPC.FAILED_PRECONDITION,
      `endpoint ${ep.id} still has ${left.length} deployment(s) (${left.map((d) => d.id).join(", ")}); delete its deployments first`,
    );
  ep.deleted = true;
  return json({});
}

function createDeployment(store: V2Store, availability: Availability, ctx: RouteContext): Reply {
  const ep = liveEndpoint(store, ctx);
  const b = ctx.body;
  onlyFields(
    b,
    [
      "name",
      "autoscaling",
      "config",
      "configId",
      "enableLora",
      "model",
      "modelId",
      "modelRevisionId",
      "placement",
    ],
    "the deployment",
  );
  const validateOnly = ctx.query.get("validateOnly") === "true";
  const name = bareName(b.name, `${store.project.slug}/${ep.name}`, "name");
  if (store.deploymentsOf(ep.id).some((d) => d.name === name))
    throw new V2Error(
      GRPC.ALREADY_EXISTS,
      `deployment "${name}" already exists under endpoint ${ep.id}`,
      "name",
    );
  const rawModel = b.model ?? b.modelId;
  if (typeof rawModel !== "string" || rawModel === "") throw invalid("model is required", "model");
  let model = resolveModel(store, rawModel, ctx.now, "model");
  if (b.model === undefined && b.modelRevisionId !== undefined) {
    if (typeof b.modelRevisionId !== "string")
      throw invalid("modelRevisionId must be a string", "modelRevisionId");
    model = resolveModel(
      store,
      modelResource(model.project, model.id, b.modelRevisionId),
      ctx.now,
      "modelRevisionId",
    );
  }
  if (model.adapter)
    throw new V2Error(
      GRPC.FAILED_PRECONDITION,
      `model ${model.name} is a LoRA adapter; deploy its base model ${model.baseModel} with enableLora: true and load the adapter onto it`,
      "model",
    );
  const config = parseConfig(b.config ?? b.configId, b.config !== undefined ? "config" : "configId");
  if (config.model !== model.baseModel)
    throw new V2Error(
      GRPC.FAILED_PRECONDITION,
      `config ${config.id} is certified for ${config.model}, not for ${model.name}${model.baseModel !== model.name ? ` (based on ${model.baseModel})` : ""}; list compatible configs with GET /v2/projects/${store.project.id}/configs?referenceModel=${modelResource(model.project, model.id)}`,
      "config",
    );
  if (b.autoscaling === undefined) throw invalid("autoscaling is required", "autoscaling");
  const autoscaling = parseAutoscaling(b.autoscaling);
  if (b.enableLora !== undefined && typeof b.enableLora !== "boolean")
    throw invalid("enableLora must be a boolean", "enableLora");
  const { placement, regions } = placementRegions(b.placement, config);
  const d: DeploymentRecord = {
    id: validateOnly ? "" : newId("dep"),
    endpointId: ep.id,
    name,
    model,
    config,
    autoscaling,
    enableLora: b.enableLora === true,
    ...(placement !== undefined ? { placement } : {}),
    regions,
    createdAt: ctx.now,
    updatedAt: ctx.now,
    version: 1,
    phase: { kind: "stopped", since: ctx.now },
    deleted: false,
  };
  if (autoscaling.maxReplicas > 0) d.phase = provisioningPhase(store, d, availability, ctx.now);
  if (!validateOnly) store.deployments.set(d.id, d);
  return json(deploymentView(store, ep, d, ctx.now));
}

function updateDeployment(store: V2Store, availability: Availability, ctx: RouteContext): Reply {
  const [ep, d] = liveDeployment(store, ctx);
  const b = ctx.body;
  onlyFields(b, ["autoscaling", "etag", "name"], "the deployment update");
  const paths = updatePaths(ctx.query, b, ["autoscaling", "name"]);
  checkEtag(b.etag, etagOf(d.id, d.version), `deployment ${d.id}`);
  const name = paths.has("name") ? bareName(b.name, `${store.project.slug}/${ep.name}`, "name") : d.name;
  if (name !== d.name && store.deploymentsOf(ep.id).some((x) => x.name === name))
    throw new V2Error(
      GRPC.ALREADY_EXISTS,
      `deployment "${name}" already exists under endpoint ${ep.id}`,
      "name",
    );
  const autoscaling = paths.has("autoscaling")
    ? parseAutoscaling(b.autoscaling ?? {}, d.autoscaling, maskedSubfields(ctx.query, "autoscaling"))
    : d.autoscaling;
  const old = d.autoscaling;
  d.name = name;
  d.autoscaling = autoscaling;
  d.phase = phaseAfterAutoscaling(store, d, old, availability, ctx.now);
  touch(d, ctx.now);
  return json(deploymentView(store, ep, d, ctx.now));
}

function deleteDeployment(store: V2Store, ctx: RouteContext): Reply {
  const [ep, d] = liveDeployment(store, ctx);
  checkEtag(ctx.query.get("etag") ?? undefined, etagOf(d.id, d.version), `deployment ${d.id}`);
  if (ep.trafficSplit.some((e) => e.deploymentId === d.id && e.weight > 0))
    throw new V2Error(
      GRPC.FAILED_PRECONDITION,
      `deployment ${d.id} still receives live traffic; remove it from endpoint ${ep.id}'s trafficSplit first`,
    );
  d.deleted = true;
  if (ep.trafficSplit.some((e) => e.deploymentId === d.id)) {
    ep.trafficSplit = ep.trafficSplit.filter((e) => e.deploymentId !== d.id);
    touch(ep, ctx.now);
  }
  return json({});
}

function orderBy<T extends { createdAt: number; updatedAt: number }>(
  items: T[],
  query: URLSearchParams,
): T[] {
  const raw = query.get("orderBy");
  if (raw === null || raw === "") return items;
  const m = /^\s*(created_at|updated_at)(?:\s+(asc|desc))?\s*$/.exec(raw);
  if (!m) throw invalid(`orderBy must be created_at or updated_at, optionally with asc or desc`, "orderBy");
  const key = m[1] === "created_at" ? "createdAt" : "updatedAt";
  const sign = m[2] === "desc" ? -1 : 1;
  return [...items].sort((a, b) => sign * (a[key] - b[key]));
}

export function v2EndpointRoutes(store: V2Store, availability: Availability): Route[] {
  const endpoints = /^\/v2\/projects\/([^/]+)\/endpoints$/;
  const endpoint = /^\/v2\/projects\/([^/]+)\/endpoints\/([^/]+)$/;
  const deployments = /^\/v2\/projects\/([^/]+)\/endpoints\/([^/]+)\/deployments$/;
  const deployment = /^\/v2\/projects\/([^/]+)\/endpoints\/([^/]+)\/deployments\/([^/]+)$/;
  return [
    v2Route("POST", endpoints, (ctx) => createEndpoint(store, ctx)),
    v2Route("GET", endpoints, (ctx) => {
      ownProject(store, ctx);
      const match = nameFilter(store, ctx.query, `${store.project.slug}/`);
      const live = [...store.endpoints.values()].filter((e) => !e.deleted);
      const views = orderBy(live, ctx.query)
        .map((e) => v2EndpointView(store, e, ctx.now))
        .filter((v) => !match || match(String(v.name)));
      return page(views, ctx.query);
    }),
    v2Route("GET", endpoint, (ctx) => json(v2EndpointView(store, liveEndpoint(store, ctx), ctx.now))),
    v2Route("PATCH", endpoint, (ctx) => updateEndpoint(store, ctx)),
    v2Route("DELETE", endpoint, (ctx) => deleteEndpoint(store, ctx)),
    v2Route("POST", deployments, (ctx) => createDeployment(store, availability, ctx)),
    v2Route("GET", deployments, (ctx) => {
      const ep = liveEndpoint(store, ctx);
      const match = nameFilter(store, ctx.query, `${store.project.slug}/${ep.name}/`);
      const views = orderBy(store.deploymentsOf(ep.id), ctx.query)
        .map((d) => deploymentView(store, ep, d, ctx.now))
        .filter((v) => !match || match(String(v.name)));
      return page(views, ctx.query);
    }),
    v2Route("GET", deployment, (ctx) => {
      const [ep, d] = liveDeployment(store, ctx);
      return json(deploymentView(store, ep, d, ctx.now));
    }),
    v2Route("PATCH", deployment, (ctx) => updateDeployment(store, availability, ctx)),
    v2Route("DELETE", deployment, (ctx) => deleteDeployment(store, ctx)),
  ];
}
