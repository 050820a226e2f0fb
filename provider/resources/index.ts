import type { ResourceLifecycle } from "../shared/types";

export const RESOURCE_KINDS = ["TrainingFile", "FineTuneJob", "DedicatedEndpoint", "ModelDownload"] as const;
export type ResourceKind = (typeof RESOURCE_KINDS)[number];

interface LifecycleModule {
  lifecycle: ResourceLifecycle;
}

/** Loaded on first use, so a provider process only pays for the kinds its stack declares. */
export const lifecycles: Record<ResourceKind, () => ResourceLifecycle> = {
  TrainingFile: () => (require("./training-file/lifecycle") as LifecycleModule).lifecycle,
  FineTuneJob: () => (require("./fine-tune-job/lifecycle") as LifecycleModule).lifecycle,
  DedicatedEndpoint: () => (require("./dedicated-endpoint/lifecycle") as LifecycleModule).lifecycle,
  ModelDownload: () => (require("./model-download/lifecycle") as LifecycleModule).lifecycle,
};

export function isResourceKind(kind: string): kind is ResourceKind {
  return (RESOURCE_KINDS as readonly string[]).includes(kind);
}
