import { type Transport } from "./transport";
import {
  type WireEndpoint,
  type WireEndpointCreate,
  WireEndpointSchema,
  type WireEndpointUpdate,
  type WireListEndpoint,
  WireListEndpointListSchema,
} from "./wire/endpoints";

const enc = encodeURIComponent;

export class EndpointsApi {
  constructor(private readonly t: Transport) {}

  /** Never blindly retried: an unknown outcome throws AmbiguousCreateError (list to reconcile). */
  create(body: WireEndpointCreate): Promise<WireEndpoint> {
    return this.t.json(
      { call: "endpoints.create", method: "POST", path: "/endpoints", kind: "create", json: body },
      WireEndpointSchema,
    );
  }

  get(id: string): Promise<WireEndpoint> {
    return this.t.json(
      { call: "endpoints.get", method: "GET", path: `/endpoints/${enc(id)}`, kind: "idempotent" },
      WireEndpointSchema,
    );
  }

  async list(opts: { type?: "dedicated" | "serverless"; mine?: boolean } = {}): Promise<WireListEndpoint[]> {
    const r = await this.t.json(
      {
        call: "endpoints.list",
        method: "GET",
        path: "/endpoints",
        query: { type: opts.type, mine: opts.mine },
        kind: "idempotent",
      },
      WireListEndpointListSchema,
    );
    return r.data;
  }

  /** PATCH sets absolute values, so repeating it is harmless. */
  update(id: string, body: WireEndpointUpdate): Promise<WireEndpoint> {
    return this.t.json(
      {
        call: "endpoints.update",
        method: "PATCH",
        path: `/endpoints/${enc(id)}`,
        kind: "idempotent",
        json: body,
      },
      WireEndpointSchema,
    );
  }

  async delete(id: string): Promise<void> {
    await this.t.raw({
      call: "endpoints.delete",
      method: "DELETE",
      path: `/endpoints/${enc(id)}`,
      kind: "idempotent",
    });
  }
}
