import { z } from "zod";
import { listOf, opt } from "./common";

export interface WireAutoscaling {
  min_replicas: number;
  max_replicas: number;
}

/** `POST /endpoints` body (together-api.md §4.1). */
export interface WireEndpointCreate {
  model: string;
  hardware: string;
  autoscaling: WireAutoscaling;
  display_name?: string;
  disable_prompt_cache?: boolean;
  disable_speculative_decoding?: boolean;
  state?: "STARTED" | "STOPPED";
  /** Minutes idle before auto-stop; 0 or null disables. */
  inactive_timeout?: number | null;
  availability_zone?: string;
}

/** `PATCH /endpoints/{id}`: only these four fields can change in place. */
export interface WireEndpointUpdate {
  display_name?: string;
  state?: "STARTED" | "STOPPED";
  autoscaling?: WireAutoscaling;
  inactive_timeout?: number | null;
}

const autoscaling = z.looseObject({ min_replicas: z.number(), max_replicas: z.number() });

/** `DedicatedEndpoint`: every field is required by the spec. */
export const WireEndpointSchema = z.looseObject({
  object: z.string(),
  id: z.string(),
  name: z.string(),
  display_name: z.string(),
  model: z.string(),
  hardware: z.string(),
  type: z.string(),
  owner: z.string(),
  state: z.string(),
  autoscaling,
  created_at: z.string(),
});
export type WireEndpoint = z.output<typeof WireEndpointSchema>;

export const WireListEndpointSchema = z.looseObject({
  object: z.string(),
  id: z.string(),
  name: z.string(),
  model: z.string(),
  type: z.string(),
  owner: z.string(),
  state: z.string(),
  created_at: z.string(),
  display_name: opt(z.string()),
  hardware: opt(z.string()),
});
export type WireListEndpoint = z.output<typeof WireListEndpointSchema>;
export const WireListEndpointListSchema = listOf(WireListEndpointSchema);
