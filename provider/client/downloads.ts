// Downloads stream to disk as they arrive (flat memory at any size), hashing on the way. A dropped connection is
// retried with the client's read rules, asking for the rest with `Range: bytes=<have>-` (and `If-Range`, so the
// rest is of the same archive); a server that answers the whole body instead is followed from byte 0. Redirects
// to a storage host are followed without the API key. The SHA-256 is of the bytes on disk (file-hasher.ts: on a
// worker thread for a large archive).
import { open, type FileHandle } from "node:fs/promises";
import { isSecureUrl } from "./base-url";
import { InvalidResponseError } from "./errors";
import { type FileHasher, startFileHasher } from "./file-hasher";
import { BodyInterrupted, type StreamingResponse, type Transport } from "./transport";

export type DownloadCheckpoint = "merged" | "adapter" | "model_output_path";

export interface DownloadOptions {
  jobId: string;
  /** Required by Together unless `checkpointStep` is set. */
  checkpoint?: DownloadCheckpoint;
  /** An intermediate step; the final step (or none) downloads the final model. */
  checkpointStep?: number;
  /** Where the bytes go; any content there is replaced. The caller renames it once complete. */
  path: string;
  onProgress?: (received: number, total: number) => void;
  /** Told whenever an attempt starts over from byte 0 or resumes, with why. */
  onRestart?: (event: DownloadRestart) => void;
  signal?: AbortSignal;
}

export type DownloadRestart =
  | { type: "resume"; from: number; total: number }
  /** The server sent the whole body again although a range was asked for (or the archive changed). */
  | { type: "restart"; discarded: number; reason: string };

export interface DownloadResult {
  bytes: number;
  sha256: string;
  /** `content-type` as served (`application/octet-stream`; PY1 names the file `.tar.gz` for `x-tar`). */
  contentType?: string;
  /** Attempts that resumed with a range, and attempts that had to start over. */
  resumes: number;
  restarts: number;
}

const MAX_REDIRECTS = 5;
/** Write in large pieces: one syscall per ~1 MiB instead of one per socket read. */
const WRITE_BATCH_BYTES = 1024 * 1024;
/** Read ahead of the disk by at most this much (then reading waits): memory stays flat at any size. */
const MAX_UNWRITTEN_BYTES = 8 * WRITE_BATCH_BYTES;

class Sink {
  received = 0;
  total: number | undefined;
  /** Started by the first attempt that knows the archive's size; a restart from byte 0 starts another. */
  hasher: FileHasher | undefined;
  validator: string | undefined;
  contentType: string | undefined;
  resumes = 0;
  restarts = 0;
  constructor(
    readonly fh: FileHandle,
    readonly path: string,
  ) {}

  /** The hasher for this archive, started once its size is known (a large one hashes on a worker thread). */
  hasherFor(total: number | undefined): FileHasher {
    this.hasher ??= startFileHasher(this.path, total);
    return this.hasher;
  }

  async reset(): Promise<void> {
    await this.hasher?.close();
    this.hasher = undefined;
    await this.fh.truncate(0);
    this.received = 0;
  }

  async digest(): Promise<string> {
    const hasher = this.hasherFor(0);
    this.hasher = undefined;
    return hasher.digest(this.received);
  }
}

export async function download(t: Transport, opts: DownloadOptions): Promise<DownloadResult> {
  const fh = await open(opts.path, "w");
  const sink = new Sink(fh, opts.path);
  try {
    let target: { path: string; query: Record<string, string | number | undefined> } | { url: URL } = {
      path: "/finetune/download",
      query: { ft_id: opts.jobId, checkpoint: opts.checkpoint, checkpoint_step: opts.checkpointStep },
    };
    for (let hop = 0; ; hop++) {
      let redirect: URL | undefined;
      await t.stream({
        call: "fineTunes.download",
        target,
        headers: () => rangeHeaders(sink),
        accept: (s) => s === 200 || s === 206 || s === 416 || (s >= 300 && s < 400 && s !== 304),
        consume: async (res) => {
          if (res.status >= 300 && res.status < 400) {
            redirect = redirectTarget(t, res, target);
            for await (const _chunk of res.body) void _chunk;
            return;
          }
          await receive(sink, res, opts);
        },
        signal: opts.signal,
      });
      if (redirect === undefined) break;
      if (hop + 1 >= MAX_REDIRECTS) {
        throw new InvalidResponseError({
          method: "GET",
          path: t.pathOf("/finetune/download"),
          detail: `more than ${MAX_REDIRECTS} redirects`,
        });
      }
      target = { url: redirect };
    }
    const [sha256] = await Promise.all([sink.digest(), fh.sync()]);
    return {
      bytes: sink.received,
      sha256,
      ...(sink.contentType !== undefined && { contentType: sink.contentType }),
      resumes: sink.resumes,
      restarts: sink.restarts,
    };
  } finally {
    await sink.hasher?.close();
    await fh.close();
  }
}

