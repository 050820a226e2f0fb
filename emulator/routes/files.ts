// Files: list/get/delete/content, the three upload mechanisms (302 redirect + PUT, multipart parts,
// one-shot multipart form) and the server-side processing that follows a completed upload.
import { randomBytes, randomUUID } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { BlockWriter } from "../block-writer";
import { checkFileContent } from "../file-check";
import { QUEUED_MS, processingState } from "../file-state";
import { ApiError, badRequest, json, multipartBoundary, notFound, type Reply } from "../http";
import { MultipartError, readMultipart } from "../multipart";
import { ConnectionDropped, type Route, type RouteContext, type Runtime } from "../runtime";
import type { FilePurpose, FileRecord, FileType } from "../store";
import { errorText } from "../../provider/shared/error-text";

/** Upload URLs (the emulator's stand-in for pre-signed object-store URLs) live under this prefix. */
export const UPLOAD_PREFIX = "/_uploads";

const PURPOSES: FilePurpose[] = [
  "fine-tune",
  "eval",
  "eval-sample",
  "eval-output",
  "eval-summary",
  "batch-generated",
  "batch-api",
];
const FILE_TYPES: FileType[] = ["jsonl", "parquet", "csv"];
const MAX_FILE_BYTES = Math.floor(50.1 * 2 ** 30);
const MAX_PARTS = 250;
const MIN_PART_BYTES = 5 * 2 ** 20;

export function fileView(file: FileRecord, now: number): Record<string, unknown> {
  const view: Record<string, unknown> = {
    id: file.id,
    object: "file",
    created_at: Math.floor(file.createdAt / 1000),
    filename: file.filename,
    bytes: file.bytes,
    purpose: file.purpose,
    FileType: file.fileType,
    Processed: false,
  };
  if (file.purpose !== "fine-tune") {
    view.Processed = file.upload === "complete";
    return view;
  }
  const p = file.processing;
  const state = processingState(file, now);
  if (!p) view.processing_status = "PENDING";
  else if (state === "pending") view.processing_status = now - p.startedAt < QUEUED_MS ? "QUEUED" : "RUNNING";
  else {
    const r = p.result!;
    view.Processed = true;
    view.processing_status = r.valid
      ? "COMPLETED"
      : r.error?.startsWith("internal error")
        ? "FAILED"
        : "INVALID_FORMAT";
    view.validation_report = {
      valid: r.valid,
      ...(r.format ? { dataset_format: r.format } : {}),
      ...(r.error ? { error: r.error, error_type: "INVALID_FORMAT" } : {}),
      file_id: file.id,
      nlines: r.nlines,
      dataset_has_message_weights: r.hasMessageWeights,
      dataset_has_tools: r.hasTools,
      dataset_has_parallel_tool_calls: false,
      dataset_has_reasoning: false,
      dataset_has_sample_weights: false,
      dataset_is_multimodal: false,
    };
  }
  return view;
}

/** Bytes are complete: validate them in the background; the outcome shows after MIN_PROCESSING_MS. */
function startProcessing(rt: Runtime, file: FileRecord): void {
  const processing: NonNullable<FileRecord["processing"]> = { startedAt: rt.clock.now() };
  file.processing = processing;
  if (file.purpose !== "fine-tune") return;
  rt.track(
    checkFileContent(file.dataPath, file.fileType, file.purpose, () => !file.deleted)
      .catch((err: unknown) => ({
        valid: false,
        nlines: 0,
        error: `internal error while processing: ${errorText(err)}`,
        hasMessageWeights: false,
        hasTools: false,
      }))
      .then((result) => {
        processing.result = result;
        processing.resultAt = rt.clock.now();
      }),
  );
}

function liveFile(ctx: RouteContext, id = ctx.params[0] ?? ""): FileRecord {
  const f = ctx.rt.store.liveFile(id);
  if (!f) throw notFound(`File ${id} not found`, "id");
  return f;
}

