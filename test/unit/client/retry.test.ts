import {
  BACKOFF_MAX_MS,
  MAX_SERVER_DELAY_MS,
  backoffDelayMs,
  isRetryable,
  retryDelayMs,
  serverDelayMs,
  shouldRetryHeader,
} from "../../../provider/client";

const headers =
  (h: Record<string, string>) =>
  (name: string): string | undefined =>
    h[name];

describe("backoff", () => {
  it("doubles from 500 ms and stops at the cap", () => {
    expect([0, 1, 2, 3, 4, 5, 9].map((n) => backoffDelayMs(n, () => 0))).toEqual([
      500, 1000, 2000, 4000, 8000, 8000, 8000,
    ]);
  });

  it("jitters downwards by at most 25 %", () => {
    expect(backoffDelayMs(2, () => 1)).toBe(1500);
    expect(backoffDelayMs(2, () => 0.5)).toBe(1750);
    expect(backoffDelayMs(20, () => 1)).toBe(BACKOFF_MAX_MS * 0.75);
  });
});

describe("server-requested delay", () => {
  const now = Date.parse("2026-01-01T00:00:00Z");

  it("reads retry-after-ms first", () => {
    expect(serverDelayMs(headers({ "retry-after-ms": "1500", "retry-after": "9" }), now)).toBe(1500);
  });

  it("reads retry-after in seconds", () => {
    expect(serverDelayMs(headers({ "retry-after": "3" }), now)).toBe(3000);
    expect(serverDelayMs(headers({ "retry-after": "0.25" }), now)).toBe(250);
  });

  it("reads retry-after as an HTTP date", () => {
    expect(serverDelayMs(headers({ "retry-after": "Thu, 01 Jan 2026 00:00:10 GMT" }), now)).toBe(10_000);
  });

  it("caps every form at 60 s", () => {
    expect(serverDelayMs(headers({ "retry-after": "3600" }), now)).toBe(MAX_SERVER_DELAY_MS);
    expect(serverDelayMs(headers({ "retry-after-ms": "600000" }), now)).toBe(MAX_SERVER_DELAY_MS);
    expect(serverDelayMs(headers({ "retry-after": "Fri, 02 Jan 2026 00:00:00 GMT" }), now)).toBe(60_000);
  });

  it("ignores absent, past, zero and malformed values", () => {
    expect(serverDelayMs(headers({}), now)).toBeUndefined();
    expect(serverDelayMs(headers({ "retry-after": "0" }), now)).toBeUndefined();
    expect(serverDelayMs(headers({ "retry-after": "soon" }), now)).toBeUndefined();
    expect(serverDelayMs(headers({ "retry-after": "Wed, 31 Dec 2025 23:59:00 GMT" }), now)).toBeUndefined();
  });

  it("falls back to backoff when the server gives no delay", () => {
    expect(retryDelayMs(1, headers({}), () => 0, now)).toBe(1000);
    expect(retryDelayMs(1, headers({ "retry-after": "7" }), () => 0, now)).toBe(7000);
    expect(retryDelayMs(3, undefined, () => 0, now)).toBe(4000);
  });
});

describe("what is retried", () => {
  it("retries idempotent calls on 408/409/429/5xx, network failures and timeouts", () => {
    for (const status of [408, 409, 429, 500, 502, 503, 504]) {
      expect(isRetryable("idempotent", { type: "status", status })).toBe(true);
    }
    for (const status of [400, 401, 402, 403, 404, 422]) {
      expect(isRetryable("idempotent", { type: "status", status })).toBe(false);
    }
    expect(isRetryable("idempotent", { type: "network", written: true })).toBe(true);
    expect(isRetryable("idempotent", { type: "timeout", written: true })).toBe(true);
  });

  it("retries creates only on 429 and failures before the request was written", () => {
    expect(isRetryable("create", { type: "status", status: 429 })).toBe(true);
    for (const status of [408, 409, 500, 503])
      expect(isRetryable("create", { type: "status", status })).toBe(false);
    expect(isRetryable("create", { type: "network", written: false })).toBe(true);
    expect(isRetryable("create", { type: "timeout", written: false })).toBe(true);
    expect(isRetryable("create", { type: "network", written: true })).toBe(false);
    expect(isRetryable("create", { type: "timeout", written: true })).toBe(false);
  });

  it("obeys x-should-retry, but never lets it make a create retry on anything but 429", () => {
    expect(shouldRetryHeader(headers({ "x-should-retry": "true" }))).toBe(true);
    expect(shouldRetryHeader(headers({ "x-should-retry": "FALSE" }))).toBe(false);
    expect(shouldRetryHeader(headers({ "x-should-retry": "maybe" }))).toBeUndefined();
    expect(isRetryable("idempotent", { type: "status", status: 503, shouldRetry: false })).toBe(false);
    expect(isRetryable("idempotent", { type: "status", status: 400, shouldRetry: true })).toBe(true);
    expect(isRetryable("create", { type: "status", status: 500, shouldRetry: true })).toBe(false);
    expect(isRetryable("create", { type: "status", status: 429, shouldRetry: false })).toBe(false);
  });
});