function rangeHeaders(sink: Sink): Record<string, string> {
  const h: Record<string, string> = { accept: "application/octet-stream" };
  if (sink.received > 0) {
    h.range = `bytes=${sink.received}-`;
    if (sink.validator !== undefined) h["if-range"] = sink.validator;
  }
  return h;
}

function redirectTarget(t: Transport, res: StreamingResponse, from: { path: string } | { url: URL }): URL {
  const location = res.header("location");
  const base = "url" in from ? from.url : t.urlOf(from.path);
  const label = { method: "GET", path: "url" in from ? `${base.origin}${base.pathname}` : base.pathname };
  if (location === undefined) {
    throw new InvalidResponseError({ ...label, detail: `HTTP ${res.status} without a Location header` });
  }
  const url = new URL(location, base);
  if (!isSecureUrl(url)) {
    throw new InvalidResponseError({
      ...label,
      detail:
        "the download was redirected to a URL that is not https; refusing to fetch the weights in clear",
    });
  }
  return url;
}

/** One attempt's body: appended after what earlier attempts wrote (206), or from the start (200). */
async function receive(sink: Sink, res: StreamingResponse, opts: DownloadOptions): Promise<void> {
  if (res.status === 416) {
    // The range asked for lies beyond the archive: it is not the one the bytes so far came from.
    await restart(sink, opts, "the server refused the range (416)");
    throw new BodyInterrupted("range not satisfiable");
  }
  const length = numberHeader(res.header("content-length"));
  if (res.status === 206) {
    const range = parseContentRange(res.header("content-range"));
    if (range === undefined || range.start !== sink.received) {
      await restart(sink, opts, `the server sent a range that does not follow the bytes so far`);
      throw new BodyInterrupted("unusable range");
    }
    if (sink.received > 0) {
      sink.resumes++;
      opts.onRestart?.({ type: "resume", from: sink.received, total: range.total });
    }
    sink.total = range.total;
  } else {
    if (sink.received > 0) await restart(sink, opts, "the server does not resume (no range support)");
    sink.total = length;
  }
  sink.validator ??= res.header("etag") ?? res.header("last-modified");
  sink.contentType ??= res.header("content-type");
  sink.hasherFor(sink.total);
  const out = new OrderedWriter(sink, opts);
  try {
    for await (const chunk of res.body) {
      out.push(chunk);
      if (out.unwritten >= MAX_UNWRITTEN_BYTES) await out.below(MAX_UNWRITTEN_BYTES);
    }
  } finally {
    // What arrived before a drop is kept: the next attempt asks for what follows it.
    await out.finish();
  }
  if (sink.total !== undefined && sink.received < sink.total) {
    throw new BodyInterrupted(`body ended at ${sink.received} of ${sink.total} bytes`);
  }
}

/**
 * Writes the body in order at `sink.received` while more of it is read, and hands each batch to the hasher once it
 * is on disk, while the next batch is being written: the write (a thread-pool syscall, which may wait on
 * writeback) and the hash overlap instead of taking turns, and reading goes on meanwhile, up to
 * MAX_UNWRITTEN_BYTES ahead of the disk. `sink.received` and the hash only ever cover bytes written, so a resume asks for exactly what
 * follows them. A failed write fails the download.
 */
