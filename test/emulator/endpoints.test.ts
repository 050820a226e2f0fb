import { startEmulator, type Emulator } from "../../emulator";
import { api, conversationJsonl, readyFile } from "./test-helpers";

let emu: Emulator;
beforeEach(async () => {
  emu = await startEmulator({ timeScale: 1 });
});
afterEach(async () => {
  await emu.close();
});

const MODEL = "Qwen/Qwen3-8B";
const body = (extra: Record<string, unknown> = {}) => ({
  model: MODEL,
  hardware: "1x_nvidia_h100_80gb_sxm",
  autoscaling: { min_replicas: 1, max_replicas: 2 },
  display_name: "my endpoint",
  inactive_timeout: 60,
  ...extra,
});

async function state(id: string): Promise<string> {
  return (await api(emu, "GET", `/endpoints/${id}`)).body.state;
}

describe("endpoint lifecycle", () => {
  it("creates PENDING -> STARTING -> STARTED on the clock, stops and restarts, deletes with 204", async () => {
    const res = await api(emu, "POST", "/endpoints", body());
    expect(res.status).toBe(200);
    const ep = res.body;
    expect(ep).toMatchObject({
      object: "endpoint",
      id: expect.stringMatching(/^endpoint-[0-9a-f-]{36}$/),
      name: expect.stringMatching(/^emulator-user\/Qwen3-8B-[0-9a-f]{8}$/),
      display_name: "my endpoint",
      model: MODEL,
      hardware: "1x_nvidia_h100_80gb_sxm",
      type: "dedicated",
      owner: "emulator-user",
      state: "PENDING",
      autoscaling: { min_replicas: 1, max_replicas: 2 },
    });
    expect(ep).not.toHaveProperty("inactive_timeout");
    expect(emu.summary()).toMatchObject({ endpointsCreated: 1, endpointsLive: 1, endpointsBilling: 1 });
    emu.clock.advance(60_000);
    expect(await state(ep.id)).toBe("STARTING");
    emu.clock.advance(150_000);
    expect(await state(ep.id)).toBe("STARTED");

    const stop = await api(emu, "PATCH", `/endpoints/${ep.id}`, { state: "STOPPED" });
    expect(stop.body.state).toBe("STOPPING");
    emu.clock.advance(60_000);
    expect(await state(ep.id)).toBe("STOPPED");
    expect(emu.summary().endpointsBilling).toBe(0);

    const start = await api(emu, "PATCH", `/endpoints/${ep.id}`, { state: "STARTED" });
    expect(start.body.state).toBe("STARTING");
    emu.clock.advance(200_000);
    expect(await state(ep.id)).toBe("STARTED");

    const upd = await api(emu, "PATCH", `/endpoints/${ep.id}`, {
      autoscaling: { min_replicas: 2, max_replicas: 4 },
      display_name: "renamed",
      inactive_timeout: 0,
    });
    expect(upd.body).toMatchObject({
      autoscaling: { min_replicas: 2, max_replicas: 4 },
      display_name: "renamed",
      state: "STARTED",
    });
    const half = await api(emu, "PATCH", `/endpoints/${ep.id}`, { autoscaling: { min_replicas: 1 } });
    expect(half.status).toBe(400);
    const toZero = await api(emu, "PATCH", `/endpoints/${ep.id}`, {
      autoscaling: { min_replicas: 0, max_replicas: 1 },
    });
    expect(toZero.body).toMatchObject({ autoscaling: { min_replicas: 0, max_replicas: 1 } });
    const noReplica = await api(emu, "PATCH", `/endpoints/${ep.id}`, {
      autoscaling: { min_replicas: 0, max_replicas: 0 },
    });
    expect(noReplica.status).toBe(400);

    const del = await api(emu, "DELETE", `/endpoints/${ep.id}`);
    expect(del.status).toBe(204);
    expect(del.body).toBeUndefined();
    expect((await api(emu, "GET", `/endpoints/${ep.id}`)).status).toBe(404);
    expect(emu.summary()).toMatchObject({ endpointsCreated: 1, endpointsLive: 0, endpointsBilling: 0 });
  });

  it("stays STOPPED when created with state STOPPED", async () => {
    const ep = (await api(emu, "POST", "/endpoints", body({ state: "STOPPED" }))).body;
    expect(ep.state).toBe("STOPPED");
    emu.clock.advance(600_000);
    expect(await state(ep.id)).toBe("STOPPED");
    expect(emu.summary().endpointsBilling).toBe(0);
  });

  it("goes to ERROR on control.setEndpointError and to STOPPED on inactivity", async () => {
    const a = (await api(emu, "POST", "/endpoints", body())).body;
    const b = (await api(emu, "POST", "/endpoints", body())).body;
    emu.clock.advance(200_000);
    emu.control.setEndpointError(a.id, "replica crashed");
    expect(await state(a.id)).toBe("ERROR");
    emu.control.stopEndpointForInactivity(b.id);
    expect(await state(b.id)).toBe("STOPPED");
    expect(emu.summary().endpointsBilling).toBe(0);
  });

  it("accepts a completed job's output model", async () => {
    const file = await readyFile(emu, conversationJsonl(10));
    const job = (await api(emu, "POST", "/fine-tunes", { training_file: file, model: "Qwen/Qwen3-0.6B" }))
      .body;
    const early = await api(emu, "POST", "/endpoints", body({ model: job.model_output_name }));
    expect(early.status).toBe(400);
    emu.clock.advance(3_600_000);
    const ok = await api(emu, "POST", "/endpoints", body({ model: job.model_output_name }));
    expect(ok.status).toBe(200);
    expect(ok.body.name).toMatch(/^emulator-user\/Qwen3-0\.6B-[0-9a-f]{6}-[0-9a-f]{8}$/);
  });
});

