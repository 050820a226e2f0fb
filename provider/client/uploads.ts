// Uploads stream straight from disk (one file reader per request body, never the whole file in memory).
// Up to the multipart threshold: POST /files (302) -> PUT Location -> preprocess -> GET. Above it: multipart
// initiate -> part PUTs, 4 in flight -> complete -> preprocess. Once the server has assigned an id, any
// failure removes the half-made file (DELETE, or multipart abort) before an UploadError is thrown.
import { stat } from "node:fs/promises";
import { isSecureUrl } from "./base-url";
import { InvalidResponseError, UploadError, isTogetherError } from "./errors";
import { fileChunks } from "./file-chunks";
import { type RequestBody, type Transport } from "./transport";
import {
  type WireFile,
  type WireFileType,
  WireMultipartCompleteSchema,
  WireMultipartInitiateSchema,
  type WireMultipartPart,
  WireMultipartAbortSchema,
} from "./wire/files";
import { errorText } from "../shared/error-text";

export const MiB = 2 ** 20;
export const GiB = 2 ** 30;
/** Files above this go multipart (PY1 `MULTIPART_THRESHOLD_GB = 5.0`). */
export const MULTIPART_THRESHOLD_BYTES = 5 * GiB;
/** Together refuses bigger files (PY1 `MAX_FILE_SIZE_GB = 50.1`). */
export const MAX_UPLOAD_BYTES = Math.floor(50.1 * GiB);
export const TARGET_PART_BYTES = 250 * MiB;
export const MIN_PART_BYTES = 5 * MiB;
export const MAX_PARTS = 250;
export const PARTS_IN_FLIGHT = 4;
export const DEFAULT_UPLOAD_TIMEOUT_MS = 300_000;

export interface UploadOptions {
  path: string;
  /** Name recorded by Together (use the base name, not a local path). */
  fileName: string;
  purpose: string;
  fileType: WireFileType;
  onProgress?: (sentBytes: number, totalBytes: number) => void;
  /** Called (and awaited) as soon as Together has assigned the file id, before any byte is sent: a caller that
   *  may be killed mid-upload can record the id. */
  onFileId?: (fileId: string) => void | Promise<void>;
  signal?: AbortSignal;
  /** Test knob: files above this size use the multipart flow (default 5 GiB). */
  multipartThresholdBytes?: number;
  /** Test knob: target part size of the multipart flow (default 250 MiB, never below 5 MiB). */
  targetPartBytes?: number;
}

export interface UploadTuning {
  /** Inactivity limit per upload PUT (no body bytes sent and no answer for this long). */
  uploadTimeoutMs: number;
}

/** The Python SDK's `_calculate_parts`: ~250 MiB parts, at most 250 of them, none below 5 MiB. */
export function planParts(
  size: number,
  targetPartBytes: number = TARGET_PART_BYTES,
): { partSize: number; numParts: number } {
  if (size <= targetPartBytes) return { partSize: size, numParts: 1 };
  let numParts = Math.min(MAX_PARTS, Math.ceil(size / targetPartBytes));
  let partSize = Math.ceil(size / numParts);
  if (partSize < MIN_PART_BYTES) {
    partSize = MIN_PART_BYTES;
    numParts = Math.ceil(size / partSize);
  }
  return { partSize, numParts };
}

function fileSlice(path: string, start: number, length: number): RequestBody {
  if (length === 0) return Buffer.alloc(0);
  return fileChunks(path, start, length);
}

/** Sums bytes sent across concurrent parts; a retried part restarts its own count. */
class Progress {
  private readonly perPart = new Map<number, number>();
  private sent = 0;
  constructor(
    private readonly total: number,
    private readonly report: ((sent: number, total: number) => void) | undefined,
  ) {}
  restart(part: number): void {
    this.sent -= this.perPart.get(part) ?? 0;
    this.perPart.set(part, 0);
  }
  add(part: number, bytes: number): void {
    this.perPart.set(part, (this.perPart.get(part) ?? 0) + bytes);
    this.sent += bytes;
    this.report?.(this.sent, this.total);
  }
}

interface PutOptions {
  url: URL;
  headers: Record<string, string>;
  path: string;
  start: number;
  length: number;
  part: number;
  progress: Progress;
  tuning: UploadTuning;
  signal: AbortSignal | undefined;
}

