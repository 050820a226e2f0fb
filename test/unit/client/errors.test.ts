import { type Socket } from "node:net";
import {
  AuthenticationError,
  BadRequestError,
  ConflictError,
  ConnectionError,
  NotFoundError,
  PaymentRequiredError,
  PermissionDeniedError,
  RateLimitError,
  ServerError,
  TimeoutError,
  type TogetherError,
  UnprocessableEntityError,
  isAuthError,
  isBadRequest,
  isConnectionError,
  isNotFound,
  isPaymentRequired,
  isRateLimited,
  isServerError,
  isTimeout,
  isTogetherError,
} from "../../../provider/client";
import { type FakeServer, apiError, json, startServer } from "./fake-server";
import { caught, testTransport } from "./helpers";

const cases: [number, new (...a: never[]) => TogetherError, string, ((e: unknown) => boolean) | undefined][] =
  [
    [400, BadRequestError, "bad_request", isBadRequest],
    [401, AuthenticationError, "unauthorized", isAuthError],
    [402, PaymentRequiredError, "payment_required", isPaymentRequired],
    [403, PermissionDeniedError, "forbidden", isAuthError],
    [404, NotFoundError, "not_found", isNotFound],
    [409, ConflictError, "conflict", undefined],
    [422, UnprocessableEntityError, "unprocessable", isBadRequest],
    [429, RateLimitError, "rate_limited", isRateLimited],
    [500, ServerError, "server_error", isServerError],
    [503, ServerError, "server_error", isServerError],
  ];

describe("error mapping", () => {
  let server: FakeServer;
  beforeAll(async () => {
    server = await startServer((req, res) => {
      const status = Number(/status\/(\d+)/.exec(req.url)?.[1]);
      if (req.url.includes("cfray")) {
        apiError(res, status, `failed with ${status}`, { "cf-ray": "8f-RAY" });
      } else if (req.url.includes("plain")) {
        res.writeHead(status, { "content-type": "text/plain" });
        res.end("plain words");
      } else if (req.url.includes("flat")) {
        json(res, status, { message: "model not found" }, { "x-request-id": "req-flat" });
      } else {
        apiError(res, status, `failed with ${status}`, { "x-request-id": `req-${status}` });
      }
    });
  });
  afterAll(() => server.close());

  it.each(cases)("maps %i to its class, code and guard", async (status, cls, code, guard) => {
    const { transport } = testTransport(server.origin, { maxRetries: 0 });
    const err = await caught(
      transport.raw({ call: "t", method: "GET", path: `/status/${status}`, kind: "idempotent" }),
    );
    expect(err).toBeInstanceOf(cls);
    expect(isTogetherError(err)).toBe(true);
    const e = err as TogetherError;
    expect(e.code).toBe(code);
    expect(e.status).toBe(status);
    expect(e.apiMessage).toBe(`failed with ${status}`);
    expect(e.requestId).toBe(`req-${status}`);
    expect(e.method).toBe("GET");
    expect(e.path).toBe(`/v1/status/${status}`);
    expect(e.message).toBe(
      `Together API GET /v1/status/${status} failed: ${status} failed with ${status} (request id req-${status})`,
    );
    if (guard) expect(guard(err)).toBe(true);
    expect(isNotFound(err)).toBe(status === 404);
  });

  it("takes the request id from CF-RAY when there is no x-request-id", async () => {
    const { transport } = testTransport(server.origin, { maxRetries: 0 });
    const err = (await caught(
      transport.raw({ call: "t", method: "POST", path: "/status/400/cfray", kind: "idempotent" }),
    )) as TogetherError;
    expect(err.requestId).toBe("8f-RAY");
    expect(err.message).toBe(
      "Together API POST /v1/status/400/cfray failed: 400 failed with 400 (request id 8f-RAY)",
    );
  });

  it("reads flat {message} and plain-text error bodies", async () => {
    const { transport } = testTransport(server.origin, { maxRetries: 0 });
    const flat = (await caught(
      transport.raw({ call: "t", method: "GET", path: "/status/404/flat", kind: "idempotent" }),
    )) as TogetherError;
    expect(flat.apiMessage).toBe("model not found");
    const plain = (await caught(
      transport.raw({ call: "t", method: "GET", path: "/status/400/plain", kind: "idempotent" }),
    )) as TogetherError;
    expect(plain.apiMessage).toBe("plain words");
    expect(plain.message).toBe("Together API GET /v1/status/400/plain failed: 400 plain words");
  });

  it("retries a retryable status up to maxRetries, then throws the last error", async () => {
    const { transport, sleeps } = testTransport(server.origin, { maxRetries: 3 });
    const before = server.requests.length;
    const err = await caught(
      transport.raw({ call: "t", method: "GET", path: "/status/503", kind: "idempotent" }),
    );
    expect(err).toBeInstanceOf(ServerError);
    expect(server.requests.length - before).toBe(4);
    expect(sleeps).toEqual([500, 1000, 2000]);
  });

  it("does not retry 4xx other than 408/409/429", async () => {
    const { transport, sleeps } = testTransport(server.origin, { maxRetries: 3 });
    const before = server.requests.length;
    await caught(transport.raw({ call: "t", method: "GET", path: "/status/404", kind: "idempotent" }));
    expect(server.requests.length - before).toBe(1);
    expect(sleeps).toEqual([]);
  });
});

