// Transient faults the API throws in production: the quickstart stack must come up through them without a
// duplicate, and destroy must get through them too.
import { faultFixture, type FaultFixture } from "./fault-stack";
import { ALL_ROUTES, GET_ROUTES, type RouteMatcher } from "./routes";
import type { FaultRule } from "../../emulator";

let fx: FaultFixture;
beforeAll(async () => {
  fx = await faultFixture("transient");
});
afterAll(() => fx.close());

function onEach(routes: RouteMatcher[], rule: Omit<FaultRule, "method" | "path">): () => void {
  return () => {
    for (const r of routes) fx.emulator.faults.add({ method: r.method, path: r.path, ...rule });
  };
}

describe("transient faults on the quickstart stack (file -> job -> endpoint)", () => {
  it("a 429 storm with Retry-After on every route: up and destroy retry through it", async () => {
    // Two in a row per route stays under the client's 5 retries; Retry-After is honoured (scaled by the clock).
    const storm = onEach(ALL_ROUTES, {
      times: 2,
      action: { type: "status", status: 429, retryAfterSeconds: 2 },
    });
    await fx.scenario(
      "rate-limited",
      async (s) => {
        storm();
        await s.up();
        expect(s.emulator.requests.filter((r) => r.status === 429).length).toBeGreaterThan(ALL_ROUTES.length);
      },
      { destroyFaults: storm },
    );
  });

  it("5xx bursts on every route: idempotent calls retry, creates fail clearly and the next up converges", async () => {
    const burst = onEach(ALL_ROUTES, { times: 2, action: { type: "status", status: 503 } });
    await fx.scenario(
      "server-errors",
      async (s) => {
        burst();
        // A 5xx on a create is ambiguous: the provider reconciles by listing instead of posting again, and
        // (nothing having been committed) fails saying so.
        const err = await s.up().then(
          () => undefined,
          (e: unknown) => e as Error,
        );
        if (err !== undefined) expect(err.message).toMatch(/outcome unknown/);
        if (err !== undefined) expect(err.message).toMatch(/nothing was created|none was started/i);
      },
      { destroyFaults: burst },
    );
  });

  it("added latency on every route (below the client's fixed 60 s timeout): up and destroy just wait", async () => {
    const slow = onEach(ALL_ROUTES, { times: 1, action: { type: "latency", ms: 400 } });
    await fx.scenario(
      "slow",
      async (s) => {
        slow();
        await s.up();
      },
      { destroyFaults: slow },
    );
  });

  it("latency beyond the client timeout on every read: the request times out, is retried, and up converges", async () => {
    // A 1 s client timeout (the provider's test knob) against 1.5 s of added latency on each GET route's
    // first request: every read times out once and succeeds on its retry.
    const stalls = onEach(GET_ROUTES, { times: 1, action: { type: "latency", ms: 1_500 } });
    await fx.scenario(
      "timeouts",
      async (s) => {
        stalls();
        const up = await s.up();
        // The reads really timed out and were retried (not merely waited for).
        expect(up.providerLog).toMatch(/no complete response within 1000 ms; retry 1\//);
      },
      { env: { PULUMI_TOGETHER_HTTP_TIMEOUT_MS: "1000" } },
    );
  });

  it("connection resets on GETs (before and after the server answered): retried, no effect", async () => {
    const resets = (): void => {
      onEach(GET_ROUTES, { times: 1, action: { type: "reset", phase: "before" } })();
      onEach(GET_ROUTES, { times: 1, action: { type: "reset", phase: "after" } })();
    };
    await fx.scenario(
      "get-resets",
      async (s) => {
        resets();
        await s.up();
      },
      { destroyFaults: resets },
    );
  });

  it("connection resets mid-upload on the PUT: the part is re-sent, one complete file", async () => {
    await fx.scenario("upload-resets", async (s) => {
      fx.emulator.faults.add({
        method: "PUT",
        path: /^\/_uploads\//,
        times: 2,
        action: { type: "reset", phase: "mid-body" },
      });
      const up = await s.up();
      const file = s.emulator.store.files.get(s.harness.state().resources[0]?.id ?? "");
      expect(file).toMatchObject({ upload: "complete", deleted: false });
      expect(up.outputs.jobId).toMatch(/^ft-/);
    });
  });
});
