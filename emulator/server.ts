// The HTTP front: request ids, fault injection, auth, routing, body parsing, the request log, and
// writing replies (or deliberately not writing them).
import { randomUUID } from "node:crypto";
import type * as http from "node:http";
import type { Socket } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { computedStream, sendComputed } from "./computed-body";
import type { FaultInjector } from "./faults";
import {
  ApiError,
  contentType,
  errorReply,
  multipartBoundary,
  parseJsonBody,
  readSmallBody,
  type Reply,
} from "./http";
import { MultipartError, multipartFields } from "./multipart";
import { redactHeaders, redactSecrets } from "./redact";
import { ConnectionDropped, type Route, type RouteContext, type Runtime } from "./runtime";
import type { FaultAction, RequestRecord } from "./types";
import { errorText } from "../provider/shared/error-text";

export interface ServerDeps {
  rt: Runtime;
  routes: Route[];
  faults: FaultInjector;
  requests: RequestRecord[];
  apiKey: string;
  /** Unauthenticated, unlogged, never faulted: the `/_emulator/` control surface (state, request log). */
  control(url: URL, method: string): Reply | undefined;
}

const MID_BODY_BYTES = 1;

export function createHandler(
  deps: ServerDeps,
): (req: http.IncomingMessage, res: http.ServerResponse) => void {
  return (req, res) => {
    handle(deps, req, res).catch((err: unknown) => {
      // Only a bug in the emulator gets here; answer like Together's 500 so the client sees something.
      if (!res.headersSent)
        writeReply(res, errorReply(new ApiError(500, `emulator internal error: ${errorText(err)}`)));
      else res.destroy();
    });
  };
}

async function handle(deps: ServerDeps, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  // Captured up front: once a request stream is destroyed, req.socket no longer points at it.
  const socket = req.socket;
  const requestId = `req-${randomUUID()}`;
  res.setHeader("x-request-id", requestId);
  const url = new URL(req.url ?? "/", "http://127.0.0.1");
  const method = (req.method ?? "GET").toUpperCase();
  const path = url.pathname;

  const control = path.startsWith("/_emulator/") ? deps.control(url, method) : undefined;
  if (control) {
    req.resume();
    writeReply(res, control);
    return;
  }

  const record: RequestRecord = {
    method,
    path,
    query: Object.fromEntries(url.searchParams),
    status: 0,
    headers: redactHeaders(req.headers),
    requestId,
    at: deps.rt.clock.now(),
  };
  deps.requests.push(record);

  let fault = deps.faults.take(method, path);
  let jobFault: Extract<FaultAction, { type: "job" }> | undefined;
  if (fault?.type === "job") {
    // Not a fault of this request: it succeeds, and the job it creates meets the outcome later.
    record.fault = "job";
    jobFault = fault;
    fault = undefined;
  }
  if (fault?.type === "latency") {
    record.fault = "latency";
    await sleep(fault.ms);
    fault = undefined;
  }
  if (fault?.type === "reset" && fault.phase === "before") {
    record.fault = "reset-before";
    socket.destroy();
    return;
  }
  if (fault?.type === "status") {
    record.fault = "status";
    req.resume();
    record.status = fault.status;
    writeReply(res, statusFault(fault));
    return;
  }
  const midBody = fault?.type === "reset" && fault.phase === "mid-body";
  const resetAfter = fault?.type === "reset" && fault.phase === "after";
  const midResponse = fault?.type === "reset" && fault.phase === "mid-response" ? fault : undefined;
  if (midBody) record.fault = "reset-mid-body";
  if (resetAfter) record.fault = "reset-after";
  if (midResponse) record.fault = "reset-mid-response";

  const reply = await dispatch(deps, req, url, method, record, midBody, jobFault).catch((err: unknown) => {
    if (err instanceof ConnectionDropped) return undefined;
    if (err instanceof ApiError) return errorReply(err);
    throw err;
  });
  if (!reply) {
    socket.destroy();
    return;
  }
  if (resetAfter) {
    reply.stream?.destroy();
    socket.destroy();
    return;
  }
  record.status = reply.status;
  if (midResponse) writeCut(res, socket, reply, midResponse.afterBytes);
  else writeReply(res, reply);
}

