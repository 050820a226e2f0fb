import { type Socket } from "node:net";
import {
  AmbiguousCreateError,
  BadRequestError,
  ConnectionError,
  RateLimitError,
  ServerError,
  TimeoutError,
  isAmbiguousCreate,
} from "../../../provider/client";
import { type FakeServer, apiError, json, startServer } from "./fake-server";
import { caught, testTransport } from "./helpers";

const job = {
  id: "ft-1",
  status: "pending",
  created_at: "2026-01-01T00:00:00Z",
  updated_at: "2026-01-01T00:00:00Z",
};
const body = { training_file: "file-1", model: "meta-llama/Llama-3.2-1B-Instruct" };

async function withServer(handler: Parameters<typeof startServer>[0], run: (s: FakeServer) => Promise<void>) {
  const server = await startServer(handler);
  try {
    await run(server);
  } finally {
    await server.close();
  }
}

describe("create POSTs are never blindly retried", () => {
  it("500 -> AmbiguousCreateError wrapping the ServerError; exactly one request", () =>
    withServer(
      (_req, res) => apiError(res, 500, "boom"),
      async (server) => {
        const { fineTunes } = testTransport(server.origin);
        const err = await caught(fineTunes.create(body));
        expect(err).toBeInstanceOf(AmbiguousCreateError);
        expect(isAmbiguousCreate(err)).toBe(true);
        expect((err as Error).cause).toBeInstanceOf(ServerError);
        expect((err as Error).message).toMatch(/^Together API POST \/v1\/fine-tunes failed: outcome unknown/);
        expect(server.requests).toHaveLength(1);
      },
    ));

  it("timeout after the request was written -> AmbiguousCreateError; exactly one request", () =>
    withServer(
      () => undefined,
      async (server) => {
        const { fineTunes } = testTransport(server.origin, { timeoutMs: 150 });
        const err = await caught(fineTunes.create(body));
        expect(err).toBeInstanceOf(AmbiguousCreateError);
        expect((err as Error).cause).toBeInstanceOf(TimeoutError);
        expect(server.requests).toHaveLength(1);
      },
    ));

  it("reset after the body was received -> AmbiguousCreateError; exactly one request", () =>
    withServer(
      (_req, res) => (res.socket as Socket).destroy(),
      async (server) => {
        const { endpoints } = testTransport(server.origin);
        const err = await caught(
          endpoints.create({
            model: "m",
            hardware: "1x_nvidia_h100_80gb_sxm",
            autoscaling: { min_replicas: 1, max_replicas: 1 },
          }),
        );
        expect(err).toBeInstanceOf(AmbiguousCreateError);
        expect((err as Error).cause).toBeInstanceOf(ConnectionError);
        expect(server.requests).toHaveLength(1);
      },
    ));

  it("429 is retried (with its Retry-After) and the create succeeds", () => {
    let n = 0;
    return withServer(
      (_req, res) =>
        ++n <= 2 ? apiError(res, 429, "rate limited", { "retry-after": "2" }) : json(res, 200, job),
      async (server) => {
        const { fineTunes, sleeps } = testTransport(server.origin);
        await expect(fineTunes.create(body)).resolves.toMatchObject({ id: "ft-1", status: "pending" });
        expect(server.requests).toHaveLength(3);
        expect(sleeps).toEqual([2000, 2000]);
      },
    );
  });

  it("429 until retries run out -> RateLimitError (not ambiguous: the server refused it)", () =>
    withServer(
      (_req, res) => apiError(res, 429, "rate limited"),
      async (server) => {
        const { fineTunes } = testTransport(server.origin, { maxRetries: 2 });
        const err = await caught(fineTunes.create(body));
        expect(err).toBeInstanceOf(RateLimitError);
        expect(server.requests).toHaveLength(3);
      },
    ));

  it("a definite 4xx is thrown as is", () =>
    withServer(
      (_req, res) => apiError(res, 400, "suffix is too long"),
      async (server) => {
        const { fineTunes } = testTransport(server.origin);
        const err = await caught(fineTunes.create(body));
        expect(err).toBeInstanceOf(BadRequestError);
        expect(server.requests).toHaveLength(1);
      },
    ));

  it("a refused connection (nothing written) is retried and ends as ConnectionError, not ambiguous", async () => {
    const server = await startServer(() => undefined);
    const origin = server.origin;
    await server.close();
    const { fineTunes, sleeps } = testTransport(origin, { maxRetries: 2 });
    const err = await caught(fineTunes.create(body));
    expect(err).toBeInstanceOf(ConnectionError);
    expect(sleeps).toHaveLength(2);
  });

  it("idempotent calls are retried on the same failures", () => {
    let n = 0;
    return withServer(
      (_req, res) => (++n === 1 ? (res.socket as Socket).destroy() : json(res, 200, job)),
      async (server) => {
        const { fineTunes } = testTransport(server.origin);
        await expect(fineTunes.get("ft-1")).resolves.toMatchObject({ id: "ft-1" });
        expect(server.requests).toHaveLength(2);
      },
    );
  });
});

describe("create bodies", () => {
  it("sends the W&B key under both names and omits undefined fields", () =>
    withServer(
      (_req, res) => json(res, 200, job),
      async (server) => {
        const { fineTunes } = testTransport(server.origin);
        await fineTunes.create({
          ...body,
          n_epochs: 2,
          suffix: undefined as unknown as string,
          wandb_api_key: "wb-secret",
          training_type: { type: "Lora", lora_r: 8, lora_alpha: 16 },
          training_method: { method: "sft", train_on_inputs: "auto" },
        });
        const sent = JSON.parse(server.requests[0]!.body);
        expect(sent).toEqual({
          training_file: "file-1",
          model: "meta-llama/Llama-3.2-1B-Instruct",
          n_epochs: 2,
          wandb_api_key: "wb-secret",
          wandb_key: "wb-secret",
          training_type: { type: "Lora", lora_r: 8, lora_alpha: 16 },
          training_method: { method: "sft", train_on_inputs: "auto" },
        });
        expect(server.requests[0]!.headers["content-type"]).toBe("application/json");
        expect(server.requests[0]!.url).toBe("/v1/fine-tunes");
      },
    ));
});
