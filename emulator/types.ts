export interface EmulatorOptions {
  /** 0 (default) = a free port; the server binds 127.0.0.1 only. */
  port?: number;
  /** Default "emulator-key". */
  apiKey?: string;
  /** Emulated time runs this many times faster than real time; default 1. */
  timeScale?: number;
  /** Where uploaded bytes go (default: a fresh temp dir, removed on close). */
  dataDir?: string;
  /** The project the API key belongs to on the v2 API (default: derived from the API key, stable per key). */
  projectId?: string;
}

/** What can happen to a fine-tune job after it was created (Together's side, not the request's). */
export type JobOutcome =
  /** An internal error: the job fails, is refunded, and Together restarts it under a new job id. */
  | "restart"
  /** An internal error without a restart. */
  | "error"
  /** Together blames the input: status user_error with the message. */
  | "user_error"
  /** The account's billing limit stops the job (a billing_limit event). */
  | "billing_limit";

export type FaultAction =
  | { type: "status"; status: number; retryAfterSeconds?: number; message?: string }
  /** On `POST /v1/fine-tunes`: the request succeeds, and the job it creates meets `outcome` once this fraction of
   *  its training is done (default 0.5). */
  | { type: "job"; outcome: JobOutcome; atFraction?: number; message?: string }
  | { type: "latency"; ms: number }
  | {
      type: "reset";
      /** before: dropped before processing (nothing committed); after: processed and committed, then
       *  dropped (the ambiguous create); mid-body: dropped after part of the request body arrived;
       *  mid-response: answered, then dropped after `afterBytes` of the response body (default: half of it). */
      phase: "before" | "after" | "mid-body" | "mid-response";
      afterBytes?: number;
    };

export interface FaultRule {
  method?: string;
  /** Matched against the URL path including /v1 (string: exact match). Upload URLs live under /_uploads/. */
  path?: string | RegExp;
  /** How many matching requests it hits (default 1; Infinity allowed). */
  times?: number;
  action: FaultAction;
}

export interface RequestRecord {
  method: string;
  /** URL path without the query. */
  path: string;
  query: Record<string, string>;
  /** Status sent; 0 when the connection was dropped before any response. */
  status: number;
  /** Request headers, lower-cased names; the Authorization value is redacted. */
  headers: Record<string, string>;
  /** Parsed JSON or form fields (never upload bytes); W&B keys and HF tokens redacted to "***". */
  body?: unknown;
  requestId: string;
  /** Emulated epoch ms when the request arrived. */
  at: number;
  /** Which injected fault hit this request, if any. */
  fault?:
    "status" | "latency" | "reset-before" | "reset-after" | "reset-mid-body" | "reset-mid-response" | "job";
}

export interface EmulatorSummary {
  filesCreated: number;
  filesLive: number;
  jobsCreated: number;
  jobsActive: number;
  endpointsCreated: number;
  endpointsLive: number;
  endpointsBilling: number;
  /** v2: endpoints and deployments not deleted, and deployments holding GPUs. */
  v2EndpointsLive: number;
  deploymentsCreated: number;
  deploymentsLive: number;
  deploymentsBilling: number;
}

export type HardwareAvailabilityStatus = "available" | "unavailable" | "insufficient";

export interface JobDurations {
  pendingMs: number;
  queuedMs: number;
  msPer1kTokens: number;
  compressingMs: number;
  uploadingMs: number;
  cancelMs: number;
}