async function dispatch(
  deps: ServerDeps,
  req: http.IncomingMessage,
  url: URL,
  method: string,
  record: RequestRecord,
  midBody: boolean,
  jobFault: Extract<FaultAction, { type: "job" }> | undefined,
): Promise<Reply> {
  const path = url.pathname;
  const candidates = deps.routes.map((r) => ({ r, m: r.pattern.exec(path) })).filter((c) => c.m !== null);
  const hit = candidates.find((c) => c.r.method === method);
  const needsAuth = hit ? hit.r.auth : true;
  if (needsAuth && req.headers.authorization !== `Bearer ${deps.apiKey}`) {
    req.resume();
    throw new ApiError(
      401,
      "Invalid API key provided. You can find your API key at https://api.together.ai/settings/api-keys.",
      null,
      "invalid_api_key",
    );
  }
  if (!hit) {
    req.resume();
    if (candidates.length > 0)
      throw new ApiError(405, `Method ${method} not allowed on ${path}`, null, "method_not_allowed");
    throw new ApiError(
      404,
      `Unknown request URL: ${method} ${path}. Please check the URL for typos.`,
      null,
      "unknown_url",
    );
  }
  let consumed = false;
  const chunks = async function* (): AsyncGenerator<Buffer> {
    consumed = true;
    for await (const chunk of bodyChunks(req)) {
      yield chunk;
      if (midBody && chunk.length >= MID_BODY_BYTES) throw new ConnectionDropped("mid-body reset");
    }
  };
  let body: Record<string, unknown> = {};
  if (hit.r.body === "json" || hit.r.body === "form") {
    if (midBody) {
      // chunks() drops the connection right after the first chunk arrives.
      for await (const _chunk of chunks()) void _chunk;
      throw new ConnectionDropped("mid-body reset");
    }
    const raw = await readSmallBody(req);
    body = hit.r.body === "json" ? parseJsonBody(raw) : await parseForm(req, raw, url);
    record.body = redactSecrets(body);
  } else if (hit.r.body === "none") {
    if (midBody) throw new ConnectionDropped("mid-body reset");
    req.resume();
  }
  const ctx: RouteContext = {
    rt: deps.rt,
    req,
    params: hit.m!.slice(1).map((p) => decodeURIComponent(p ?? "")),
    query: url.searchParams,
    body,
    now: deps.rt.clock.now(),
    chunks,
    recordBody: (b) => {
      record.body = redactSecrets(b);
    },
    ...(jobFault !== undefined ? { jobFault } : {}),
  };
  const reply = await hit.r.handle(ctx);
  if (hit.r.body === "stream" && !consumed) req.resume();
  return reply;
}

/** Chunks held before the socket is paused: 1 MiB of 64 KiB socket reads, one BlockWriter batch. */
const QUEUE_CHUNKS = 16;

/**
 * Yields the request's body chunks as they arrive, without copying them: while the consumer is busy,
 * chunks queue (up to QUEUE_CHUNKS, then the socket is paused) and are handed over one by one, far cheaper
 * than `for await (const chunk of req)`. Reading with `req.read()` instead returns everything buffered as
 * one concatenated copy (megabytes per read under a fast uploader): one more pass over every byte, which the
 * upload benchmark would charge to the client under test. After an early stop the request is left paused,
 * its rest unread.
 */
async function* bodyChunks(req: http.IncomingMessage): AsyncGenerator<Buffer> {
  let queue: Buffer[] = [];
  let ended = false;
  let failure: Error | undefined;
  let wake: (() => void) | undefined;
  const notify = (): void => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  const onData = (chunk: Buffer): void => {
    queue.push(chunk);
    if (queue.length >= QUEUE_CHUNKS) req.pause();
    notify();
  };
  const onEnd = (): void => {
    ended = true;
    notify();
  };
  const onError = (err: Error): void => {
    failure ??= err;
    notify();
  };
  const onClose = (): void => {
    if (!req.readableEnded) failure ??= new ConnectionDropped("request closed before its body ended");
    notify();
  };
  // The client may have gone (or finished) before the route asked for the body.
  if (req.readableEnded) ended = true;
  else if (req.destroyed) failure = new ConnectionDropped("request closed before its body ended");
  req.on("data", onData).on("end", onEnd).on("error", onError).on("close", onClose);
  try {
    for (;;) {
      const ready = queue;
      queue = [];
      for (const chunk of ready) yield chunk;
      if (queue.length > 0) continue;
      if (failure) throw failure;
      if (ended) return;
      const woken = new Promise<void>((resolve) => (wake = resolve));
      req.resume();
      await woken;
    }
  } finally {
    req.off("data", onData).off("end", onEnd).off("error", onError).off("close", onClose);
    if (!ended) req.pause();
  }
}

