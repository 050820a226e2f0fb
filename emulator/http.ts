// The wire conventions every route shares: Together's error body, JSON replies, body parsing.
import type * as http from "node:http";
import type { Readable } from "node:stream";
import type { ComputedBody } from "./computed-body";

/** A failure answered with Together's `ErrorData` body (or, for the few routes that use it, `{message}`). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly param: string | null = null,
    readonly code: string | null = null,
    readonly bare = false,
  ) {
    super(message);
  }
}

export const badRequest = (message: string, param: string | null = null): ApiError =>
  new ApiError(400, message, param, "invalid_request");
export const notFound = (message: string, param: string | null = null): ApiError =>
  new ApiError(404, message, param, "not_found");

export interface Reply {
  status: number;
  headers?: Record<string, string>;
  json?: unknown;
  stream?: Readable;
  /** A body computed as it is sent, from reused buffers (computed-body.ts). */
  computed?: ComputedBody;
}

export const json = (body: unknown, status = 200, headers?: Record<string, string>): Reply =>
  headers ? { status, json: body, headers } : { status, json: body };

export function errorType(status: number): string {
  if (status === 401) return "authentication_error";
  if (status === 403) return "permission_error";
  if (status === 404) return "not_found_error";
  if (status === 429) return "rate_limit_error";
  if (status >= 500) return "server_error";
  return "invalid_request_error";
}

export function errorReply(err: ApiError, headers?: Record<string, string>): Reply {
  const body = err.bare
    ? { message: err.message }
    : { error: { message: err.message, type: errorType(err.status), param: err.param, code: err.code } };
  return json(body, err.status, headers);
}

/** Small request bodies only (JSON and form posts); uploads are streamed by their routes. */
export async function readSmallBody(req: http.IncomingMessage, limit = 8 * 1024 * 1024): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit)
      throw new ApiError(413, `request body exceeds ${limit} bytes`, null, "payload_too_large");
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

export function parseJsonBody(raw: Buffer): Record<string, unknown> {
  if (raw.length === 0) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw.toString("utf8"));
  } catch {
    throw badRequest("Request body is not valid JSON");
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw badRequest("Request body must be a JSON object");
  }
  return parsed as Record<string, unknown>;
}

export function contentType(req: http.IncomingMessage): string {
  return (req.headers["content-type"] ?? "").split(";")[0]!.trim().toLowerCase();
}

export function multipartBoundary(req: http.IncomingMessage): string | undefined {
  const m = /boundary=(?:"([^"]+)"|([^;]+))/i.exec(req.headers["content-type"] ?? "");
  return m ? (m[1] ?? m[2])?.trim() : undefined;
}
