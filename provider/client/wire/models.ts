import { z } from "zod";
import { opt } from "./common";

export const WireModelSchema = z.looseObject({
  id: z.string(),
  object: z.string(),
  created: z.number(),
  type: z.string(),
  display_name: opt(z.string()),
  organization: opt(z.string()),
  link: opt(z.string()),
  license: opt(z.string()),
  context_length: opt(z.number()),
  pricing: opt(z.looseObject({})),
});
export type WireModel = z.output<typeof WireModelSchema>;

/** The spec answers with a bare array; accept a `{ data }` envelope too. */
export const WireModelListSchema = z.preprocess(
  (v) => (Array.isArray(v) ? v : ((v as { data?: unknown } | null)?.data ?? v)),
  z.array(WireModelSchema),
);