function str(v: unknown): string | undefined {
  return typeof v === "string" && v !== "" ? v : undefined;
}

function parseFileMeta(
  fields: Record<string, unknown>,
  fallbackName?: string,
): { filename: string; purpose: FilePurpose; fileType: FileType } {
  const filename = str(fields.file_name) ?? str(fields.filename) ?? fallbackName;
  if (!filename) throw badRequest("file_name is required", "file_name");
  const purpose = fields.purpose;
  if (!PURPOSES.includes(purpose as FilePurpose)) {
    throw badRequest(
      `purpose must be one of ${PURPOSES.join(", ")}, got ${JSON.stringify(purpose)}`,
      "purpose",
    );
  }
  const ext = path.extname(filename).slice(1).toLowerCase();
  const fileType = str(fields.file_type) ?? (FILE_TYPES.includes(ext as FileType) ? ext : "jsonl");
  if (!FILE_TYPES.includes(fileType as FileType)) {
    throw badRequest(
      `file_type must be one of ${FILE_TYPES.join(", ")}, got ${JSON.stringify(fileType)}`,
      "file_type",
    );
  }
  return { filename, purpose: purpose as FilePurpose, fileType: fileType as FileType };
}

function newFile(
  ctx: RouteContext,
  meta: ReturnType<typeof parseFileMeta>,
  upload: FileRecord["upload"],
): FileRecord {
  const id = `file-${randomUUID()}`;
  const file: FileRecord = {
    id,
    ...meta,
    createdAt: ctx.now,
    bytes: 0,
    dataPath: path.join(ctx.rt.dataDir, id),
    upload,
    deleted: false,
  };
  ctx.rt.store.files.set(id, file);
  return file;
}

/**
 * An ETag for one stored PUT: 32 hex digits, the shape of S3's. S3 derives it from the content (MD5); ours
 * is random per stored body, because hashing every byte cost the emulator a fifth of its CPU per GiB (see
 * block-writer.ts). Clients treat ETags as opaque and echo them back, and complete() still checks each one.
 * One difference: after a part is re-sent, S3 would still accept the first attempt's ETag if the bytes were
 * identical; here only the ETag of the part's last stored PUT matches, which is what a client must send.
 */
function storedBodyEtag(): string {
  return randomBytes(16).toString("hex");
}

/** Streams the request body into `fh` at `offset`, at most `limit` bytes; sparse where the data is zero. */
async function streamTo(
  ctx: RouteContext,
  fh: fs.promises.FileHandle,
  offset: number,
  overwrite: boolean,
  limit: number,
): Promise<{ etag: string; written: number }> {
  const writer = new BlockWriter(fh, offset, overwrite);
  try {
    for await (const chunk of ctx.chunks()) {
      if (writer.written + chunk.length > limit)
        throw badRequest(`upload body exceeds the expected ${limit} bytes`);
      await writer.write(chunk);
    }
  } catch (err) {
    if (err instanceof ApiError || err instanceof ConnectionDropped) throw err;
    throw new ConnectionDropped(`client went away mid-upload: ${errorText(err)}`);
  }
  await writer.finish();
  return { etag: storedBodyEtag(), written: writer.written };
}

async function putWholeFile(ctx: RouteContext): Promise<Reply> {
  const file = ctx.rt.store.liveFile(ctx.params[0] ?? "");
  if (!file || file.upload === "multipart") throw notFound("No pending upload at this URL");
  if (file.upload === "complete")
    throw new ApiError(409, `File ${file.id} is already uploaded`, null, "conflict");
  const fh = await fs.promises.open(file.dataPath, "w");
  let result: { etag: string; written: number };
  try {
    result = await streamTo(ctx, fh, 0, false, MAX_FILE_BYTES);
    await fh.truncate(result.written);
  } finally {
    await fh.close();
  }
  const declared = ctx.req.headers["content-length"];
  if (declared !== undefined && Number(declared) !== result.written) {
    throw badRequest(`received ${result.written} bytes but Content-Length said ${declared}`);
  }
  file.bytes = result.written;
  file.upload = "complete";
  startProcessing(ctx.rt, file);
  return { status: 200, headers: { etag: `"${result.etag}"` } };
}

