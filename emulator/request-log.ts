// `GET /_emulator/requests`: what the emulator was sent, for tests and for users who test their own stacks
// offline ("what would my stack send to Together?"). Each request's method, path, query, status and JSON or
// form body, in arrival order, with credentials redacted at recording time (redact.ts); headers are left out
// (a custom header may carry a credential the log cannot recognise). Filters: `?method=POST&path=/v1/fine-tunes`.
import type { RequestRecord } from "./types";

/** One request as `GET /_emulator/requests` lists it. */
export interface RequestLogEntry {
  method: string;
  /** URL path without the query, e.g. `/v1/fine-tunes`. */
  path: string;
  query: Record<string, string>;
  /** Status sent; 0 when the connection was dropped before any response. */
  status: number;
  /** Parsed JSON or form fields (never upload bytes); W&B keys and HF tokens shown as "***". */
  body?: unknown;
  /** Emulated time the request arrived, ISO-8601. */
  at: string;
  requestId: string;
  /** Which injected fault hit it, if any. */
  fault?: RequestRecord["fault"];
}

export interface RequestLogFilter {
  /** Only this method (any case). */
  method?: string;
  /** Only this exact path, e.g. `/v1/fine-tunes`. */
  path?: string;
}

export function logEntry(r: RequestRecord): RequestLogEntry {
  return {
    method: r.method,
    path: r.path,
    query: r.query,
    status: r.status,
    ...(r.body !== undefined ? { body: r.body } : {}),
    at: new Date(r.at).toISOString(),
    requestId: r.requestId,
    ...(r.fault !== undefined ? { fault: r.fault } : {}),
  };
}

export function filterLog(records: readonly RequestRecord[], f: RequestLogFilter): RequestLogEntry[] {
  const method = f.method?.toUpperCase();
  return records
    .filter(
      (r) => (method === undefined || r.method === method) && (f.path === undefined || r.path === f.path),
    )
    .map(logEntry);
}

/**
 * Reads the request log of a running emulator (`pulumi-together emulator`, or one started in another process)
 * over HTTP. `baseUrl` is the emulator's API base URL (`http://127.0.0.1:<port>/v1`) or its origin.
 */
export async function readRequestLog(
  baseUrl: string,
  filter: RequestLogFilter = {},
): Promise<RequestLogEntry[]> {
  const url = new URL("/_emulator/requests", new URL(baseUrl).origin);
  if (filter.method !== undefined) url.searchParams.set("method", filter.method);
  if (filter.path !== undefined) url.searchParams.set("path", filter.path);
  const res = await fetch(url);
  if (!res.ok) throw new Error(`GET ${url.href} answered ${res.status}`);
  return ((await res.json()) as { data: RequestLogEntry[] }).data;
}