describe("create validation", () => {
  it.each([
    ["an unknown model", { model: "acme/nothing" }, "model", /not found/],
    [
      "hardware too small for the model",
      { model: "meta-llama/Llama-3.3-70B-Instruct-Reference", hardware: "1x_nvidia_l40s_48gb_pcie" },
      "hardware",
      /check the hardware api/,
    ],
    ["unknown hardware", { hardware: "1x_nvidia_b300" }, "hardware", /check the hardware api/],
    ["missing autoscaling", { autoscaling: undefined }, "autoscaling", /min_replicas/],
    [
      "min above max",
      { autoscaling: { min_replicas: 3, max_replicas: 1 } },
      "autoscaling",
      /0 <= min_replicas <= max_replicas/,
    ],
    ["a display name with a slash", { display_name: "a/b" }, "display_name", /1-100/],
    ["a negative inactive_timeout", { inactive_timeout: -1 }, "inactive_timeout", /non-negative/],
    ["an unknown availability zone", { availability_zone: "mars-1a" }, "availability_zone", /one of/],
  ])("rejects %s with a 400", async (_name, extra, param, message) => {
    const res = await api(emu, "POST", "/endpoints", body(extra));
    expect(res.status).toBe(400);
    expect(res.body.error.param).toBe(param);
    expect(res.body.error.message).toMatch(message);
    expect(emu.summary().endpointsCreated).toBe(0);
  });

  it("refuses hardware marked unavailable", async () => {
    emu.control.setHardwareAvailability("1x_nvidia_h100_80gb_sxm", "unavailable");
    const res = await api(emu, "POST", "/endpoints", body());
    expect(res.status).toBe(400);
    expect(res.body.error.message).toMatch(/unavailable; check the hardware api/);
  });
});

describe("hardware, models, endpoint list, availability zones", () => {
  it("lists all hardware without availability, and only fitting configs with availability when filtered", async () => {
    const all = (await api(emu, "GET", "/hardware")).body;
    expect(all.object).toBe("list");
    expect(all.data.length).toBeGreaterThanOrEqual(8);
    expect(all.data[0]).toMatchObject({
      object: "hardware",
      pricing: { cents_per_minute: expect.any(Number) },
      specs: { gpu_count: expect.any(Number) },
    });
    expect(all.data.every((h: object) => !("availability" in h))).toBe(true);

    emu.control.setHardwareAvailability("8x_nvidia_h200_140gb_sxm", "insufficient");
    const big = (
      await api(
        emu,
        "GET",
        `/hardware?model=${encodeURIComponent("meta-llama/Llama-3.3-70B-Instruct-Reference")}`,
      )
    ).body.data;
    const ids = big.map((h: { id: string }) => h.id);
    expect(ids).not.toContain("1x_nvidia_h100_80gb_sxm");
    expect(ids).toContain("8x_nvidia_h100_80gb_sxm");
    expect(big.find((h: { id: string }) => h.id === "8x_nvidia_h200_140gb_sxm").availability).toEqual({
      status: "insufficient",
    });
    expect((await api(emu, "GET", "/hardware?model=acme/none")).status).toBe(404);
  });

  it("lists models as a bare array with a dedicated filter", async () => {
    const all = (await api(emu, "GET", "/models")).body;
    expect(Array.isArray(all)).toBe(true);
    expect(all.map((m: { id: string }) => m.id)).toEqual(
      expect.arrayContaining([MODEL, "BAAI/bge-large-en-v1.5"]),
    );
    const dedicated = (await api(emu, "GET", "/models?dedicated=true")).body.map((m: { id: string }) => m.id);
    expect(dedicated).toContain(MODEL);
    expect(dedicated).not.toContain("BAAI/bge-large-en-v1.5");
  });

  it("filters the endpoint list by type and mine, in ListEndpoint shape", async () => {
    const ep = (await api(emu, "POST", "/endpoints", body())).body;
    const all = (await api(emu, "GET", "/endpoints")).body;
    expect(all.object).toBe("list");
    expect(all.data.some((e: { type: string }) => e.type === "serverless")).toBe(true);
    const mine = (await api(emu, "GET", "/endpoints?type=dedicated&mine=true")).body.data;
    expect(mine).toEqual([
      {
        object: "endpoint",
        id: ep.id,
        name: ep.name,
        model: MODEL,
        type: "dedicated",
        owner: "emulator-user",
        state: "PENDING",
        created_at: ep.created_at,
      },
    ]);
    expect((await api(emu, "GET", "/clusters/availability-zones")).body.avzones.length).toBeGreaterThan(0);
  });
});