async function putPart(ctx: RouteContext): Promise<Reply> {
  const file = ctx.rt.store.liveFile(ctx.params[0] ?? "");
  const mp = file?.multipart;
  if (!file || !mp || mp.uploadId !== ctx.query.get("upload_id"))
    throw notFound("NoSuchUpload: the multipart upload does not exist");
  if (mp.state !== "open")
    throw new ApiError(409, `multipart upload ${mp.uploadId} is ${mp.state}`, null, "conflict");
  const n = Number(ctx.params[1]);
  if (!Number.isInteger(n) || n < 1 || n > mp.numParts)
    throw badRequest(`part number must be 1..${mp.numParts}, got ${ctx.params[1]}`);
  const expected = n < mp.numParts ? mp.partSize : mp.fileSize - (mp.numParts - 1) * mp.partSize;
  const overwrite = mp.touched.has(n);
  mp.touched.add(n);
  const fh = await fs.promises.open(file.dataPath, "r+");
  let result: { etag: string; written: number };
  try {
    result = await streamTo(ctx, fh, (n - 1) * mp.partSize, overwrite, expected);
  } finally {
    await fh.close();
  }
  if (result.written !== expected) {
    throw badRequest(
      `part ${n} must be ${expected} bytes (parts are ceil(file_size / num_parts) bytes, the last one the rest), got ${result.written}`,
    );
  }
  mp.parts.set(n, { etag: result.etag, size: result.written });
  return { status: 200, headers: { etag: `"${result.etag}"` } };
}

function multipartFile(ctx: RouteContext): FileRecord & { multipart: NonNullable<FileRecord["multipart"]> } {
  const fileId = str(ctx.body.file_id);
  const uploadId = str(ctx.body.upload_id);
  if (!fileId) throw badRequest("file_id is required", "file_id");
  if (!uploadId) throw badRequest("upload_id is required", "upload_id");
  const file = ctx.rt.store.files.get(fileId);
  if (!file?.multipart || file.multipart.uploadId !== uploadId)
    throw notFound(`multipart upload ${uploadId} for ${fileId} not found`, "upload_id");
  return file as FileRecord & { multipart: NonNullable<FileRecord["multipart"]> };
}

const stripQuotes = (s: string): string => s.replace(/^"|"$/g, "");

