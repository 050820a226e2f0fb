import { type Transport } from "./transport";
import { type WireHardware, WireHardwareListSchema } from "./wire/hardware";

export class HardwareApi {
  constructor(private readonly t: Transport) {}

  /** With `model`, only compatible configurations are listed, each with its `availability`. */
  async list(opts: { model?: string } = {}): Promise<WireHardware[]> {
    const r = await this.t.json(
      {
        call: "hardware.list",
        method: "GET",
        path: "/hardware",
        query: { model: opts.model },
        kind: "idempotent",
      },
      WireHardwareListSchema,
    );
    return r.data;
  }
}