async function putSlice(t: Transport, o: PutOptions): Promise<string | undefined> {
  if (!isSecureUrl(o.url)) {
    throw new InvalidResponseError({
      method: "PUT",
      path: `${o.url.origin}${o.url.pathname}`,
      detail: "the upload URL the API returned is not https; refusing to send the file in clear",
    });
  }
  const res = await t.external({
    method: "PUT",
    url: o.url,
    headers: {
      "content-type": "application/octet-stream",
      ...o.headers,
      "content-length": String(o.length),
    },
    body: () => fileSlice(o.path, o.start, o.length),
    timeoutMs: o.tuning.uploadTimeoutMs,
    onAttempt: () => o.progress.restart(o.part),
    onBodySent: (n) => o.progress.add(o.part, n),
    signal: o.signal,
  });
  return res.header("etag");
}

async function failUpload(
  label: { method: string; path: string },
  opts: UploadOptions,
  fileId: string,
  cause: unknown,
  cleanup: () => Promise<unknown>,
  how: string,
): Promise<never> {
  let outcome: string;
  try {
    await cleanup();
    outcome = `the partial file was removed (${how})`;
  } catch (cleanupErr) {
    outcome = `removing the partial file (${how}) also failed: ${errorText(cleanupErr)}`;
  }
  throw new UploadError({
    ...label,
    cause,
    detail: `upload of "${opts.fileName}" as ${fileId} failed: ${errorText(cause)}; ${outcome}`,
  });
}

interface FilesOps {
  delete(id: string): Promise<unknown>;
  get(id: string): Promise<WireFile>;
  preprocess(id: string): Promise<WireFile>;
}

export async function uploadFile(
  t: Transport,
  files: FilesOps,
  tuning: UploadTuning,
  opts: UploadOptions,
): Promise<WireFile> {
  let size: number;
  try {
    const st = await stat(opts.path);
    if (!st.isFile()) throw new Error(`${opts.path} is not a regular file`);
    size = st.size;
  } catch (err) {
    throw new UploadError({
      method: "POST",
      path: t.pathOf("/files"),
      cause: err,
      detail: `cannot read "${opts.path}": ${errorText(err)}`,
    });
  }
  if (size > MAX_UPLOAD_BYTES) {
    throw new UploadError({
      method: "POST",
      path: t.pathOf("/files"),
      detail: `"${opts.path}" is ${size} bytes; Together accepts files up to 50.1 GiB (${MAX_UPLOAD_BYTES} bytes)`,
    });
  }
  const threshold = opts.multipartThresholdBytes ?? MULTIPART_THRESHOLD_BYTES;
  return size > threshold
    ? multipartUpload(t, files, tuning, opts, size)
    : redirectUpload(t, files, tuning, opts, size);
}

async function redirectUpload(
  t: Transport,
  files: FilesOps,
  tuning: UploadTuning,
  opts: UploadOptions,
  size: number,
): Promise<WireFile> {
  const label = { method: "POST", path: t.pathOf("/files") };
  const res = await t.raw({
    call: "files.upload",
    method: "POST",
    path: "/files",
    kind: "create",
    form: { purpose: opts.purpose, file_name: opts.fileName, file_type: opts.fileType },
    expect: [302],
    signal: opts.signal,
  });
  const fileId = res.header("x-together-file-id");
  if (fileId === undefined || fileId === "") {
    throw new InvalidResponseError({ ...label, detail: "the 302 carries no X-Together-File-Id header" });
  }
  try {
    await opts.onFileId?.(fileId);
    const location = res.header("location");
    if (location === undefined || location === "") {
      throw new InvalidResponseError({ ...label, detail: "the 302 carries no Location header" });
    }
    const progress = new Progress(size, opts.onProgress);
    await putSlice(t, {
      url: new URL(location, t.baseUrl),
      headers: {},
      path: opts.path,
      start: 0,
      length: size,
      part: 1,
      progress,
      tuning,
      signal: opts.signal,
    });
    await files.preprocess(fileId);
    return await files.get(fileId);
  } catch (err) {
    return failUpload(label, opts, fileId, err, () => files.delete(fileId), `DELETE /files/${fileId}`);
  }
}

