import { type Transport } from "./transport";
import { type WireModel, WireModelListSchema } from "./wire/models";

export class ModelsApi {
  constructor(private readonly t: Transport) {}

  async list(opts: { dedicated?: boolean } = {}): Promise<WireModel[]> {
    return this.t.json(
      {
        call: "models.list",
        method: "GET",
        path: "/models",
        query: { dedicated: opts.dedicated },
        kind: "idempotent",
      },
      WireModelListSchema,
    );
  }
}
