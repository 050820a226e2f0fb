// Every object the emulator ever created. Records are never forgotten, only flagged deleted, so tests
// can count what a run created, what is still live and what is still costing money.
import type { FileCheckResult } from "./file-check";
import type { HardwareAvailabilityStatus, JobDurations } from "./types";

export type FilePurpose =
  "fine-tune" | "eval" | "eval-sample" | "eval-output" | "eval-summary" | "batch-generated" | "batch-api";
export type FileType = "jsonl" | "parquet" | "csv";

export interface MultipartUpload {
  uploadId: string;
  fileSize: number;
  numParts: number;
  partSize: number;
  parts: Map<number, { etag: string; size: number }>;
  /** Part numbers whose region has been written at least once (a re-sent part must overwrite zeros). */
  touched: Set<number>;
  state: "open" | "completed" | "aborted";
}

export interface FileRecord {
  id: string;
  filename: string;
  purpose: FilePurpose;
  fileType: FileType;
  /** Emulated epoch ms. */
  createdAt: number;
  bytes: number;
  dataPath: string;
  /** awaiting: the 302 was answered but no bytes arrived yet; complete: all bytes on disk. */
  upload: "awaiting" | "multipart" | "complete";
  multipart?: MultipartUpload;
  /** Set when the bytes are complete; `result`/`resultAt` once the streaming check has finished. */
  processing?: { startedAt: number; result?: FileCheckResult; resultAt?: number };
  deleted: boolean;
}

export interface JobSchedule {
  queuedAt: number;
  runningAt: number;
  compressingAt: number;
  uploadingAt: number;
  completedAt: number;
}

/** What a validated create request fixes about a job: shared by the request's spec and the stored record. */
export interface JobTraining {
  model: string;
  trainingType: "Full" | "Lora";
  method: "sft" | "dpo";
  batchSize: number;
  maxSeqLength: number;
  nEpochs: number;
  nCheckpoints: number;
  nEvals: number;
  suffix?: string;
  fromCheckpoint?: string;
  /** Short examples share a sequence (Together's default; never for Parquet data). */
  packing: boolean;
  gradientAccumulationSteps: number;
  /** Set when `early_stopping_enabled` was true. */
  earlyStopping?: EarlyStoppingSettings;
  /** A LoRA job that targets expert modules, or on a model without merged LoRA output, ships an adapter only. */
  adapterOnly: boolean;
  /** What the request asked for that is not honoured (unknown fields, packing on Parquet data): accepted, and
   *  said in `warning` events rather than dropped silently. */
  warnings: string[];
  /** Normalised hyperparameters echoed back on every job view (never secrets). */
  echo: Record<string, unknown>;
}

export interface EarlyStoppingSettings {
  patience: number;
  minDelta: number;
  warmupEvals: number;
}

/** Where early stopping ended training: the evaluation that ran out of patience and the best one before it. */
export interface EarlyStop {
  /** Fraction of the planned training done when it stopped (0..1]. */
  fraction: number;
  evals: number;
  step: number;
  bestStep: number;
  bestMetric: number;
}

export interface JobRecord extends JobTraining {
  id: string;
  createdAt: number;
  outputName: string;
  trainingFile: string;
  validationFile?: string;
  trainingFileBytes: number;
  trainingFileLines: number;
  tokensPerEpoch: number;
  evalTokens: number;
  stepsPerEpoch: number;
  /** USD per token for this model band, method and training type. */
  usdPerToken: number;
  paramCount: number;
  wandbUrl?: string;
  schedule: JobSchedule;
  /** Set when early stopping will end training before the planned steps. */
  earlyStop?: EarlyStop;
  cancelRequestedAt?: number;
  cancelledAt?: number;
  errorAt?: number;
  errorMessage?: string;
  /** What the job reports from errorAt on: `error` (default) or `user_error` (Together blames the input). */
  errorStatus?: "error" | "user_error";
  /** The event that says why: `job_error` (default) or `billing_limit` (the account's limit stopped it). */
  errorEvent?: "job_error" | "billing_limit";
  /** Set when Together restarts the job after an internal error: the id of the new job, which exists from
   *  errorAt on (made by job-restarts.ts when a request first sees that time). The failed job is refunded. */
  restartedAs?: string;
  /** The job this one restarts. */
  restartOf?: string;
  deleted: boolean;
}

export type EndpointPhase =
  | { kind: "starting"; since: number; pendingUntil: number; startedAt: number }
  | { kind: "stopping"; since: number; stoppedAt: number }
  | { kind: "stopped"; since: number }
  | { kind: "error"; since: number; message: string };

export interface EndpointRecord {
  id: string;
  name: string;
  displayName: string;
  model: string;
  hardware: string;
  autoscaling: { min_replicas: number; max_replicas: number };
  createdAt: number;
  inactiveTimeout: number | null;
  availabilityZone?: string;
  phase: EndpointPhase;
  deleted: boolean;
}

export const DEFAULT_JOB_DURATIONS: JobDurations = {
  pendingMs: 5_000,
  queuedMs: 60_000,
  // ~5k tokens/s: the throughput of a LoRA job on a small model on one H100, order of magnitude.
  msPer1kTokens: 200,
  compressingMs: 60_000,
  uploadingMs: 60_000,
  cancelMs: 10_000,
};

export class EmulatorStore {
  readonly files = new Map<string, FileRecord>();
  readonly jobs = new Map<string, JobRecord>();
  readonly endpoints = new Map<string, EndpointRecord>();
  readonly hardwareAvailability = new Map<string, HardwareAvailabilityStatus>();
  jobDurations: JobDurations = { ...DEFAULT_JOB_DURATIONS };
  /** PENDING for the first sixth, then STARTING; ~3 min like a real small-model deployment. */
  endpointStartMs = 180_000;
  endpointStopMs = 30_000;
  /** USD credit limit reported by estimate-price. */
  userLimitUsd = 1_000;

  liveFile(id: string): FileRecord | undefined {
    const f = this.files.get(id);
    return f && !f.deleted ? f : undefined;
  }

  liveJob(id: string): JobRecord | undefined {
    const j = this.jobs.get(id);
    return j && !j.deleted ? j : undefined;
  }

  liveEndpoint(id: string): EndpointRecord | undefined {
    const e = this.endpoints.get(id);
    return e && !e.deleted ? e : undefined;
  }
}
