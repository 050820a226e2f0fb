// The look-ups a v2 deployment is built from: who the API key is (`GET /v1/whoami`), the project's model
// registry (the models completed fine-tunes produce) and Together's public models, the certified config
// revisions (which carry the hardware), the hardware instance types with their per-replica prices, and
// placement profiles.
import { json } from "../http";
import type { Route, RouteContext } from "../runtime";
import {
  INSTANCE_TYPES,
  PLACEMENT_PROFILES,
  PUBLIC_PROJECT_ID,
  configView,
  configs,
  modelResource,
  publicModelById,
  publicModelId,
  publicModelView,
  publicRevisionId,
  supportedModelView,
  type InstanceType,
} from "../v2-catalog";
import { GRPC, V2Error, invalid, missing, page, v2Route } from "../v2-http";
import type { ModelRef, RegistryModel, V2Store } from "../v2-store";
import { isCatalogModel, supportedModels } from "../catalog";

const PROJECT = "([^/]+)";

/** The request's project must be the API key's own (or, for reads of public objects, Together's). */
export function ownProject(store: V2Store, ctx: RouteContext, allowPublic = false): string {
  const p = ctx.params[0] ?? "";
  if (p === store.project.id || (allowPublic && p === PUBLIC_PROJECT_ID)) return p;
  throw new V2Error(
    GRPC.PERMISSION_DENIED,
    `the API key belongs to project ${store.project.id} and cannot act on project ${p}`,
  );
}

function registryView(store: V2Store, m: RegistryModel): Record<string, unknown> {
  return {
    id: m.id,
    name: m.name,
    organizationId: store.project.organizationId,
    projectId: m.project,
    visibility: "VISIBILITY_PRIVATE",
    weights: { type: m.adapter ? "WEIGHTS_TYPE_ADAPTER" : "WEIGHTS_TYPE_DEFAULT" },
    baseModel: modelResource(PUBLIC_PROJECT_ID, publicModelId(m.baseModel)),
    baseModelId: publicModelId(m.baseModel),
    description: `Fine-tuned from ${m.baseModel} by job ${m.jobId}`,
  };
}

function publicRef(model: string): ModelRef {
  return {
    project: PUBLIC_PROJECT_ID,
    id: publicModelId(model),
    revisionId: publicRevisionId(model),
    name: model,
    baseModel: model,
    adapter: false,
  };
}

/** A model resource (`projects/{p}/models/{m}[/revisions/{r}]`) or a bare model id, as the registry knows it. */
export function resolveModel(store: V2Store, raw: string, now: number, field: string): ModelRef {
  const m = /^projects\/([^/]+)\/models\/([^/]+)(?:\/revisions\/([^/]+))?$/.exec(raw);
  const bare = /^[A-Za-z0-9_-]+$/.test(raw);
  if (!m && !bare)
    throw invalid(
      `${field} must be a model resource name "projects/{projectId}/models/{modelId}[/revisions/{revisionId}]", got ${JSON.stringify(raw)}`,
      field,
    );
  const [project, id, revision] = m ? [m[1]!, m[2]!, m[3]] : [undefined, raw, undefined];
  let ref: ModelRef | undefined;
  if (project === undefined || project === store.project.id)
    ref = store.registry(now).find((r) => r.id === id);
  if (!ref && (project === undefined || project === PUBLIC_PROJECT_ID)) {
    const name = publicModelById(id);
    if (name) ref = publicRef(name);
  }
  if (!ref) {
    if (project !== undefined && project !== store.project.id && project !== PUBLIC_PROJECT_ID)
      throw new V2Error(
        GRPC.PERMISSION_DENIED,
        `model ${raw} belongs to project ${project}, not yours`,
        field,
      );
    throw missing(`model ${raw} not found in project ${store.project.id} or Together's public models`, field);
  }
  if (revision !== undefined && revision !== "latest" && revision !== ref.revisionId)
    throw missing(`model ${ref.name} has no revision ${revision} (current: ${ref.revisionId})`, field);
  return ref;
}

function instanceTypeView(store: V2Store, it: InstanceType, availability: (id: string) => string) {
  const status = availability(it.hardwareId);
  return {
    id: it.id,
    name: it.name,
    description: it.description,
    gpuCount: it.gpuCount,
    gpuMemoryGib: it.gpuMemoryGib,
    gpuType: it.gpuType,
    priceCentsPerHour: it.priceCentsPerHour,
    regions: it.regions.map((name) => ({
      name,
      headroom:
        status === "available"
          ? { relation: "RELATION_GTE", value: 8 }
          : { relation: "RELATION_EQ", value: 0 },
    })),
  };
}

function placementView(store: V2Store, p: (typeof PLACEMENT_PROFILES)[number]) {
  return {
    id: p.id,
    name: p.name,
    organizationId: store.project.organizationId,
    projectId: store.project.id,
    preferredRegions: p.preferredRegions,
  };
}

