// Dedicated endpoints (create, list, retrieve, update, delete) and the look-ups that feed them:
// hardware, models and availability zones.
import { randomBytes, randomUUID } from "node:crypto";
import {
  AVAILABILITY_ZONES,
  HARDWARE,
  OWNER,
  SERVERLESS_ONLY_MODELS,
  contextLength,
  hardwareFits,
  isCatalogModel,
  modelType,
  supportedModels,
  type HardwareSpec,
} from "../catalog";
import { endpointState, startingPhase } from "../endpoint-state";
import { badRequest, json, notFound, type Reply } from "../http";
import { jobStatus } from "../job-timeline";
import type { Route, RouteContext } from "../runtime";
import type { EmulatorStore, EndpointRecord } from "../store";

const DISPLAY_NAME = /^[A-Za-z0-9 ._-]{1,100}$/;
const MAX_REPLICAS = 64;
/** The catalogue is static, so its hardware and model timestamps are a fixed date. */
const CATALOG_UPDATED_AT = "2026-01-15T00:00:00.000Z";
const CATALOG_CREATED = 1_736_899_200;

/** Public serverless endpoints that a real account also sees in `GET /endpoints` (not `mine`). */
const SERVERLESS_ENDPOINTS = [
  {
    id: "endpoint-6a3b1d2c-0c45-4e0f-9a1d-5b7e2f3c4d01",
    name: "meta-llama/Llama-3.3-70B-Instruct-Turbo",
    model: "meta-llama/Llama-3.3-70B-Instruct-Turbo",
  },
  {
    id: "endpoint-1f2e3d4c-5b6a-4978-8a9b-0c1d2e3f4a02",
    name: "Qwen/Qwen2.5-7B-Instruct-Turbo",
    model: "Qwen/Qwen2.5-7B-Instruct-Turbo",
  },
].map((e) => ({
  object: "endpoint",
  ...e,
  type: "serverless",
  owner: "together",
  state: "STARTED",
  created_at: "2025-01-10T12:00:00.000Z",
}));

/** The base model behind a deployable model string: a catalogue model, or a completed job's output. */
export function deployableBase(store: EmulatorStore, model: string, now: number): string | undefined {
  if (isCatalogModel(model)) return model;
  const job = [...store.jobs.values()].find((j) => !j.deleted && j.outputName === model);
  return job && jobStatus(job, now) === "completed" ? job.model : undefined;
}

function availability(store: EmulatorStore, hw: HardwareSpec): string {
  return store.hardwareAvailability.get(hw.id) ?? "available";
}

function hardwareView(
  store: EmulatorStore,
  hw: HardwareSpec,
  withAvailability: boolean,
): Record<string, unknown> {
  return {
    object: "hardware",
    id: hw.id,
    pricing: { cents_per_minute: hw.centsPerMinute },
    specs: { gpu_type: hw.gpuType, gpu_link: hw.gpuLink, gpu_memory: hw.gpuMemory, gpu_count: hw.gpuCount },
    updated_at: CATALOG_UPDATED_AT,
    ...(withAvailability ? { availability: { status: availability(store, hw) } } : {}),
  };
}

export function endpointView(ep: EndpointRecord, now: number): Record<string, unknown> {
  return {
    object: "endpoint",
    id: ep.id,
    name: ep.name,
    display_name: ep.displayName,
    model: ep.model,
    hardware: ep.hardware,
    type: "dedicated",
    owner: OWNER,
    state: endpointState(ep, now),
    autoscaling: { ...ep.autoscaling },
    created_at: new Date(ep.createdAt).toISOString(),
  };
}

function listView(ep: EndpointRecord, now: number): Record<string, unknown> {
  const v = endpointView(ep, now);
  return {
    object: v.object,
    id: v.id,
    name: v.name,
    model: v.model,
    type: v.type,
    owner: v.owner,
    state: v.state,
    created_at: v.created_at,
  };
}

function parseAutoscaling(raw: unknown): { min_replicas: number; max_replicas: number } {
  const a = raw as { min_replicas?: unknown; max_replicas?: unknown } | null;
  const ok = (n: unknown): n is number => typeof n === "number" && Number.isInteger(n);
  if (typeof a !== "object" || a === null || !ok(a.min_replicas) || !ok(a.max_replicas)) {
    throw badRequest("autoscaling must give both min_replicas and max_replicas as integers", "autoscaling");
  }
  // min_replicas 0 lets an endpoint scale to zero between requests; at least one replica must be allowed.
  const valid = a.min_replicas >= 0 && a.max_replicas >= 1 && a.max_replicas >= a.min_replicas;
  if (!valid || a.max_replicas > MAX_REPLICAS) {
    throw badRequest(
      `autoscaling needs 0 <= min_replicas <= max_replicas, 1 <= max_replicas <= ${MAX_REPLICAS}, got ${a.min_replicas}..${a.max_replicas}`,
      "autoscaling",
    );
  }
  return { min_replicas: a.min_replicas, max_replicas: a.max_replicas };
}

