// The /v2 wire conventions: camelCase JSON, gRPC-status error bodies (`{code, message, details}` with a
// ProblemDetail, as Together's v2 gateway answers), cursor pagination (`limit`, `after` -> `next_cursor`),
// etags for optimistic concurrency, and protobuf-JSON durations ("300s").
import { createHash } from "node:crypto";
import { json, type Reply } from "./http";
import type { Route, RouteContext } from "./runtime";

/** The gRPC status codes the v2 API answers with, and the HTTP status each maps to. */
export const GRPC = {
  INVALID_ARGUMENT: { code: 3, http: 400, slug: "invalid-argument", title: "Invalid Argument" },
  NOT_FOUND: { code: 5, http: 404, slug: "not-found", title: "Not Found" },
  ALREADY_EXISTS: { code: 6, http: 409, slug: "already-exists", title: "Already Exists" },
  PERMISSION_DENIED: { code: 7, http: 403, slug: "permission-denied", title: "Permission Denied" },
  FAILED_PRECONDITION: { code: 9, http: 400, slug: "failed-precondition", title: "Failed Precondition" },
  /** A stale etag (AIP-154): the object changed after the caller read it. */
  ABORTED: { code: 10, http: 409, slug: "aborted", title: "Aborted" },
} as const;

export type GrpcStatus = (typeof GRPC)[keyof typeof GRPC];

export class V2Error extends Error {
  constructor(
    readonly status: GrpcStatus,
    message: string,
    /** The request field at fault, when one is: reported as a field violation. */
    readonly field?: string,
  ) {
    super(message);
  }
}

export const invalid = (message: string, field?: string): V2Error =>
  new V2Error(GRPC.INVALID_ARGUMENT, message, field);
export const missing = (message: string, field?: string): V2Error =>
  new V2Error(GRPC.NOT_FOUND, message, field);

export function v2ErrorReply(err: V2Error): Reply {
  const detail: Record<string, unknown> = {
    "@type": "type.googleapis.com/common.errors.v1.ProblemDetail",
    type: `https://api.together.ai/problems/${err.status.slug}`,
    title: err.status.title,
    status: err.status.http,
    detail: err.message,
  };
  if (err.field !== undefined) detail.fieldViolations = [{ field: err.field, description: err.message }];
  return json({ code: err.status.code, message: err.message, details: [detail] }, err.status.http);
}

/** A v2 route: its handler's V2Errors become v2 error bodies (auth and unknown paths stay the gateway's). */
export function v2Route(
  method: string,
  pattern: RegExp,
  handle: (ctx: RouteContext) => Reply,
  body: "json" | "none" = method === "GET" || method === "DELETE" ? "none" : "json",
): Route {
  return {
    method,
    pattern,
    body,
    auth: true,
    handle: (ctx) => {
      try {
        return handle(ctx);
      } catch (err) {
        if (err instanceof V2Error) return v2ErrorReply(err);
        throw err;
      }
    },
  };
}

const MAX_PAGE = 100;
const DEFAULT_PAGE = 50;

/** One page of `items` as `{object: "list", data, next_cursor}`; the cursor is the next item's offset. */
export function page<T>(items: T[], query: URLSearchParams): Reply {
  const rawLimit = query.get("limit");
  const limit = rawLimit === null ? DEFAULT_PAGE : Number(rawLimit);
  if (!Number.isInteger(limit) || limit < 1)
    throw invalid(`limit must be a positive integer, got ${rawLimit}`, "limit");
  const after = query.get("after");
  let start = 0;
  if (after !== null && after !== "") {
    start = Number(Buffer.from(after, "base64url").toString("utf8").replace(/^o:/, ""));
    if (!Number.isInteger(start) || start < 0)
      throw invalid("after is not a cursor this API returned", "after");
  }
  const end = start + Math.min(limit, MAX_PAGE);
  const next = end < items.length ? Buffer.from(`o:${end}`).toString("base64url") : null;
  return json({ object: "list", data: items.slice(start, end), next_cursor: next });
}

/** An opaque version tag: changes with every write to the object. */
export function etagOf(id: string, version: number): string {
  return createHash("sha256").update(`${id}#${version}`).digest("hex").slice(0, 16);
}

/** Rejects a write whose etag no longer matches; no etag means "overwrite whatever is there". */
export function checkEtag(given: unknown, current: string, what: string): void {
  if (given === undefined || given === null || given === "") return;
  if (typeof given !== "string") throw invalid("etag must be a string", "etag");
  if (given !== current)
    throw new V2Error(
      GRPC.ABORTED,
      `etag mismatch: ${what} changed after it was read; read it again and retry with its current etag`,
      "etag",
    );
}

const DURATION_PART = /(\d+(?:\.\d+)?)(h|m|s)/g;

/** Protobuf-JSON ("300s") or Go-style ("5m", "1h30m") durations, normalised to "<seconds>s". */
export function parseDuration(raw: unknown, field: string): string {
  if (typeof raw !== "string" || !/^(\d+(\.\d+)?(h|m|s))+$/.test(raw))
    throw invalid(
      `${field} must be a non-negative duration such as "300s" or "5m", got ${JSON.stringify(raw)}`,
      field,
    );
  let seconds = 0;
  for (const m of raw.matchAll(DURATION_PART)) {
    const n = Number(m[1]);
    seconds += m[2] === "h" ? n * 3600 : m[2] === "m" ? n * 60 : n;
  }
  return `${Number(seconds.toFixed(9))}s`;
}

/** Rejects body members the API does not define, as the gateway's strict JSON decoding does. */
export function onlyFields(body: Record<string, unknown>, allowed: readonly string[], what: string): void {
  for (const k of Object.keys(body))
    if (!allowed.includes(k))
      throw invalid(`unknown field "${k}" in ${what}; allowed: ${allowed.join(", ")}`, k);
}

/** `updateMask` (comma-separated field paths) or, when absent, the fields present in the body. */
export function updatePaths(
  query: URLSearchParams,
  body: Record<string, unknown>,
  mutable: readonly string[],
): Set<string> {
  const mask = query.get("updateMask");
  const paths =
    mask === null || mask === ""
      ? Object.keys(body).filter((k) => k !== "etag")
      : mask.split(",").map((p) => p.trim().split(".")[0]!);
  for (const p of paths)
    if (!mutable.includes(p))
      throw invalid(`field "${p}" cannot be updated; mutable fields: ${mutable.join(", ")}`, "updateMask");
  return new Set(paths);
}

/** Bare names are DNS labels; a qualified name (`<project_slug>/<name>`, for a deployment
 *  `<project_slug>/<endpoint_name>/<name>`) must start with the request's own prefix. */
export function bareName(raw: unknown, prefix: string, field: string): string {
  if (typeof raw !== "string" || raw === "") throw invalid(`${field} is required`, field);
  let name = raw;
  if (raw.includes("/")) {
    if (!raw.startsWith(`${prefix}/`))
      throw invalid(
        `${field} "${raw}" must be a bare name or qualified as "${prefix}/<name>" (the request's own project)`,
        field,
      );
    name = raw.slice(prefix.length + 1);
  }
  if (!/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/.test(name))
    throw invalid(
      `${field} must be 1-63 lowercase letters, digits or "-", starting and ending with a letter or digit, got ${JSON.stringify(raw)}`,
      field,
    );
  return name;
}
