// Retry policy: which failures are retried for which kind of call, and how long to wait before the next try.

/** `idempotent` calls may be repeated freely; `create` calls make a new remote object each time they are processed. */
export type CallKind = "idempotent" | "create";

export type Failure =
  | { type: "status"; status: number; shouldRetry?: boolean | undefined }
  /** `written`: the whole request reached the socket, so the server may have processed it. */
  | { type: "network"; written: boolean }
  | { type: "timeout"; written: boolean };

export const BACKOFF_BASE_MS = 500;
export const BACKOFF_MAX_MS = 8_000;
/** Server-requested waits longer than this are cut down to it. */
export const MAX_SERVER_DELAY_MS = 60_000;

const RETRYABLE_STATUS = new Set([408, 409, 429]);

export function isRetryable(kind: CallKind, failure: Failure): boolean {
  if (kind === "create") {
    // A 429 says the request was refused unprocessed; a failure before the request was written cannot
    // have reached the server. Anything else could have created the object.
    if (failure.type === "status") return failure.status === 429 && failure.shouldRetry !== false;
    return !failure.written;
  }
  if (failure.type !== "status") return true;
  if (failure.shouldRetry !== undefined) return failure.shouldRetry;
  return RETRYABLE_STATUS.has(failure.status) || failure.status >= 500;
}

/** Exponential backoff with up to 25 % downward jitter: min(base * 2^n, max) * (1 - 0.25 * random). */
export function backoffDelayMs(retryIndex: number, random: () => number = Math.random): number {
  const raw = Math.min(BACKOFF_BASE_MS * 2 ** retryIndex, BACKOFF_MAX_MS);
  return Math.round(raw * (1 - 0.25 * random()));
}

type HeaderLookup = (name: string) => string | undefined;

/** The wait the server asked for (`retry-after-ms`, else `retry-after` seconds or HTTP date), capped at 60 s. */
export function serverDelayMs(header: HeaderLookup, nowMs: number = Date.now()): number | undefined {
  const ms = header("retry-after-ms");
  if (ms !== undefined && ms.trim() !== "") {
    const n = Number(ms);
    if (Number.isFinite(n) && n > 0) return Math.min(n, MAX_SERVER_DELAY_MS);
  }
  const ra = header("retry-after");
  if (ra === undefined || ra.trim() === "") return undefined;
  const secs = Number(ra);
  const delay = Number.isFinite(secs) ? secs * 1000 : Date.parse(ra) - nowMs;
  if (!Number.isFinite(delay) || delay <= 0) return undefined;
  return Math.min(delay, MAX_SERVER_DELAY_MS);
}

/** `x-should-retry: true|false` overrides the status-based decision; anything else is ignored. */
export function shouldRetryHeader(header: HeaderLookup): boolean | undefined {
  const v = header("x-should-retry")?.trim().toLowerCase();
  return v === "true" ? true : v === "false" ? false : undefined;
}

export function retryDelayMs(
  retryIndex: number,
  header: HeaderLookup | undefined,
  random: () => number = Math.random,
  nowMs: number = Date.now(),
): number {
  return (header && serverDelayMs(header, nowMs)) ?? backoffDelayMs(retryIndex, random);
}
