// The v2 deployment state machine on the emulated clock, and the v2 error body, seen over raw HTTP.
import { startEmulator, type Emulator } from "../../emulator";

let emu: Emulator;
let v2: string;

beforeAll(async () => {
  emu = await startEmulator({ projectId: "proj_sm" });
  v2 = `${emu.baseUrl.replace(/\/v1$/, "")}/v2`;
});

afterAll(async () => {
  await emu.close();
});

// eslint-disable-next-line @typescript-eslint/no-explicit-any
async function call(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(`${v2}${path}`, {
    method,
    headers: { authorization: `Bearer ${emu.apiKey}`, "content-type": "application/json" },
    body: body === undefined ? null : JSON.stringify(body),
  });
  return { status: res.status, body: await res.json() };
}

const MODEL = "Qwen/Qwen3-0.6B";

async function qwenConfig(gpuCount: number): Promise<{ model: string; config: string }> {
  const found = await call("GET", `/supported-models?search=${encodeURIComponent(MODEL)}`);
  const qwen = found.body.data.find((m: { name: string }) => m.name === MODEL);
  const profile = qwen.deploymentProfiles.find(
    (p: { gpuCount: number; gpuType: string }) => p.gpuType === "H100" && p.gpuCount === gpuCount,
  );
  return { model: profile.model, config: profile.config };
}

async function deploy(endpoint: string, autoscaling: Record<string, number>, gpuCount = 1) {
  const ep = await call("POST", "/projects/proj_sm/endpoints", { name: endpoint });
  const res = await call("POST", `/projects/proj_sm/endpoints/${ep.body.id}/deployments`, {
    name: "main",
    ...(await qwenConfig(gpuCount)),
    autoscaling,
  });
  expect(res.status).toBe(200);
  return { ep: ep.body.id as string, dep: res.body.id as string };
}

const state = async (ep: string, dep: string): Promise<{ state: string; message: string }> =>
  (await call("GET", `/projects/proj_sm/endpoints/${ep}/deployments/${dep}`)).body.status;

describe("v2 deployments on the emulated clock", () => {
  it("restarts a stopped deployment (PROVISIONING -> READY) and degrades or fails on command", async () => {
    const { ep, dep } = await deploy("restart", { minReplicas: 0, maxReplicas: 0 });
    expect((await state(ep, dep)).state).toBe("DEPLOYMENT_STATE_STOPPED");
    await call("PATCH", `/projects/proj_sm/endpoints/${ep}/deployments/${dep}`, {
      autoscaling: { minReplicas: 1, maxReplicas: 1 },
    });
    expect((await state(ep, dep)).state).toBe("DEPLOYMENT_STATE_PROVISIONING");
    emu.clock.advance(180_000);
    expect((await state(ep, dep)).state).toBe("DEPLOYMENT_STATE_READY");
    emu.control.degradeDeployment(dep, "replica 0 lost its node");
    expect(await state(ep, dep)).toEqual({
      state: "DEPLOYMENT_STATE_DEGRADED",
      message: "replica 0 lost its node",
      readyReplicas: 0,
      scheduledReplicas: 1,
    });
    emu.control.failDeployment(dep, "engine crashed: CUDA out of memory");
    expect(await state(ep, dep)).toMatchObject({
      state: "DEPLOYMENT_STATE_FAILED",
      message: "engine crashed: CUDA out of memory",
    });
    expect(emu.summary().deploymentsBilling).toBe(0);
  });

  it("fails a deployment whose hardware has no capacity, with the reason", async () => {
    emu.control.setHardwareAvailability("2x_nvidia_h100_80gb_sxm", "unavailable");
    const { ep, dep } = await deploy("no-capacity", { minReplicas: 1 }, 2);
    expect((await state(ep, dep)).state).toBe("DEPLOYMENT_STATE_PROVISIONING");
    emu.clock.advance(60_000);
    expect(await state(ep, dep)).toMatchObject({
      state: "DEPLOYMENT_STATE_FAILED",
      message: expect.stringContaining("Insufficient capacity"),
    });
    emu.control.setHardwareAvailability("2x_nvidia_h100_80gb_sxm", "available");
  });

  it("answers errors as gRPC status bodies with a problem detail naming the field", async () => {
    const ep = await call("POST", "/projects/proj_sm/endpoints", { name: "errors" });
    const res = await call("POST", `/projects/proj_sm/endpoints/${ep.body.id}/deployments`, {
      name: "main",
      ...(await qwenConfig(1)),
      autoscaling: { minReplicas: 1, maxReplicas: 65 },
    });
    expect(res).toMatchObject({
      status: 400,
      body: {
        code: 3,
        message: expect.stringContaining("maxReplicas"),
        details: [
          expect.objectContaining({
            status: 400,
            fieldViolations: [expect.objectContaining({ field: "autoscaling.maxReplicas" })],
          }),
        ],
      },
    });
    const unknown = await call("POST", "/projects/proj_sm/endpoints", { name: "x", displayName: "X" });
    expect(unknown).toMatchObject({
      status: 400,
      body: { message: expect.stringContaining('unknown field "displayName"') },
    });
    const missing = await call("GET", "/projects/proj_sm/endpoints/ep_nope");
    expect(missing).toMatchObject({ status: 404, body: { code: 5 } });
  });
});
