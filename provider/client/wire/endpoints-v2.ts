// The v2 endpoints platform on the wire (`/v2/projects/{projectId}/...`, camelCase JSON), as together-ai 0.52's
// `client.beta` types describe it: endpoints, deployments, the model registry, certified configs (which
// carry the hardware as accelerator selectors), instance types (per-replica prices) and placement profiles.
import { z } from "zod";
import { opt } from "./common";

/** Cursor pages: `{ data, next_cursor }`; the next page is asked for with `after=<next_cursor>`. */
export const cursorPageOf = <T extends z.ZodType>(item: T) =>
  z.looseObject({ data: z.array(item), next_cursor: opt(z.string()) });

export interface WireV2ScalingMetric {
  name: string;
  target: number;
  type: string;
  percentile?: string | undefined;
}

export interface WireV2Autoscaling {
  minReplicas?: number;
  maxReplicas?: number;
  /** Durations as protobuf JSON, e.g. "300s". */
  scaleDownWindow?: string;
  scaleUpWindow?: string;
  scaleToZeroWindow?: string;
  scalingMetrics?: WireV2ScalingMetric[];
}

export type WireV2Visibility = "VISIBILITY_PRIVATE" | "VISIBILITY_INTERNAL";

export interface WireV2EndpointCreate {
  name: string;
  visibility?: WireV2Visibility;
}

export interface WireV2TrafficEntry {
  deploymentId: string;
  weight: number;
}

export interface WireV2EndpointUpdate {
  etag?: string;
  name?: string;
  trafficSplit?: WireV2TrafficEntry[];
  visibility?: WireV2Visibility;
}

export type WireV2Placement =
  | {
      inline: {
        regions?: string[];
        constraint?: "ENFORCEMENT_REQUIRED" | "ENFORCEMENT_PREFERRED";
        compliancePolicy?: { hipaa?: boolean };
      };
    }
  | { profile: string };

export interface WireV2DeploymentCreate {
  name: string;
  autoscaling: WireV2Autoscaling;
  /** `projects/{projectId}/models/{modelId}[/revisions/{revisionId}]`. */
  model: string;
  /** `projects/{projectId}/configs/{configRevisionId}`. */
  config: string;
  enableLora?: boolean;
  placement?: WireV2Placement;
}

export interface WireV2DeploymentUpdate {
  etag?: string;
  name?: string;
  autoscaling?: WireV2Autoscaling;
}

const autoscaling = z.looseObject({
  minReplicas: opt(z.number()),
  maxReplicas: opt(z.number()),
  scaleDownWindow: opt(z.string()),
  scaleUpWindow: opt(z.string()),
  scaleToZeroWindow: opt(z.string()),
  scalingMetrics: opt(
    z.array(
      z.looseObject({ name: z.string(), target: z.number(), type: z.string(), percentile: opt(z.string()) }),
    ),
  ),
});

export const WireV2DeploymentSummarySchema = z.looseObject({
  id: z.string(),
  name: z.string(),
  model: z.string(),
  state: z.string(),
  autoscaling,
  hardware: opt(z.string()),
  readyReplicas: opt(z.number()),
  desiredReplicas: opt(z.number()),
});

export const WireV2EndpointSchema = z.looseObject({
  id: z.string(),
  name: z.string(),
  projectId: z.string(),
  etag: z.string(),
  visibility: z.string(),
  endpointType: z.string(),
  trafficSplit: z.array(z.looseObject({ deploymentId: z.string(), weight: z.number() })),
  deployments: z.array(WireV2DeploymentSummarySchema),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type WireV2Endpoint = z.output<typeof WireV2EndpointSchema>;

export const WireV2DeploymentSchema = z.looseObject({
  id: z.string(),
  endpointId: z.string(),
  name: z.string(),
  etag: z.string(),
  model: z.string(),
  config: z.string(),
  hardware: z.string(),
  autoscaling,
  status: z.looseObject({
    state: z.string(),
    message: z.string(),
    readyReplicas: opt(z.number()),
    scheduledReplicas: opt(z.number()),
  }),
  createdAt: z.string(),
  updatedAt: z.string(),
  enableLora: opt(z.boolean()),
  desiredReplicas: opt(z.number()),
  placement: opt(z.looseObject({})),
});
export type WireV2Deployment = z.output<typeof WireV2DeploymentSchema>;

export const WireV2ModelSchema = z.looseObject({
  id: z.string(),
  name: z.string(),
  projectId: z.string(),
  visibility: z.string(),
  weights: z.looseObject({ type: opt(z.string()) }),
  baseModel: opt(z.string()),
  baseModelId: opt(z.string()),
});
export type WireV2Model = z.output<typeof WireV2ModelSchema>;

export const WireV2SupportedModelSchema = z.looseObject({
  id: z.string(),
  name: z.string(),
  baseModel: z.string(),
  products: z.array(z.string()),
  deploymentProfiles: z.array(
    z.looseObject({
      config: z.string(),
      model: z.string(),
      gpuCount: z.number(),
      gpuType: z.string(),
    }),
  ),
});
export type WireV2SupportedModel = z.output<typeof WireV2SupportedModelSchema>;

export const WireV2ConfigSchema = z.looseObject({
  id: z.string(),
  projectId: z.string(),
  referenceModel: z.string(),
  selectors: z.array(z.looseObject({ key: z.string(), value: z.string() })),
});
export type WireV2Config = z.output<typeof WireV2ConfigSchema>;

export const WireV2InstanceTypeSchema = z.looseObject({
  id: z.string(),
  name: z.string(),
  gpuCount: z.number(),
  gpuType: z.string(),
  gpuMemoryGib: z.number(),
  /** Per running replica, US cents per hour. */
  priceCentsPerHour: z.number(),
  /** Per region; `headroom` is how many more replicas fit now (`RELATION_EQ`: exactly, `_GTE`: at least). */
  regions: z.array(
    z.looseObject({
      name: z.string(),
      headroom: opt(z.looseObject({ relation: z.string(), value: opt(z.number()) })),
    }),
  ),
});
export type WireV2InstanceType = z.output<typeof WireV2InstanceTypeSchema>;

export const WireV2PlacementProfileSchema = z.looseObject({
  id: z.string(),
  name: z.string(),
  preferredRegions: z.array(z.string()),
});
export type WireV2PlacementProfile = z.output<typeof WireV2PlacementProfileSchema>;

/** `GET /v1/whoami`: the API key's project and the slug callers put before endpoint names. */
export const WireWhoamiSchema = z.looseObject({
  project_id: z.string(),
  project_slug: z.string(),
  organization_id: z.string(),
  project_name: opt(z.string()),
});
export type WireWhoami = z.output<typeof WireWhoamiSchema>;
