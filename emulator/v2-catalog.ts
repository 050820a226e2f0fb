// What the v2 platform knows before anyone creates anything: the public models (Together's catalogue,
// owned by Together's public project), the hardware instance types and their per-replica prices, the
// certified config revisions that pair a model with hardware (the config carries the hardware, as
// accelerator selectors), the regions, and the placement profiles every project sees. Ids are hashes of
// what they stand for, so they are stable across runs.
import { createHash } from "node:crypto";
import {
  HARDWARE,
  contextLength,
  hardwareFits,
  modelType,
  supportedModels,
  type HardwareSpec,
} from "./catalog";

/** The project that owns Together's public models and certified configs. */
export const PUBLIC_PROJECT_ID = "proj_together_public";
export const PUBLIC_ORGANIZATION_ID = "org_together";
export const CATALOG_DATE = "2026-01-15T00:00:00.000Z";

export const REGIONS = ["us-central-1", "us-east-1", "eu-north-1"] as const;

const hash = (s: string, n = 24): string => createHash("sha256").update(s).digest("hex").slice(0, n);

export function publicModelId(model: string): string {
  return `ml_${hash(`public/${model}`)}`;
}

export function publicRevisionId(model: string): string {
  return `rv_${hash(`public/${model}#1`)}`;
}

export interface InstanceType {
  id: string;
  name: string;
  description: string;
  gpuCount: number;
  gpuMemoryGib: number;
  gpuType: string;
  priceCentsPerHour: number;
  regions: readonly string[];
  /** The v1 hardware id of the same configuration. */
  hardwareId: string;
  /** `accelerator_type` selector value, e.g. `nvidia-h100-80gb`. */
  acceleratorType: string;
}

function instanceType(hw: HardwareSpec): InstanceType {
  const [gpu = "", memory = ""] = hw.gpuType.split("-");
  const accel = `nvidia-${gpu}-${memory}`;
  return {
    id: `it_${hw.id.replace("_nvidia", "")}`,
    name: `${hw.gpuCount}x${accel}`,
    description: `${hw.gpuCount}x NVIDIA ${gpu.toUpperCase()} ${memory.toUpperCase()} ${hw.gpuLink.toUpperCase()}`,
    gpuCount: hw.gpuCount,
    gpuMemoryGib: hw.gpuMemory,
    gpuType: gpu.toUpperCase(),
    priceCentsPerHour: Math.round(hw.centsPerMinute * 60),
    // L40S is offered in the US only; the rest everywhere.
    regions: gpu === "l40s" ? REGIONS.slice(0, 2) : REGIONS,
    hardwareId: hw.id,
    acceleratorType: accel,
  };
}

export const INSTANCE_TYPES: InstanceType[] = HARDWARE.map(instanceType);

export interface ConfigRevision {
  id: string;
  /** The public model it is certified for. */
  model: string;
  instanceType: InstanceType;
}

let configCache: Map<string, ConfigRevision> | undefined;

/** Every certified config: one per public model and instance type that holds the model. */
export function configs(): Map<string, ConfigRevision> {
  if (!configCache) {
    configCache = new Map();
    for (const model of supportedModels())
      for (const it of INSTANCE_TYPES) {
        const hw = HARDWARE.find((h) => h.id === it.hardwareId)!;
        if (!hardwareFits(hw, model)) continue;
        const id = `cr_${hash(`${model}@${it.id}`)}`;
        configCache.set(id, { id, model, instanceType: it });
      }
  }
  return configCache;
}

export function configsFor(model: string): ConfigRevision[] {
  return [...configs().values()].filter((c) => c.model === model);
}

export function publicModelById(id: string): string | undefined {
  return supportedModels().find((m) => publicModelId(m) === id);
}

export const modelResource = (project: string, id: string, revision?: string): string =>
  `projects/${project}/models/${id}${revision !== undefined ? `/revisions/${revision}` : ""}`;

export const configResource = (c: ConfigRevision): string => `projects/${PUBLIC_PROJECT_ID}/configs/${c.id}`;

export function configView(c: ConfigRevision): Record<string, unknown> {
  const ref = modelResource(PUBLIC_PROJECT_ID, publicModelId(c.model));
  return {
    id: c.id,
    projectId: PUBLIC_PROJECT_ID,
    referenceModel: ref,
    referenceModelId: publicModelId(c.model),
    selectors: [
      { key: "accelerator_type", value: c.instanceType.acceleratorType },
      { key: "accelerator_count", value: String(c.instanceType.gpuCount) },
    ],
    certifications: [
      {
        certificationType: "CERTIFICATION_TYPE_CERTIFIED",
        certifiedAt: CATALOG_DATE,
        certifiedBy: "together-certification",
        model: ref,
        modelRevisionId: publicRevisionId(c.model),
        target: "CERTIFICATION_TARGET_MRE",
      },
    ],
  };
}

export function publicModelView(model: string): Record<string, unknown> {
  return {
    id: publicModelId(model),
    name: model,
    organizationId: PUBLIC_ORGANIZATION_ID,
    projectId: PUBLIC_PROJECT_ID,
    visibility: "VISIBILITY_INTERNAL",
    weights: { contextLength: String(contextLength(model, "sft")), type: "WEIGHTS_TYPE_DEFAULT" },
    description: `${model} (Together public model)`,
  };
}

export function supportedModelView(model: string): Record<string, unknown> {
  const chat = modelType(model) === "chat";
  return {
    id: publicModelId(model),
    baseModel: modelResource(PUBLIC_PROJECT_ID, publicModelId(model)),
    baseModelId: publicModelId(model),
    capabilities: chat ? ["CAPABILITY_CHAT"] : [],
    createdAt: CATALOG_DATE,
    updatedAt: CATALOG_DATE,
    deploymentProfiles: configsFor(model).map((c) => ({
      certifiedConfigRevisionId: c.id,
      certifiedModelRevisionId: publicRevisionId(model),
      config: configResource(c),
      gpuCount: c.instanceType.gpuCount,
      gpuType: c.instanceType.gpuType,
      model: modelResource(PUBLIC_PROJECT_ID, publicModelId(model), publicRevisionId(model)),
      modelName: model,
      parallelism: `TP${c.instanceType.gpuCount}`,
      performanceBenchmarks: {},
      profileId: c.id,
      quantization: "",
    })),
    displayName: model.split("/").pop() ?? model,
    displayType: chat ? "chat" : "language",
    inputModalities: ["MODALITY_TEXT"],
    outputModalities: ["MODALITY_TEXT"],
    name: model,
    products: ["PRODUCT_DEDICATED", "PRODUCT_FINE_TUNING"],
    publisher: model.split("/")[0] ?? "",
    status: "SUPPORTED_MODEL_STATUS_SUPPORTED",
    contextLength: String(contextLength(model, "sft")),
  };
}

export interface PlacementProfile {
  id: string;
  name: string;
  preferredRegions: string[];
}

export const PLACEMENT_PROFILES: PlacementProfile[] = [
  { id: "pp_us", name: "us-only", preferredRegions: ["us-central-1", "us-east-1"] },
  { id: "pp_eu", name: "eu-only", preferredRegions: ["eu-north-1"] },
];