export function fileRoutes(): Route[] {
  return [
    {
      method: "GET",
      pattern: /^\/v1\/files$/,
      body: "none",
      auth: true,
      handle: (ctx) => {
        const files = [...ctx.rt.store.files.values()].filter((f) => !f.deleted);
        return json({ object: "list", data: files.map((f) => fileView(f, ctx.now)) });
      },
    },
    {
      method: "GET",
      pattern: /^\/v1\/files\/([^/]+)$/,
      body: "none",
      auth: true,
      handle: (ctx) => json(fileView(liveFile(ctx), ctx.now)),
    },
    {
      method: "DELETE",
      pattern: /^\/v1\/files\/([^/]+)$/,
      body: "none",
      auth: true,
      handle: async (ctx) => {
        const file = liveFile(ctx);
        file.deleted = true;
        if (file.multipart?.state === "open") file.multipart.state = "aborted";
        await fs.promises.rm(file.dataPath, { force: true });
        return json({ id: file.id, object: "file", deleted: true });
      },
    },
    {
      method: "GET",
      pattern: /^\/v1\/files\/([^/]+)\/content$/,
      body: "none",
      auth: true,
      handle: (ctx) => {
        const file = liveFile(ctx);
        if (file.upload !== "complete")
          throw badRequest(`File ${file.id} has no content yet: its upload has not finished`, "id");
        return {
          status: 200,
          headers: { "content-type": "application/octet-stream", "content-length": String(file.bytes) },
          stream: fs.createReadStream(file.dataPath),
        };
      },
    },
    {
      method: "POST",
      pattern: /^\/v1\/files\/([^/]+)\/preprocess$/,
      body: "none",
      auth: true,
      handle: (ctx) => {
        const file = liveFile(ctx);
        if (file.upload !== "complete")
          throw badRequest(`File ${file.id} has no content yet: upload the bytes before preprocessing`, "id");
        return json(fileView(file, ctx.now));
      },
    },
    {
      method: "POST",
      pattern: /^\/v1\/files$/,
      body: "form",
      auth: true,
      handle: (ctx) => {
        const file = newFile(ctx, parseFileMeta(ctx.body), "awaiting");
        return {
          status: 302,
          headers: {
            location: `${ctx.rt.origin()}${UPLOAD_PREFIX}/${file.id}`,
            "x-together-file-id": file.id,
          },
        };
      },
    },
    {
      method: "PUT",
      pattern: new RegExp(`^${UPLOAD_PREFIX}/(file-[^/]+)$`),
      body: "stream",
      auth: false,
      handle: putWholeFile,
    },
    {
      method: "PUT",
      pattern: new RegExp(`^${UPLOAD_PREFIX}/(file-[^/]+)/parts/(\\d+)$`),
      body: "stream",
      auth: false,
      handle: putPart,
    },
    {
      method: "POST",
      pattern: /^\/v1\/files\/multipart\/initiate$/,
      body: "json",
      auth: true,
      handle: async (ctx) => {
        const meta = parseFileMeta(ctx.body);
        const size = ctx.body.file_size;
        if (typeof size !== "number" || !Number.isInteger(size) || size < 1 || size > MAX_FILE_BYTES) {
          throw badRequest(
            `file_size must be an integer between 1 and ${MAX_FILE_BYTES}, got ${JSON.stringify(size)}`,
            "file_size",
          );
        }
        const numParts = ctx.body.num_parts;
        if (
          typeof numParts !== "number" ||
          !Number.isInteger(numParts) ||
          numParts < 1 ||
          numParts > Math.min(MAX_PARTS, size)
        ) {
          throw badRequest(
            `num_parts must be an integer between 1 and ${MAX_PARTS}, got ${JSON.stringify(numParts)}`,
            "num_parts",
          );
        }
        const partSize = Math.ceil(size / numParts);
        if (numParts > 1 && partSize < MIN_PART_BYTES) {
          throw badRequest(
            `parts must be at least ${MIN_PART_BYTES} bytes (except the last); use fewer parts`,
            "num_parts",
          );
        }
        const file = newFile(ctx, meta, "multipart");
        const uploadId = `mpu-${randomUUID()}`;
        file.multipart = {
          uploadId,
          fileSize: size,
          numParts,
          partSize,
          parts: new Map(),
          touched: new Set(),
          state: "open",
        };
        await (await fs.promises.open(file.dataPath, "w")).close();
        const parts = Array.from({ length: numParts }, (_, i) => ({
          PartNumber: i + 1,
          URL: `${ctx.rt.origin()}${UPLOAD_PREFIX}/${file.id}/parts/${i + 1}?upload_id=${uploadId}`,
          Headers: { "Content-Type": "application/octet-stream" },
        }));
        return json({ upload_id: uploadId, file_id: file.id, parts });
      },
    },
    {
      method: "POST",
      pattern: /^\/v1\/files\/multipart\/complete$/,
      body: "json",
      auth: true,
      handle: async (ctx) => {
        const file = multipartFile(ctx);
        const mp = file.multipart;
        if (mp.state === "completed" && !file.deleted) return json(fileView(file, ctx.now));
        if (mp.state !== "open" || file.deleted)
          throw badRequest(`multipart upload ${mp.uploadId} was aborted`, "upload_id");
        const listed = ctx.body.parts;
        if (!Array.isArray(listed)) throw badRequest("parts must be a list of {part_number, etag}", "parts");
        const seen = new Set<number>();
        for (const p of listed as Record<string, unknown>[]) {
          const n = p?.part_number ?? p?.PartNumber;
          const etag = p?.etag ?? p?.ETag;
          if (typeof n !== "number" || typeof etag !== "string")
            throw badRequest("each part needs part_number and etag", "parts");
          const stored = mp.parts.get(n);
          if (!stored) throw badRequest(`part ${n} was not uploaded`, "parts");
          if (stripQuotes(etag) !== stored.etag) throw badRequest(`ETag mismatch for part ${n}`, "parts");
          seen.add(n);
        }
        for (let n = 1; n <= mp.numParts; n++)
          if (!seen.has(n)) throw badRequest(`part ${n} of ${mp.numParts} is missing`, "parts");
        await fs.promises.truncate(file.dataPath, mp.fileSize);
        mp.state = "completed";
        file.bytes = mp.fileSize;
        file.upload = "complete";
        startProcessing(ctx.rt, file);
        return json(fileView(file, ctx.now));
      },
    },
    {
      method: "POST",
      pattern: /^\/v1\/files\/multipart\/abort$/,
      body: "json",
      auth: true,
      handle: async (ctx) => {
        const file = multipartFile(ctx);
        if (file.multipart.state === "completed")
          throw badRequest(`multipart upload ${file.multipart.uploadId} is already completed`, "upload_id");
        file.multipart.state = "aborted";
        file.deleted = true;
        await fs.promises.rm(file.dataPath, { force: true });
        return json({ success: true });
      },
    },
    {
      method: "POST",
      pattern: /^\/v1\/files\/upload$/,
      body: "stream",
      auth: true,
      handle: uploadOneShot,
    },
  ];
}