describe("network failures", () => {
  it("maps a connection reset to ConnectionError after retrying", async () => {
    const server = await startServer((_req, res) => {
      (res.socket as Socket).destroy();
    });
    try {
      const { transport, sleeps } = testTransport(server.origin, { maxRetries: 2 });
      const err = await caught(
        transport.raw({ call: "t", method: "GET", path: "/files", kind: "idempotent" }),
      );
      expect(err).toBeInstanceOf(ConnectionError);
      expect(isConnectionError(err)).toBe(true);
      expect((err as TogetherError).message).toMatch(
        /^Together API GET \/v1\/files failed: connection failed/,
      );
      expect(server.requests).toHaveLength(3);
      expect(sleeps).toHaveLength(2);
    } finally {
      await server.close();
    }
  });

  it("maps a connection refusal to ConnectionError", async () => {
    const server = await startServer(() => undefined);
    const origin = server.origin;
    await server.close();
    const { transport } = testTransport(origin, { maxRetries: 1 });
    const err = await caught(transport.raw({ call: "t", method: "GET", path: "/files", kind: "idempotent" }));
    expect(err).toBeInstanceOf(ConnectionError);
  });

  it("maps a server that never answers to TimeoutError", async () => {
    const server = await startServer(() => undefined);
    try {
      const { transport } = testTransport(server.origin, { maxRetries: 1, timeoutMs: 150 });
      const err = await caught(
        transport.raw({ call: "t", method: "GET", path: "/files", kind: "idempotent" }),
      );
      expect(err).toBeInstanceOf(TimeoutError);
      expect(isTimeout(err)).toBe(true);
      expect(server.requests).toHaveLength(2);
    } finally {
      await server.close();
    }
  });

  it("retries 503 then succeeds, honouring Retry-After", async () => {
    let n = 0;
    const server = await startServer((_req, res) => {
      n++;
      if (n === 1) apiError(res, 503, "overloaded", { "retry-after": "7" });
      else if (n === 2) apiError(res, 429, "slow down", { "retry-after-ms": "1234" });
      else json(res, 200, { data: [] });
    });
    try {
      const { transport, sleeps, logs } = testTransport(server.origin);
      const res = await transport.raw({ call: "t", method: "GET", path: "/files", kind: "idempotent" });
      expect(res.status).toBe(200);
      expect(sleeps).toEqual([7000, 1234]);
      expect(logs[0]).toContain("503 overloaded");
      expect(logs[0]).toContain("retry 1/3 in 7000 ms");
    } finally {
      await server.close();
    }
  });

  it("scales waits with sleepScale", async () => {
    let n = 0;
    const server = await startServer((_req, res) => {
      n++;
      if (n === 1) apiError(res, 503, "overloaded", { "retry-after": "10" });
      else json(res, 200, {});
    });
    try {
      const { transport, sleeps } = testTransport(server.origin, { sleepScale: 0.01 });
      await transport.raw({ call: "t", method: "GET", path: "/x", kind: "idempotent" });
      expect(sleeps).toEqual([100]);
    } finally {
      await server.close();
    }
  });

  it("stops at x-should-retry: false", async () => {
    const server = await startServer((_req, res) => apiError(res, 503, "no", { "x-should-retry": "false" }));
    try {
      const { transport } = testTransport(server.origin);
      await caught(transport.raw({ call: "t", method: "GET", path: "/x", kind: "idempotent" }));
      expect(server.requests).toHaveLength(1);
    } finally {
      await server.close();
    }
  });
});
