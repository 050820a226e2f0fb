import { z } from "zod";
import { listOf, opt } from "./common";

export const WireHardwareSchema = z.looseObject({
  object: z.string(),
  id: z.string(),
  /** US cents per minute of uptime. */
  pricing: z.looseObject({ cents_per_minute: z.number() }),
  specs: z.looseObject({
    gpu_type: z.string(),
    gpu_link: z.string(),
    gpu_memory: z.number(),
    gpu_count: z.number(),
  }),
  updated_at: z.string(),
  /** Present only when the list was filtered by model. */
  availability: opt(z.looseObject({ status: z.string() })),
});
export type WireHardware = z.output<typeof WireHardwareSchema>;
export const WireHardwareListSchema = listOf(WireHardwareSchema);
