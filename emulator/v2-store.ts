// The v2 platform's records: the project the API key belongs to, its endpoints and their deployments, and
// its model registry (read from the fine-tune jobs: every checkpoint a job has written is a registry model).
// Like the v1 store, records are flagged deleted rather than forgotten, so tests can count what a run left.
import { createHash } from "node:crypto";
import { OWNER } from "./catalog";
import { checkpoints, registryObject } from "./job-timeline";
import type { EmulatorStore, JobRecord } from "./store";
import type { ConfigRevision } from "./v2-catalog";

export interface ProjectInfo {
  id: string;
  /** `<project_slug>/<name>` is how callers address the project's endpoints and models. */
  slug: string;
  name: string;
  organizationId: string;
}

/** The project of an API key: stable per key, so restarting the emulator keeps the same id. */
export function defaultProjectId(apiKey: string): string {
  return `proj_${createHash("sha256").update(`project/${apiKey}`).digest("hex").slice(0, 20)}`;
}

export function projectInfo(id: string): ProjectInfo {
  // The slug is the owner name v1 puts in front of fine-tuned model names, so registry names match them.
  return { id, slug: OWNER, name: "Emulator project", organizationId: `org_${id.replace(/^proj_/, "")}` };
}

export interface Autoscaling {
  minReplicas: number;
  maxReplicas: number;
  scaleDownWindow: string;
  scaleUpWindow?: string;
  scaleToZeroWindow?: string;
  scalingMetrics?: Record<string, unknown>[];
}

export type DeploymentPhase =
  /** Replicas being placed and loaded; `failAt` when the platform will give up (no capacity). */
  | { kind: "provisioning"; since: number; readyAt: number; failAt?: number; failMessage?: string }
  | { kind: "ready"; since: number }
  | { kind: "scaling"; since: number; doneAt: number; fromReplicas: number }
  /** Replicas lost; `until`: when they are back (READY), else until the autoscaling changes. */
  | { kind: "degraded"; since: number; message: string; until?: number }
  | { kind: "failed"; since: number; message: string }
  | { kind: "stopping"; since: number; stoppedAt: number }
  | { kind: "stopped"; since: number };

export interface ModelRef {
  project: string;
  id: string;
  revisionId: string;
  /** What `/v1` calls the model: a catalogue model string or a fine-tuned model's output name. */
  name: string;
  /** The public model whose certified configs it can run with. */
  baseModel: string;
  adapter: boolean;
}

export interface DeploymentRecord {
  id: string;
  endpointId: string;
  name: string;
  model: ModelRef;
  config: ConfigRevision;
  autoscaling: Autoscaling;
  enableLora: boolean;
  placement?: Record<string, unknown>;
  /** Regions the deployment may run in (from its placement, else everywhere its hardware is offered). */
  regions: string[];
  createdAt: number;
  updatedAt: number;
  version: number;
  phase: DeploymentPhase;
  deleted: boolean;
}

export interface TrafficEntry {
  deploymentId: string;
  weight: number;
}

export interface V2EndpointRecord {
  id: string;
  name: string;
  visibility: "VISIBILITY_PRIVATE" | "VISIBILITY_INTERNAL";
  trafficSplit: TrafficEntry[];
  createdAt: number;
  updatedAt: number;
  version: number;
  deleted: boolean;
}

export interface RegistryModel extends ModelRef {
  jobId: string;
  createdAt: number;
}

export class V2Store {
  readonly endpoints = new Map<string, V2EndpointRecord>();
  readonly deployments = new Map<string, DeploymentRecord>();
  /** A fresh deployment's time to READY; ~3 min like a real small-model deployment. */
  provisionMs = 180_000;
  scaleMs = 60_000;
  stopMs = 30_000;

  constructor(
    readonly project: ProjectInfo,
    private readonly v1: EmulatorStore,
  ) {}

  liveEndpoint(id: string): V2EndpointRecord | undefined {
    const e = this.endpoints.get(id);
    return e && !e.deleted ? e : undefined;
  }

  liveDeployment(endpointId: string, id: string): DeploymentRecord | undefined {
    const d = this.deployments.get(id);
    return d && !d.deleted && d.endpointId === endpointId ? d : undefined;
  }

  deploymentsOf(endpointId: string): DeploymentRecord[] {
    return [...this.deployments.values()].filter((d) => !d.deleted && d.endpointId === endpointId);
  }

  /** The project's registry: every checkpoint its live fine-tune jobs have written so far. */
  registry(now: number): RegistryModel[] {
    return [...this.v1.jobs.values()].filter((j) => !j.deleted).flatMap((j) => this.jobModels(j, now));
  }

  private jobModels(job: JobRecord, now: number): RegistryModel[] {
    return checkpoints(job, now).map((c) => {
      const o = registryObject(job, c);
      return {
        project: this.project.id,
        id: o.id,
        revisionId: o.revisionId,
        name: o.name,
        baseModel: job.model,
        adapter: c.type === "Final Adapter",
        jobId: job.id,
        createdAt: c.at,
      };
    });
  }
}
