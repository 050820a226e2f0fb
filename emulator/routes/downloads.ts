// `GET /v1/finetune/download`: a completed job's weights as a `.tar.zst`, with byte ranges. It refuses what
// Together's clients say Together refuses (a job that has not completed, a kind that does not fit the job's
// training type, a step that has no checkpoint) with a 400, and an unknown job with a 404.
import type { Reply } from "../http";
import { ApiError, badRequest, errorReply, notFound } from "../http";
import { checkpoints, jobStatus } from "../job-timeline";
import { modelArchive, DEFAULT_WEIGHTS_BYTES, type ModelArchive } from "../model-archive";
import type { Route, RouteContext } from "../runtime";
import type { EmulatorStore, JobRecord } from "../store";

export const DOWNLOAD_KINDS = ["merged", "adapter", "model_output_path"] as const;
export type DownloadKind = (typeof DOWNLOAD_KINDS)[number];

/** Per emulator: how big the weights in an archive are (the benchmark streams gigabytes). */
const weightsBytes = new WeakMap<EmulatorStore, number>();

/** Sets the size of the weights file in every archive this emulator serves from now on (default 256 KiB). */
export function setDownloadWeightsBytes(store: EmulatorStore, bytes: number): void {
  if (!Number.isSafeInteger(bytes) || bytes < 0)
    throw new RangeError(`weights size must be >= 0, got ${bytes}`);
  weightsBytes.set(store, bytes);
}

/**
 * The archive the route serves for this request, or the refusal Together would answer. Exported so tests can
 * hash what a download should have produced.
 */
export function archiveFor(
  store: EmulatorStore,
  now: number,
  jobId: string,
  checkpoint: string | undefined,
  step: number | undefined,
): ModelArchive {
  const job = store.liveJob(jobId);
  if (!job) throw notFound(`Fine-tune job ${jobId} not found`, "ft_id");
  const status = jobStatus(job, now);
  if (status !== "completed") {
    throw badRequest(`Fine-tune job ${jobId} is ${status}: only a completed job can be downloaded`, "ft_id");
  }
  const saved = checkpoints(job, now);
  const finalStep = saved.find((c) => c.type !== "Intermediate")?.step ?? 0;
  if (step !== undefined && step > 0 && step !== finalStep) {
    if (!saved.some((c) => c.step === step && c.type === "Intermediate")) {
      const steps = [...new Set(saved.map((c) => c.step))].join(", ");
      throw badRequest(
        `Fine-tune job ${jobId} has no checkpoint at step ${step} (steps: ${steps})`,
        "checkpoint_step",
      );
    }
    // An intermediate step names one checkpoint: `checkpoint` is ignored (OpenAPI).
    return modelArchive({ jobId, kind: "step", step }, sized(store));
  }
  if (checkpoint === undefined) {
    throw badRequest("checkpoint is required when checkpoint_step is not set", "checkpoint");
  }
  return modelArchive({ jobId, kind: kindFor(job, checkpoint), step: finalStep }, sized(store));
}

function sized(store: EmulatorStore): number {
  return weightsBytes.get(store) ?? DEFAULT_WEIGHTS_BYTES;
}

/** A full-training job has one artifact (`model_output_path`); a LoRA job a merged model and an adapter, or,
 *  where the model has no merged LoRA output, the adapter only. */
function kindFor(job: JobRecord, checkpoint: string): DownloadKind {
  if (!(DOWNLOAD_KINDS as readonly string[]).includes(checkpoint)) {
    throw badRequest(
      `checkpoint must be one of ${DOWNLOAD_KINDS.join(", ")}, got ${JSON.stringify(checkpoint)}`,
      "checkpoint",
    );
  }
  if (job.trainingType === "Full") {
    if (checkpoint !== "model_output_path") {
      throw badRequest(
        `Fine-tune job ${job.id} is a full-training job: download it with checkpoint=model_output_path`,
        "checkpoint",
      );
    }
    return checkpoint;
  }
  if (checkpoint === "model_output_path") {
    throw badRequest(
      `Fine-tune job ${job.id} is a LoRA job: download checkpoint=merged or checkpoint=adapter`,
      "checkpoint",
    );
  }
  if (checkpoint === "merged" && job.adapterOnly) {
    throw badRequest(
      `Fine-tune job ${job.id} has no merged model (its model ships LoRA adapters only): download checkpoint=adapter`,
      "checkpoint",
    );
  }
  return checkpoint as DownloadKind;
}

function parseStep(raw: string | null): number | undefined {
  if (raw === null || raw === "") return undefined;
  if (!/^\d+$/.test(raw))
    throw badRequest(`checkpoint_step must be an integer, got ${raw}`, "checkpoint_step");
  return Number(raw);
}

/** `bytes=a-b`, `bytes=a-` or `bytes=-n` (one range; anything else is served whole, as servers may). */
function parseRange(
  header: string | undefined,
  size: number,
): { start: number; end: number } | "bad" | undefined {
  const m = /^bytes=(\d*)-(\d*)$/.exec((header ?? "").trim());
  if (!m || (m[1] === "" && m[2] === "")) return undefined;
  if (m[1] === "") {
    const n = Number(m[2]);
    return n === 0 ? "bad" : { start: Math.max(0, size - n), end: size };
  }
  const start = Number(m[1]);
  const end = m[2] === "" ? size : Math.min(size, Number(m[2]) + 1);
  if (start >= size || end <= start) return "bad";
  return { start, end };
}

function serve(ctx: RouteContext): Reply {
  const jobId = ctx.query.get("ft_id") ?? "";
  if (jobId === "") throw badRequest("ft_id is required", "ft_id");
  const archive = archiveFor(
    ctx.rt.store,
    ctx.now,
    jobId,
    ctx.query.get("checkpoint") ?? undefined,
    parseStep(ctx.query.get("checkpoint_step")),
  );
  const { key } = archive;
  const name = `${key.jobId}${key.kind === "step" ? `-checkpoint-${key.step}` : `-${key.kind}`}.tar.zst`;
  const headers: Record<string, string> = {
    "content-type": "application/octet-stream",
    "content-disposition": `attachment; filename="${name}"`,
    "accept-ranges": "bytes",
    etag: archive.etag,
  };
  const ifRange = ctx.req.headers["if-range"];
  const range = ifRange === undefined || ifRange === archive.etag ? ctx.req.headers.range : undefined;
  const wanted = parseRange(range, archive.bytes);
  if (wanted === "bad") {
    const err = new ApiError(
      416,
      `Range ${range} is not satisfiable (size ${archive.bytes})`,
      null,
      "range_not_satisfiable",
    );
    return errorReply(err, { "content-range": `bytes */${archive.bytes}` });
  }
  if (wanted === undefined) {
    return {
      status: 200,
      headers: { ...headers, "content-length": String(archive.bytes) },
      computed: { start: 0, end: archive.bytes, fill: archive.fill },
    };
  }
  return {
    status: 206,
    headers: {
      ...headers,
      "content-length": String(wanted.end - wanted.start),
      "content-range": `bytes ${wanted.start}-${wanted.end - 1}/${archive.bytes}`,
    },
    computed: { start: wanted.start, end: wanted.end, fill: archive.fill },
  };
}

export function downloadRoutes(): Route[] {
  return [{ method: "GET", pattern: /^\/v1\/finetune\/download$/, body: "none", auth: true, handle: serve }];
}