/** `POST /files/upload`: one multipart/form-data request carrying the fields and the file. */
async function uploadOneShot(ctx: RouteContext): Promise<Reply> {
  const boundary = multipartBoundary(ctx.req);
  if (!boundary) throw badRequest("expected a multipart/form-data body with a boundary");
  const id = `file-${randomUUID()}`;
  const dataPath = path.join(ctx.rt.dataDir, id);
  const fh = await fs.promises.open(dataPath, "w");
  const fields: Record<string, string> = {};
  let sawFile = false;
  let partName: string | undefined;
  let partFilename: string | undefined;
  let text: Buffer[] = [];
  let writer: BlockWriter | undefined;
  try {
    for await (const ev of readMultipart(ctx.chunks(), boundary)) {
      if (ev.kind === "part") {
        partName = ev.name;
        text = [];
        if (ev.name === "file") {
          sawFile = true;
          partFilename = ev.filename;
          writer = new BlockWriter(fh, 0, false);
        }
      } else if (ev.kind === "data") {
        if (partName === "file") await writer!.write(ev.data);
        else text.push(ev.data);
      } else if (partName !== undefined && partName !== "file") {
        fields[partName] = Buffer.concat(text).toString("utf8");
      }
    }
    if (writer) await writer.finish();
    await fh.truncate(writer?.written ?? 0);
  } catch (err) {
    await fh.close();
    await fs.promises.rm(dataPath, { force: true });
    if (err instanceof MultipartError) throw badRequest(err.message);
    if (err instanceof ApiError || err instanceof ConnectionDropped) throw err;
    throw new ConnectionDropped(`client went away mid-upload: ${errorText(err)}`);
  }
  await fh.close();
  ctx.recordBody(fields);
  try {
    if (!sawFile) throw badRequest("file is required", "file");
    const meta = parseFileMeta(fields, partFilename);
    const file: FileRecord = {
      id,
      ...meta,
      createdAt: ctx.now,
      bytes: writer!.written,
      dataPath,
      upload: "complete",
      deleted: false,
    };
    ctx.rt.store.files.set(id, file);
    startProcessing(ctx.rt, file);
    return json(fileView(file, ctx.now));
  } catch (err) {
    await fs.promises.rm(dataPath, { force: true });
    throw err;
  }
}