function parseDisplayName(raw: unknown): string {
  if (typeof raw !== "string" || !DISPLAY_NAME.test(raw)) {
    throw badRequest(
      `display_name must be 1-100 characters of letters, digits, spaces, ".", "_" or "-", got ${JSON.stringify(raw)}`,
      "display_name",
    );
  }
  return raw;
}

function parseInactiveTimeout(raw: unknown): number | null {
  if (raw === null) return null;
  if (typeof raw !== "number" || !Number.isInteger(raw) || raw < 0) {
    throw badRequest(
      `inactive_timeout must be a non-negative integer (minutes, 0 disables) or null, got ${JSON.stringify(raw)}`,
      "inactive_timeout",
    );
  }
  return raw;
}

function parseDesiredState(raw: unknown): "STARTED" | "STOPPED" {
  if (raw !== "STARTED" && raw !== "STOPPED")
    throw badRequest(`state must be "STARTED" or "STOPPED", got ${JSON.stringify(raw)}`, "state");
  return raw;
}

function createEndpoint(ctx: RouteContext): Reply {
  const { store } = ctx.rt;
  const b = ctx.body;
  if (typeof b.model !== "string" || b.model === "") throw badRequest("model is required", "model");
  if (typeof b.hardware !== "string" || b.hardware === "")
    throw badRequest("hardware is required", "hardware");
  const base = deployableBase(store, b.model, ctx.now);
  if (!base) throw badRequest(`Model ${b.model} not found or not available for dedicated endpoints`, "model");
  const hw = HARDWARE.find((h) => h.id === b.hardware);
  if (!hw || !hardwareFits(hw, base)) {
    throw badRequest(
      `Hardware ${b.hardware} is not supported for model ${b.model}; check the hardware api (GET /v1/hardware?model=${b.model}) for the configurations it can run on`,
      "hardware",
    );
  }
  if (availability(store, hw) !== "available") {
    throw badRequest(
      `Hardware ${hw.id} is currently ${availability(store, hw)}; check the hardware api for available configurations`,
      "hardware",
    );
  }
  const autoscaling = parseAutoscaling(b.autoscaling);
  const displayName = b.display_name === undefined ? undefined : parseDisplayName(b.display_name);
  const state = b.state === undefined ? "STARTED" : parseDesiredState(b.state);
  const inactiveTimeout = b.inactive_timeout === undefined ? null : parseInactiveTimeout(b.inactive_timeout);
  if (b.availability_zone !== undefined && !AVAILABILITY_ZONES.includes(b.availability_zone as string)) {
    throw badRequest(
      `availability_zone must be one of ${AVAILABILITY_ZONES.join(", ")}`,
      "availability_zone",
    );
  }
  for (const k of ["disable_prompt_cache", "disable_speculative_decoding"]) {
    if (b[k] !== undefined && typeof b[k] !== "boolean") throw badRequest(`${k} must be a boolean`, k);
  }
  const id = `endpoint-${randomUUID()}`;
  const name = `${OWNER}/${b.model.split("/").pop() ?? b.model}-${randomBytes(4).toString("hex")}`;
  const ep: EndpointRecord = {
    id,
    name,
    displayName: displayName ?? name,
    model: b.model,
    hardware: hw.id,
    autoscaling,
    createdAt: ctx.now,
    inactiveTimeout,
    ...(typeof b.availability_zone === "string" ? { availabilityZone: b.availability_zone } : {}),
    phase:
      state === "STOPPED"
        ? { kind: "stopped", since: ctx.now }
        : startingPhase(ctx.now, store.endpointStartMs, true),
    deleted: false,
  };
  store.endpoints.set(id, ep);
  return json(endpointView(ep, ctx.now));
}

function liveEndpoint(ctx: RouteContext): EndpointRecord {
  const id = ctx.params[0] ?? "";
  const ep = ctx.rt.store.liveEndpoint(id);
  if (!ep) throw notFound(`Endpoint ${id} not found`, "endpointId");
  return ep;
}

