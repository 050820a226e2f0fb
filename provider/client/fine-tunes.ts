import { download, type DownloadOptions, type DownloadResult } from "./downloads";
import { type Transport } from "./transport";
import {
  type WireEstimatePrice,
  type WireEstimatePriceRequest,
  WireEstimatePriceSchema,
  type WireFineTune,
  type WireFineTuneCheckpoint,
  WireFineTuneCheckpointListSchema,
  type WireFineTuneCreate,
  WireFineTuneDeletedSchema,
  type WireFineTuneEvent,
  WireFineTuneEventListSchema,
  WireFineTuneListSchema,
  WireFineTuneSchema,
  type WireModelLimits,
  WireModelLimitsSchema,
} from "./wire/fine-tunes";

const enc = encodeURIComponent;

/** The server's spelling of the W&B key is unverified (§3.1): send both names with the same value.
 *  Undefined members vanish in JSON.stringify, so unset options are omitted on the wire. */
export function fineTuneCreateBody(body: WireFineTuneCreate): WireFineTuneCreate {
  const wandb = body.wandb_api_key ?? body.wandb_key;
  return wandb === undefined ? body : { ...body, wandb_api_key: wandb, wandb_key: wandb };
}

export class FineTunesApi {
  constructor(private readonly t: Transport) {}

  /** Never blindly retried: an unknown outcome throws AmbiguousCreateError (list to reconcile). */
  create(body: WireFineTuneCreate): Promise<WireFineTune> {
    return this.t.json(
      {
        call: "fineTunes.create",
        method: "POST",
        path: "/fine-tunes",
        kind: "create",
        json: fineTuneCreateBody(body),
      },
      WireFineTuneSchema,
    );
  }

  get(id: string): Promise<WireFineTune> {
    return this.t.json(
      { call: "fineTunes.get", method: "GET", path: `/fine-tunes/${enc(id)}`, kind: "idempotent" },
      WireFineTuneSchema,
    );
  }

  async list(): Promise<WireFineTune[]> {
    const r = await this.t.json(
      { call: "fineTunes.list", method: "GET", path: "/fine-tunes", kind: "idempotent" },
      WireFineTuneListSchema,
    );
    return r.data;
  }

  cancel(id: string): Promise<WireFineTune> {
    return this.t.json(
      { call: "fineTunes.cancel", method: "POST", path: `/fine-tunes/${enc(id)}/cancel`, kind: "idempotent" },
      WireFineTuneSchema,
    );
  }

  async delete(id: string): Promise<{ message?: string }> {
    const r = await this.t.json(
      { call: "fineTunes.delete", method: "DELETE", path: `/fine-tunes/${enc(id)}`, kind: "idempotent" },
      WireFineTuneDeletedSchema,
    );
    return r.message == null ? {} : { message: r.message };
  }

  async events(id: string): Promise<WireFineTuneEvent[]> {
    const r = await this.t.json(
      { call: "fineTunes.events", method: "GET", path: `/fine-tunes/${enc(id)}/events`, kind: "idempotent" },
      WireFineTuneEventListSchema,
    );
    return r.data;
  }

  async checkpoints(id: string): Promise<WireFineTuneCheckpoint[]> {
    const r = await this.t.json(
      {
        call: "fineTunes.checkpoints",
        method: "GET",
        path: `/fine-tunes/${enc(id)}/checkpoints`,
        kind: "idempotent",
      },
      WireFineTuneCheckpointListSchema,
    );
    return r.data;
  }

  /** `GET /finetune/download` streamed to `opts.path`: resumed with a range after a dropped connection. */
  download(opts: DownloadOptions): Promise<DownloadResult> {
    return download(this.t, opts);
  }

  /** A pure computation on the server, so safe to retry. */
  estimatePrice(body: WireEstimatePriceRequest): Promise<WireEstimatePrice> {
    return this.t.json(
      {
        call: "fineTunes.estimatePrice",
        method: "POST",
        path: "/fine-tunes/estimate-price",
        kind: "idempotent",
        json: body,
      },
      WireEstimatePriceSchema,
    );
  }

  /** A model that cannot be fine-tuned answers 404 (NotFoundError). */
  modelLimits(modelName: string): Promise<WireModelLimits> {
    return this.t.json(
      {
        call: "fineTunes.modelLimits",
        method: "GET",
        path: "/fine-tunes/models/limits",
        query: { model_name: modelName },
        kind: "idempotent",
      },
      WireModelLimitsSchema,
    );
  }
}