class OrderedWriter {
  /** Bytes read from the body and not yet written and hashed (batched, queued or being written). */
  unwritten = 0;
  private batch: Buffer[] = [];
  private batchBytes = 0;
  private queue: { data: Buffer[]; bytes: number }[] = [];
  private writing = false;
  private writeAt: number;
  private failure: { error: unknown } | undefined;
  private wake: (() => void) | undefined;

  constructor(
    private readonly sink: Sink,
    private readonly opts: DownloadOptions,
  ) {
    this.writeAt = sink.received;
  }

  push(chunk: Buffer): void {
    this.batch.push(chunk);
    this.batchBytes += chunk.length;
    this.unwritten += chunk.length;
    if (this.batchBytes >= WRITE_BATCH_BYTES) this.submit();
  }

  /** Resolves once fewer than `limit` bytes wait to be written; throws a failed write's error. */
  async below(limit: number): Promise<void> {
    while (this.failure === undefined && this.unwritten >= limit && this.writing) {
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
    if (this.failure !== undefined) throw this.failure.error;
  }

  /** Writes what is left and waits for every write; throws a failed write's error. */
  async finish(): Promise<void> {
    this.submit();
    while (this.failure === undefined && this.writing) {
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
    if (this.failure !== undefined) throw this.failure.error;
  }

  private submit(): void {
    if (this.batchBytes === 0 || this.failure !== undefined) return;
    const job = { data: this.batch, bytes: this.batchBytes };
    this.batch = [];
    this.batchBytes = 0;
    this.queue.push(job);
    this.next();
  }

  private next(): void {
    if (this.writing || this.failure !== undefined) return;
    const job = this.queue.shift();
    if (job === undefined) return;
    this.writing = true;
    const at = this.writeAt;
    this.writeAt += job.bytes;
    writeAllv(this.sink.fh, job.data, job.bytes, at).then(
      () => {
        this.writing = false;
        this.next(); // the next write goes to the thread pool first; this one is hashed meanwhile
        this.written(job);
        this.notify();
      },
      (error: unknown) => {
        this.writing = false;
        this.failure = { error };
        this.queue = [];
        this.notify();
      },
    );
  }

  private written(job: { data: Buffer[]; bytes: number }): void {
    this.sink.received += job.bytes;
    this.sink.hasher?.written(job.data, this.sink.received);
    this.unwritten -= job.bytes;
    this.opts.onProgress?.(this.sink.received, this.sink.total ?? this.sink.received);
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }
}

async function restart(sink: Sink, opts: DownloadOptions, reason: string): Promise<void> {
  sink.restarts++;
  opts.onRestart?.({ type: "restart", discarded: sink.received, reason });
  sink.validator = undefined;
  await sink.reset();
}

/** The chunks as they arrived, in one `pwritev` (no copy into a batch buffer); a short write goes on after it. */
async function writeAllv(fh: FileHandle, data: Buffer[], bytes: number, position: number): Promise<void> {
  let done = 0;
  let rest = data;
  for (;;) {
    const { bytesWritten } = await fh.writev(rest, position + done);
    if (bytesWritten <= 0) throw new Error(`writing at byte ${position + done} wrote nothing`);
    done += bytesWritten;
    if (done >= bytes) return;
    rest = after(data, done);
  }
}

/** The buffers' bytes from `skip` on, without copying them. */
function after(data: Buffer[], skip: number): Buffer[] {
  const out: Buffer[] = [];
  let left = skip;
  for (const b of data) {
    if (left >= b.length) {
      left -= b.length;
      continue;
    }
    out.push(left > 0 ? b.subarray(left) : b);
    left = 0;
  }
  return out;
}

function numberHeader(v: string | undefined): number | undefined {
  if (v === undefined || !/^\d+$/.test(v.trim())) return undefined;
  return Number(v);
}

/** `bytes 100-199/1000` */
function parseContentRange(v: string | undefined): { start: number; total: number } | undefined {
  const m = /^bytes (\d+)-(\d+)\/(\d+)$/.exec((v ?? "").trim());
  return m ? { start: Number(m[1]), total: Number(m[3]) } : undefined;
}