/** `POST /files` fields arrive urlencoded (PY1, TS), as multipart (PY2) or in the query string (TS). */
async function parseForm(req: http.IncomingMessage, raw: Buffer, url: URL): Promise<Record<string, unknown>> {
  const fields: Record<string, unknown> = Object.fromEntries(url.searchParams);
  const type = contentType(req);
  if (type === "application/x-www-form-urlencoded")
    Object.assign(fields, Object.fromEntries(new URLSearchParams(raw.toString("utf8"))));
  else if (type === "multipart/form-data") {
    const boundary = multipartBoundary(req);
    if (!boundary) throw new ApiError(400, "multipart/form-data body without a boundary");
    try {
      Object.assign(fields, await multipartFields(raw, boundary));
    } catch (err) {
      if (err instanceof MultipartError) throw new ApiError(400, err.message);
      throw err;
    }
  } else if (type === "application/json" && raw.length > 0) Object.assign(fields, parseJsonBody(raw));
  return fields;
}

function statusFault(fault: Extract<FaultAction, { type: "status" }>): Reply {
  const headers: Record<string, string> = {};
  if (fault.retryAfterSeconds !== undefined) headers["retry-after"] = String(fault.retryAfterSeconds);
  const message =
    fault.message ??
    (fault.status === 429
      ? "Rate limit exceeded, please retry later"
      : `Injected fault: HTTP ${fault.status}`);
  return errorReply(
    new ApiError(
      fault.status,
      message,
      null,
      fault.status === 429 ? "rate_limit_exceeded" : "injected_fault",
    ),
    headers,
  );
}

/** Sends the head and the first `afterBytes` of the body (default: half of it), then drops the connection. */
function writeCut(res: http.ServerResponse, socket: Socket, computedReply: Reply, afterBytes?: number): void {
  // Cut bodies are small and rare: a computed one goes through the stream path.
  const reply = computedReply.computed
    ? { ...computedReply, stream: computedStream(computedReply.computed) }
    : computedReply;
  const payload = reply.stream
    ? undefined
    : Buffer.from(reply.json === undefined ? "" : JSON.stringify(reply.json));
  for (const [k, v] of Object.entries(reply.headers ?? {})) res.setHeader(k, v);
  if (payload) {
    res.setHeader("content-type", "application/json");
    res.setHeader("content-length", payload.length);
  }
  res.statusCode = reply.status;
  const size = Number(res.getHeader("content-length"));
  let left = afterBytes ?? Math.floor((Number.isFinite(size) ? size : 0) / 2);
  if (payload || left === 0) {
    reply.stream?.destroy();
    res.write(payload?.subarray(0, left) ?? Buffer.alloc(0), () => socket.destroy());
    return;
  }
  const stream = reply.stream!;
  const onData = (chunk: Buffer): void => {
    if (chunk.length < left) {
      left -= chunk.length;
      if (!res.write(chunk)) {
        stream.pause();
        res.once("drain", () => stream.resume());
      }
      return;
    }
    stream.off("data", onData);
    stream.destroy();
    res.write(chunk.subarray(0, left), () => socket.destroy());
  };
  stream.on("data", onData);
  stream.on("end", () => res.end());
  stream.on("error", () => res.destroy());
}

function writeReply(res: http.ServerResponse, reply: Reply): void {
  for (const [k, v] of Object.entries(reply.headers ?? {})) res.setHeader(k, v);
  if (reply.computed) {
    res.statusCode = reply.status;
    sendComputed(res, reply.computed);
    return;
  }
  if (reply.stream) {
    res.statusCode = reply.status;
    reply.stream.on("error", () => res.destroy());
    reply.stream.pipe(res);
    return;
  }
  if (reply.json === undefined) {
    res.statusCode = reply.status;
    res.end();
    return;
  }
  const payload = Buffer.from(JSON.stringify(reply.json));
  res.statusCode = reply.status;
  res.setHeader("content-type", "application/json");
  res.setHeader("content-length", payload.length);
  res.end(payload);
}
