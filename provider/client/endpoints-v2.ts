// The v2 endpoints platform: project-scoped endpoints and deployments, and the registry look-ups a deployment
// is built from. Every path is under `/v2/projects/{project}` (the v2 transport's base is the configured v1
// base with `/v1` replaced by `/v2`). Writes that carry an etag are never retried on 409: the object changed,
// and only a fresh read can tell what to send.
import { type z } from "zod";
import { type Query, type Transport } from "./transport";
import {
  WireV2ConfigSchema,
  WireV2DeploymentSchema,
  WireV2EndpointSchema,
  WireV2InstanceTypeSchema,
  WireV2ModelSchema,
  WireV2PlacementProfileSchema,
  WireV2SupportedModelSchema,
  WireWhoamiSchema,
  cursorPageOf,
  type WireV2Config,
  type WireV2Deployment,
  type WireV2DeploymentCreate,
  type WireV2DeploymentUpdate,
  type WireV2Endpoint,
  type WireV2EndpointCreate,
  type WireV2EndpointUpdate,
  type WireV2InstanceType,
  type WireV2Model,
  type WireV2PlacementProfile,
  type WireV2SupportedModel,
  type WireWhoami,
} from "./wire/endpoints-v2";

const enc = encodeURIComponent;
const ETAG_CONFLICT = [409] as const;
/** Pages asked for at once; a listing stops after this many pages (a runaway cursor is a server bug). */
const PAGE_SIZE = 100;
const MAX_PAGES = 1_000;

export class EndpointsV2Api {
  /** @param v2 transport whose base is the v2 root; @param v1 the v1 transport (for whoami). */
  constructor(
    private readonly v2: Transport,
    private readonly v1: Transport,
  ) {}

  whoami(): Promise<WireWhoami> {
    return this.v1.json(
      { call: "whoami", method: "GET", path: "/whoami", kind: "idempotent" },
      WireWhoamiSchema,
    );
  }

  /** Never blindly retried: an unknown outcome throws AmbiguousCreateError (list by name to reconcile). */
  createEndpoint(project: string, body: WireV2EndpointCreate): Promise<WireV2Endpoint> {
    return this.v2.json(
      {
        call: "v2.endpoints.create",
        method: "POST",
        path: `${projectPath(project)}/endpoints`,
        kind: "create",
        json: body,
      },
      WireV2EndpointSchema,
    );
  }

  getEndpoint(project: string, id: string): Promise<WireV2Endpoint> {
    return this.v2.json(
      {
        call: "v2.endpoints.get",
        method: "GET",
        path: `${projectPath(project)}/endpoints/${enc(id)}`,
        kind: "idempotent",
      },
      WireV2EndpointSchema,
    );
  }

  /** Every endpoint of the project, or those whose name is `name` (bare or `<project_slug>/<name>`). */
  listEndpoints(project: string, opts: { name?: string } = {}): Promise<WireV2Endpoint[]> {
    const query: Query = opts.name !== undefined ? { filter: `name="${opts.name}"` } : {};
    return this.all("v2.endpoints.list", `${projectPath(project)}/endpoints`, query, WireV2EndpointSchema);
  }

  /** With `body.etag`, a 409 means the endpoint changed since it was read: not retried. */
  updateEndpoint(
    project: string,
    id: string,
    body: WireV2EndpointUpdate,
    updateMask?: string,
  ): Promise<WireV2Endpoint> {
    return this.v2.json(
      {
        call: "v2.endpoints.update",
        method: "PATCH",
        path: `${projectPath(project)}/endpoints/${enc(id)}`,
        query: { updateMask },
        kind: "idempotent",
        json: body,
        ...(body.etag !== undefined ? { noRetryStatuses: ETAG_CONFLICT } : {}),
      },
      WireV2EndpointSchema,
    );
  }

  async deleteEndpoint(project: string, id: string, etag?: string): Promise<void> {
    await this.v2.raw({
      call: "v2.endpoints.delete",
      method: "DELETE",
      path: `${projectPath(project)}/endpoints/${enc(id)}`,
      query: { etag },
      kind: "idempotent",
      ...(etag !== undefined ? { noRetryStatuses: ETAG_CONFLICT } : {}),
    });
  }

  /**
   * `validateOnly`: Together checks the request (model, config, autoscaling, placement) and creates nothing,
   * so it is safely repeatable. A real create is never blindly retried.
   */
  createDeployment(
    project: string,
    endpointId: string,
    body: WireV2DeploymentCreate,
    opts: { validateOnly?: boolean } = {},
  ): Promise<WireV2Deployment> {
    const validateOnly = opts.validateOnly === true;
    return this.v2.json(
      {
        call: validateOnly ? "v2.deployments.validate" : "v2.deployments.create",
        method: "POST",
        path: `${projectPath(project)}/endpoints/${enc(endpointId)}/deployments`,
        query: validateOnly ? { validateOnly: true } : {},
        kind: validateOnly ? "idempotent" : "create",
        json: body,
      },
      WireV2DeploymentSchema,
    );
  }