/** Runs `work` over every item with at most `limit` in flight. Once `signal` aborts no new item starts;
 *  it settles only when every started item has, so cleanup never races a part still in flight. */
async function runPool<T>(
  items: T[],
  limit: number,
  signal: AbortSignal,
  work: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length && !signal.aborted) {
      const item = items[next++] as T;
      await work(item);
    }
  };
  const results = await Promise.allSettled(Array.from({ length: Math.min(limit, items.length) }, worker));
  const failed = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
  if (failed) throw failed.reason;
}

async function multipartUpload(
  t: Transport,
  files: FilesOps,
  tuning: UploadTuning,
  opts: UploadOptions,
  size: number,
): Promise<WireFile> {
  const label = { method: "POST", path: t.pathOf("/files/multipart/initiate") };
  const { partSize, numParts } = planParts(
    size,
    Math.max(MIN_PART_BYTES, opts.targetPartBytes ?? TARGET_PART_BYTES),
  );
  const init = await t.json(
    {
      call: "files.upload (multipart initiate)",
      method: "POST",
      path: "/files/multipart/initiate",
      kind: "create",
      json: {
        file_name: opts.fileName,
        file_size: size,
        num_parts: numParts,
        purpose: opts.purpose,
        file_type: opts.fileType,
      },
      signal: opts.signal,
    },
    WireMultipartInitiateSchema,
  );
  const ids = { upload_id: init.upload_id, file_id: init.file_id };
  // Parts stop on the first failure or on the caller's abort; cleanup must still run after that.
  const stop = new AbortController();
  const onAbort = (): void => stop.abort(opts.signal?.reason);
  opts.signal?.addEventListener("abort", onAbort, { once: true });
  try {
    await opts.onFileId?.(init.file_id);
    if (init.parts.length !== numParts) {
      throw new InvalidResponseError({
        ...label,
        detail: `asked for ${numParts} part URLs, got ${init.parts.length}`,
      });
    }
    const progress = new Progress(size, opts.onProgress);
    const etags: { part_number: number; etag: string }[] = [];
    await runPool<WireMultipartPart>(init.parts, PARTS_IN_FLIGHT, stop.signal, async (part) => {
      const start = (part.partNumber - 1) * partSize;
      const length = Math.min(partSize, size - start);
      try {
        if (part.partNumber < 1 || part.partNumber > numParts || length <= 0) {
          throw new InvalidResponseError({
            ...label,
            detail: `part number ${part.partNumber} is out of range`,
          });
        }
        const url = new URL(part.url, t.baseUrl);
        const etag = await putSlice(t, {
          url,
          headers: part.headers,
          path: opts.path,
          start,
          length,
          part: part.partNumber,
          progress,
          tuning,
          signal: stop.signal,
        });
        const clean = etag?.replace(/^W\//, "").replace(/"/g, "").trim();
        if (!clean) {
          throw new InvalidResponseError({
            method: "PUT",
            path: `${url.origin}${url.pathname}`,
            detail: `part ${part.partNumber} was accepted without an ETag`,
          });
        }
        etags.push({ part_number: part.partNumber, etag: clean });
      } catch (err) {
        stop.abort(err);
        throw err;
      }
    });
    if (opts.signal?.aborted) throw opts.signal.reason;
    etags.sort((a, b) => a.part_number - b.part_number);
    await t.json(
      {
        call: "files.upload (multipart complete)",
        method: "POST",
        path: "/files/multipart/complete",
        kind: "idempotent",
        json: { ...ids, parts: etags },
      },
      WireMultipartCompleteSchema,
    );
    return await files.preprocess(init.file_id);
  } catch (err) {
    const cause: unknown = opts.signal?.aborted && !isTogetherError(err) ? opts.signal.reason : err;
    return failUpload(
      label,
      opts,
      init.file_id,
      cause,
      () =>
        t.json(
          {
            call: "files.upload (multipart abort)",
            method: "POST",
            path: "/files/multipart/abort",
            kind: "idempotent",
            json: ids,
          },
          WireMultipartAbortSchema,
        ),
      "multipart abort",
    );
  } finally {
    opts.signal?.removeEventListener("abort", onAbort);
  }
}