export function v2RegistryRoutes(store: V2Store, availability: (hardwareId: string) => string): Route[] {
  const models = new RegExp(`^/v2/projects/${PROJECT}/models$`);
  const model = new RegExp(`^/v2/projects/${PROJECT}/models/([^/]+)$`);
  const findModel = (ctx: RouteContext): Record<string, unknown> => {
    const p = ownProject(store, ctx, true);
    const id = ctx.params[1] ?? "";
    if (p === PUBLIC_PROJECT_ID) {
      const name = publicModelById(id);
      if (name) return publicModelView(name);
    } else {
      const m = store.registry(ctx.now).find((r) => r.id === id);
      if (m) return registryView(store, m);
    }
    throw missing(`model ${id} not found in project ${p}`);
  };
  return [
    {
      method: "GET",
      pattern: /^\/v1\/whoami$/,
      body: "none",
      auth: true,
      handle: () =>
        json({
          api_key_id: `key_${store.project.id.replace(/^proj_/, "")}`,
          organization_id: store.project.organizationId,
          organization_name: "Emulator organization",
          project_id: store.project.id,
          project_name: store.project.name,
          project_slug: store.project.slug,
        }),
    },
    v2Route("GET", models, (ctx) => {
      const p = ownProject(store, ctx, true);
      const list =
        p === PUBLIC_PROJECT_ID
          ? supportedModels().map(publicModelView)
          : store.registry(ctx.now).map((m) => registryView(store, m));
      return page(list, ctx.query);
    }),
    v2Route("GET", model, (ctx) => json(findModel(ctx))),
    v2Route("GET", new RegExp(`^/v2/projects/${PROJECT}/models/([^/]+)/revisions$`), (ctx) => {
      const view = findModel(ctx);
      const own = store.registry(ctx.now).find((r) => r.id === view.id);
      const name = own ? undefined : publicModelById(String(view.id));
      return json({
        object: "list",
        data: [
          {
            revisionId: own ? own.revisionId : publicRevisionId(name!),
            createdAt: new Date(own ? own.createdAt : Date.parse("2026-01-15T00:00:00.000Z")).toISOString(),
            validationStatus: "REVISION_VALIDATION_STATUS_SUCCESS",
          },
        ],
        next_cursor: null,
      });
    }),
    v2Route("GET", /^\/v2\/supported-models$/, (ctx) => {
      const search = (ctx.query.get("search") ?? "").toLowerCase();
      const product = ctx.query.get("product");
      const list = supportedModels()
        .filter((m) => search === "" || m.toLowerCase().includes(search))
        .filter(
          () => product === null || product === "PRODUCT_DEDICATED" || product === "PRODUCT_FINE_TUNING",
        )
        .map(supportedModelView);
      return page(list, ctx.query);
    }),
    v2Route("GET", /^\/v2\/supported-models\/([^/]+)$/, (ctx) => {
      const id = ctx.params[0] ?? "";
      const name = publicModelById(id) ?? (isCatalogModel(id) ? id : undefined);
      if (!name) throw missing(`supported model ${id} not found`);
      return json(supportedModelView(name));
    }),
    v2Route("GET", new RegExp(`^/v2/projects/${PROJECT}/configs$`), (ctx) => {
      ownProject(store, ctx, true);
      const ref = ctx.query.get("referenceModel") ?? ctx.query.get("referenceModelId");
      let base: string | undefined;
      if (ref !== null && ref !== "") base = resolveModel(store, ref, ctx.now, "referenceModel").baseModel;
      const list = [...configs().values()]
        .filter((c) => base === undefined || c.model === base)
        .map(configView);
      return page(list, ctx.query);
    }),
    v2Route("GET", new RegExp(`^/v2/projects/${PROJECT}/configs/([^/]+)$`), (ctx) => {
      ownProject(store, ctx, true);
      const c = configs().get(ctx.params[1] ?? "");
      if (!c) throw missing(`config ${ctx.params[1]} not found`);
      return json(configView(c));
    }),
    v2Route("GET", /^\/v2\/public\/inference-instance-types$/, () =>
      json({
        object: "list",
        data: INSTANCE_TYPES.map((it) => instanceTypeView(store, it, availability)),
        next_cursor: null,
      }),
    ),
    v2Route("GET", /^\/v2\/public\/inference-instance-types\/([^/]+)$/, (ctx) => {
      const it = INSTANCE_TYPES.find((i) => i.id === ctx.params[0]);
      if (!it) throw missing(`instance type ${ctx.params[0]} not found`);
      return json(instanceTypeView(store, it, availability));
    }),
    v2Route("GET", new RegExp(`^/v2/projects/${PROJECT}/placement-profiles$`), (ctx) => {
      ownProject(store, ctx);
      return page(
        PLACEMENT_PROFILES.map((p) => placementView(store, p)),
        ctx.query,
      );
    }),
    v2Route("GET", new RegExp(`^/v2/projects/${PROJECT}/placement-profiles/([^/]+)$`), (ctx) => {
      ownProject(store, ctx);
      const p = PLACEMENT_PROFILES.find((x) => x.id === ctx.params[1]);
      if (!p) throw missing(`placement profile ${ctx.params[1]} not found`);
      return json(placementView(store, p));
    }),
  ];
}