  getDeployment(project: string, endpointId: string, id: string): Promise<WireV2Deployment> {
    return this.v2.json(
      {
        call: "v2.deployments.get",
        method: "GET",
        path: `${projectPath(project)}/endpoints/${enc(endpointId)}/deployments/${enc(id)}`,
        kind: "idempotent",
      },
      WireV2DeploymentSchema,
    );
  }

  listDeployments(project: string, endpointId: string): Promise<WireV2Deployment[]> {
    return this.all(
      "v2.deployments.list",
      `${projectPath(project)}/endpoints/${enc(endpointId)}/deployments`,
      {},
      WireV2DeploymentSchema,
    );
  }

  /** With `body.etag`, a 409 means the deployment changed since it was read: not retried. */
  updateDeployment(
    project: string,
    endpointId: string,
    id: string,
    body: WireV2DeploymentUpdate,
    updateMask?: string,
  ): Promise<WireV2Deployment> {
    return this.v2.json(
      {
        call: "v2.deployments.update",
        method: "PATCH",
        path: `${projectPath(project)}/endpoints/${enc(endpointId)}/deployments/${enc(id)}`,
        query: { updateMask },
        kind: "idempotent",
        json: body,
        ...(body.etag !== undefined ? { noRetryStatuses: ETAG_CONFLICT } : {}),
      },
      WireV2DeploymentSchema,
    );
  }

  async deleteDeployment(project: string, endpointId: string, id: string, etag?: string): Promise<void> {
    await this.v2.raw({
      call: "v2.deployments.delete",
      method: "DELETE",
      path: `${projectPath(project)}/endpoints/${enc(endpointId)}/deployments/${enc(id)}`,
      query: { etag },
      kind: "idempotent",
      ...(etag !== undefined ? { noRetryStatuses: ETAG_CONFLICT } : {}),
    });
  }

  /** The project's registry models (fine-tuned models and adapters among them). */
  listModels(project: string): Promise<WireV2Model[]> {
    return this.all("v2.models.list", `${projectPath(project)}/models`, {}, WireV2ModelSchema);
  }

  getModel(project: string, id: string): Promise<WireV2Model> {
    return this.v2.json(
      {
        call: "v2.models.get",
        method: "GET",
        path: `${projectPath(project)}/models/${enc(id)}`,
        kind: "idempotent",
      },
      WireV2ModelSchema,
    );
  }

  /** Together's deployable public models matching `search`, with their certified deployment profiles. */
  listSupportedModels(search?: string): Promise<WireV2SupportedModel[]> {
    return this.all(
      "v2.supportedModels.list",
      "/supported-models",
      { search, product: "PRODUCT_DEDICATED" },
      WireV2SupportedModelSchema,
    );
  }

  /** Config revisions certified for `referenceModel` (`projects/{p}/models/{m}`); each carries its hardware. */
  listConfigs(project: string, referenceModel: string): Promise<WireV2Config[]> {
    return this.all(
      "v2.configs.list",
      `${projectPath(project)}/configs`,
      { referenceModel },
      WireV2ConfigSchema,
    );
  }

  async listInstanceTypes(): Promise<WireV2InstanceType[]> {
    const r = await this.v2.json(
      {
        call: "v2.hardware.list",
        method: "GET",
        path: "/public/inference-instance-types",
        kind: "idempotent",
      },
      cursorPageOf(WireV2InstanceTypeSchema),
    );
    return r.data;
  }

  listPlacementProfiles(project: string): Promise<WireV2PlacementProfile[]> {
    return this.all(
      "v2.placementProfiles.list",
      `${projectPath(project)}/placement-profiles`,
      {},
      WireV2PlacementProfileSchema,
    );
  }

  private async all<S extends z.ZodType>(
    call: string,
    path: string,
    query: Query,
    item: S,
  ): Promise<z.output<S>[]> {
    const out: z.output<S>[] = [];
    let after: string | undefined;
    for (let n = 0; n < MAX_PAGES; n++) {
      const page = await this.v2.json(
        { call, method: "GET", path, query: { ...query, limit: PAGE_SIZE, after }, kind: "idempotent" },
        cursorPageOf(item),
      );
      out.push(...(page.data as z.output<S>[]));
      if (page.next_cursor === undefined || page.next_cursor === null || page.next_cursor === "") return out;
      after = page.next_cursor;
    }
    throw new Error(`${call}: more than ${MAX_PAGES} pages; stopping (the server keeps returning a cursor)`);
  }
}

function projectPath(project: string): string {
  return `/projects/${enc(project)}`;
}
