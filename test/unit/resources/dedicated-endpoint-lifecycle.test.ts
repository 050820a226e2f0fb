// DedicatedEndpoint lifecycle functions in-process against the emulator: the paths the harness files do not
// reach (a silent rollback, waitForReady false, deletes of endpoints already gone, a lost update target).
import { TogetherClient } from "../../../provider/client";
import { lifecycle } from "../../../provider/resources/dedicated-endpoint/lifecycle";
import { PartialFailureError } from "../../../provider/shared/partial-failure";
import type { ProviderContext } from "../../../provider/shared/types";
import { startEmulator, type Emulator } from "../../../emulator";

const TIME_SCALE = 600;
const API_KEY = "emulator-key";

let emu: Emulator;
let client: TogetherClient;

beforeAll(async () => {
  emu = await startEmulator({ apiKey: API_KEY, timeScale: TIME_SCALE });
  client = new TogetherClient({ baseUrl: emu.baseUrl, apiKey: API_KEY, sleepScale: 1 / TIME_SCALE });
});

afterAll(() => emu.close());

function context(c: TogetherClient = client): { ctx: ProviderContext; logs: string[] } {
  const logs: string[] = [];
  const ctx: ProviderContext = {
    client: () => c,
    log: { info: (m) => logs.push(m), warn: (m) => logs.push(m), error: (m) => logs.push(m) },
    timeScale: TIME_SCALE,
    secrets: { add: () => undefined },
  };
  return { ctx, logs };
}

/** A Together that acknowledges every PATCH but never applies a replica change. */
function ignoringReplicaChanges(): TogetherClient {
  const endpoints = Object.create(client.endpoints) as TogetherClient["endpoints"];
  endpoints.update = (id, body) => {
    const { autoscaling: _dropped, ...rest } = body;
    return client.endpoints.update(id, rest);
  };
  return Object.assign(Object.create(client) as TogetherClient, { endpoints });
}

async function checked(
  news: Record<string, unknown>,
  ctx: ProviderContext,
): Promise<Record<string, unknown>> {
  const r = await lifecycle.check({}, news, ctx);
  expect(r.failures).toEqual([]);
  return r.inputs ?? {};
}

const base = {
  logicalName: "ep",
  model: "Qwen/Qwen3-8B",
  hardware: "1x_nvidia_h100_80gb_sxm",
  displayName: "unit-ep",
  inactiveTimeoutMinutes: 0,
};

describe("DedicatedEndpoint lifecycle in-process", () => {
  test("an update Together acknowledges but does not apply fails loudly and records what runs", async () => {
    const { ctx } = context();
    const inputs = await checked(base, ctx);
    const { id, outs } = await lifecycle.create(inputs, ctx);
    const news = await checked({ ...base, autoscaling: { minReplicas: 1, maxReplicas: 3 } }, ctx);

    const err = await lifecycle.update(id, outs, news, context(ignoringReplicaChanges()).ctx).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(PartialFailureError);
    const partial = err as PartialFailureError;
    expect(partial.message).toBe(
      `DedicatedEndpoint "ep": endpoint ${id} does not match the declaration after update: autoscaling declared ` +
        "1..3 replicas, Together reports 1..1. Together did not apply the change (or reverted it); nothing was reported as done",
    );
    expect(partial.properties).toMatchObject({
      autoscaling: { minReplicas: 1, maxReplicas: 1 },
      hourlyPriceUsd: 3.36,
    });
    // The recorded outputs differ from the declaration, so the next diff asks for the update again.
    expect(await lifecycle.diff(id, partial.properties, news, ctx)).toEqual({ changes: true });
    await lifecycle.delete(id, outs, ctx);
  });

  test("waitForReady false returns at once and records the declared state once it is on its way", async () => {
    const { ctx } = context();
    const { id, outs } = await lifecycle.create(await checked({ ...base, waitForReady: false }, ctx), ctx);
    expect(outs).toMatchObject({ state: "STARTED", liveState: "PENDING" });
    const read = await lifecycle.read(id, outs, ctx);
    expect(read.props).toMatchObject({ state: "STARTED" });
    await lifecycle.delete(id, outs, ctx);
  });

  test("create prices the hardware itself when check could not, and refuses above the cap", async () => {
    const { ctx } = context();
    const { hourlyPriceUsd: _unknown, ...unpriced } = await checked(
      { ...base, maxHourlyPriceUsd: 2 },
      {
        ...ctx,
        // The API does not answer at preview (configuration is fine): check cannot price the hardware.
        client: () =>
          ({
            hardware: { list: () => Promise.reject(new Error("no API at preview")) },
          }) as unknown as TogetherClient,
      },
    );
    const before = emu.summary().endpointsCreated;
    await expect(lifecycle.create(unpriced, ctx)).rejects.toThrow(
      'DedicatedEndpoint "ep": maxHourlyPriceUsd = 2: the endpoint would cost up to $3.36/h',
    );
    expect(emu.summary().endpointsCreated).toBe(before);
  });

  test("delete treats an endpoint already gone as done; read reports it gone; update explains", async () => {
    const { ctx } = context();
    const { id, outs } = await lifecycle.create(await checked(base, ctx), ctx);
    await client.endpoints.delete(id);
    await expect(lifecycle.delete(id, outs, ctx)).resolves.toBeUndefined();
    expect(await lifecycle.read(id, outs, ctx)).toEqual({ id: "" });
    await expect(lifecycle.update(id, outs, await checked(base, ctx), ctx)).rejects.toThrow(
      `DedicatedEndpoint "ep": endpoint ${id} no longer exists on Together (deleted outside Pulumi). ` +
        "Fix: run pulumi refresh to drop it from the stack; the next up creates a new one",
    );
  });

  test("an ambiguous create that committed nothing fails without a second POST", async () => {
    const { ctx } = context();
    const posts = () => emu.requests.filter((r) => r.method === "POST" && r.path === "/v1/endpoints").length;
    const before = posts();
    emu.faults.add({ method: "POST", path: "/v1/endpoints", action: { type: "status", status: 502 } });
    await expect(
      lifecycle.create(await checked({ ...base, displayName: "unit-none" }, ctx), ctx),
    ).rejects.toThrow(
      'and no new endpoint named "unit-none" serving Qwen/Qwen3-8B exists, so nothing was created and nothing bills. ' +
        "Fix: run up again",
    );
    expect(posts()).toBe(before + 1);
    emu.faults.clear();
  });
});