function updateEndpoint(ctx: RouteContext): Reply {
  const ep = liveEndpoint(ctx);
  const b = ctx.body;
  // Validate everything before changing anything: a rejected PATCH leaves the endpoint untouched.
  const autoscaling = b.autoscaling === undefined ? undefined : parseAutoscaling(b.autoscaling);
  const displayName = b.display_name === undefined ? undefined : parseDisplayName(b.display_name);
  const inactiveTimeout =
    b.inactive_timeout === undefined ? undefined : parseInactiveTimeout(b.inactive_timeout);
  const desired = b.state === undefined ? undefined : parseDesiredState(b.state);
  if (autoscaling) ep.autoscaling = autoscaling;
  if (displayName !== undefined) ep.displayName = displayName;
  if (inactiveTimeout !== undefined) ep.inactiveTimeout = inactiveTimeout;
  const current = endpointState(ep, ctx.now);
  const { store } = ctx.rt;
  if (desired === "STOPPED" && (current === "PENDING" || current === "STARTING" || current === "STARTED")) {
    ep.phase = { kind: "stopping", since: ctx.now, stoppedAt: ctx.now + store.endpointStopMs };
  } else if (desired === "STOPPED" && current === "ERROR") {
    ep.phase = { kind: "stopped", since: ctx.now };
  } else if (
    desired === "STARTED" &&
    (current === "STOPPED" || current === "STOPPING" || current === "ERROR")
  ) {
    ep.phase = startingPhase(ctx.now, store.endpointStartMs, false);
  }
  return json(endpointView(ep, ctx.now));
}

export function endpointRoutes(): Route[] {
  return [
    { method: "POST", pattern: /^\/v1\/endpoints$/, body: "json", auth: true, handle: createEndpoint },
    {
      method: "GET",
      pattern: /^\/v1\/endpoints$/,
      body: "none",
      auth: true,
      handle: (ctx) => {
        const type = ctx.query.get("type");
        if (type !== null && type !== "dedicated" && type !== "serverless")
          throw badRequest('type must be "dedicated" or "serverless"', "type");
        const mine = ctx.query.get("mine") === "true";
        const own = [...ctx.rt.store.endpoints.values()]
          .filter((e) => !e.deleted)
          .map((e) => listView(e, ctx.now));
        const all = mine ? own : [...SERVERLESS_ENDPOINTS, ...own];
        return json({ object: "list", data: all.filter((e) => type === null || e.type === type) });
      },
    },
    {
      method: "GET",
      pattern: /^\/v1\/endpoints\/([^/]+)$/,
      body: "none",
      auth: true,
      handle: (ctx) => json(endpointView(liveEndpoint(ctx), ctx.now)),
    },
    {
      method: "PATCH",
      pattern: /^\/v1\/endpoints\/([^/]+)$/,
      body: "json",
      auth: true,
      handle: updateEndpoint,
    },
    {
      method: "DELETE",
      pattern: /^\/v1\/endpoints\/([^/]+)$/,
      body: "none",
      auth: true,
      handle: (ctx) => {
        liveEndpoint(ctx).deleted = true;
        return { status: 204 };
      },
    },
    {
      method: "GET",
      pattern: /^\/v1\/hardware$/,
      body: "none",
      auth: true,
      handle: (ctx) => {
        const { store } = ctx.rt;
        const model = ctx.query.get("model");
        if (model === null || model === "")
          return json({ object: "list", data: HARDWARE.map((h) => hardwareView(store, h, false)) });
        const base = deployableBase(store, model, ctx.now);
        if (!base) throw notFound(`Model ${model} not found`, "model");
        return json({
          object: "list",
          data: HARDWARE.filter((h) => hardwareFits(h, base)).map((h) => hardwareView(store, h, true)),
        });
      },
    },
    {
      method: "GET",
      pattern: /^\/v1\/models$/,
      body: "none",
      auth: true,
      handle: (ctx) => {
        const dedicatedOnly = ctx.query.get("dedicated") === "true";
        const catalog = supportedModels().map((id) =>
          modelInfo(id, id.split("/")[0] ?? "", modelType(id), contextLength(id, "sft")),
        );
        const tuned = [...ctx.rt.store.jobs.values()]
          .filter((j) => !j.deleted && jobStatus(j, ctx.now) === "completed")
          .map((j) => modelInfo(j.outputName, OWNER, modelType(j.model), contextLength(j.model, "sft")));
        const serverless = SERVERLESS_ONLY_MODELS.map((m) =>
          modelInfo(m.id, m.organization, m.type, m.context_length),
        );
        return json(dedicatedOnly ? [...catalog, ...tuned] : [...catalog, ...tuned, ...serverless]);
      },
    },
    {
      method: "GET",
      pattern: /^\/v1\/clusters\/availability-zones$/,
      body: "none",
      auth: true,
      handle: () => json({ avzones: AVAILABILITY_ZONES }),
    },
  ];
}

function modelInfo(
  id: string,
  organization: string,
  type: string,
  contextLength: number,
): Record<string, unknown> {
  return {
    id,
    object: "model",
    created: CATALOG_CREATED,
    type,
    display_name: id.split("/").pop() ?? id,
    organization,
    link: `https://huggingface.co/${id}`,
    license: "see model card",
    context_length: contextLength,
    pricing: { hourly: 0, input: 0, output: 0, base: 0, finetune: 0 },
  };
}
