// The provider's v2 client against the emulator: the v2 root derived from the v1 base URL, cursor pages,
// validateOnly, and etag conflicts that fail at once instead of being retried.
import { startEmulator, type Emulator } from "../../../emulator";
import { TogetherClient, isBadRequest, v2BaseUrl, type EndpointsV2Api } from "../../../provider/client";

let emu: Emulator;
let client: TogetherClient;
let v2: EndpointsV2Api;
const P = "proj_client";

beforeAll(async () => {
  emu = await startEmulator({ projectId: P });
  client = new TogetherClient({ baseUrl: emu.baseUrl, apiKey: emu.apiKey, sleepScale: 0 });
  v2 = client.endpointsV2!;
});

afterAll(async () => {
  await client.close();
  await emu.close();
});

describe("v2 base URL", () => {
  it("replaces a trailing /v1 with /v2 and keeps host and prefix; anything else has no v2 root", () => {
    expect(v2BaseUrl(new URL("https://api.together.ai/v1"))!.href).toBe("https://api.together.ai/v2");
    expect(v2BaseUrl(new URL("http://127.0.0.1:8787/proxy/v1"))!.href).toBe("http://127.0.0.1:8787/proxy/v2");
    expect(v2BaseUrl(new URL("https://proxy.example/together"))).toBeUndefined();
    expect(
      new TogetherClient({ baseUrl: "https://proxy.example/together", apiKey: "k" }).endpointsV2,
    ).toBeUndefined();
  });
});

describe("EndpointsV2Api", () => {
  it("names the project, validates and creates a deployment, pages through listings", async () => {
    await expect(v2.whoami()).resolves.toMatchObject({ project_id: P, project_slug: "emulator-user" });
    const [qwen] = (await v2.listSupportedModels("Qwen/Qwen3-0.6B")).filter(
      (m) => m.name === "Qwen/Qwen3-0.6B",
    );
    const configs = await v2.listConfigs(P, qwen!.baseModel);
    const config = `projects/${configs[0]!.projectId}/configs/${configs[0]!.id}`;
    expect((await v2.listInstanceTypes()).every((t) => t.priceCentsPerHour > 0)).toBe(true);

    const ep = await v2.createEndpoint(P, { name: "client-a" });
    const body = {
      name: "main",
      model: qwen!.baseModel,
      config,
      autoscaling: { minReplicas: 1, maxReplicas: 1 },
    };
    const dry = await v2.createDeployment(P, ep.id, body, { validateOnly: true });
    expect(dry.status.state).toBe("DEPLOYMENT_STATE_PROVISIONING");
    expect(await v2.listDeployments(P, ep.id)).toEqual([]);
    const bad = v2.createDeployment(
      P,
      ep.id,
      { ...body, autoscaling: { minReplicas: 2, maxReplicas: 1 } },
      { validateOnly: true },
    );
    expect(isBadRequest(await bad.catch((e: unknown) => e))).toBe(true);
    await expect(bad).rejects.toThrow(/maxReplicas/);

    const dep = await v2.createDeployment(P, ep.id, body);
    expect((await v2.getDeployment(P, ep.id, dep.id)).id).toBe(dep.id);

    const extra = await Promise.all(
      Array.from({ length: 101 }, (_, i) => v2.createEndpoint(P, { name: `page-${i}` })),
    );
    expect((await v2.listEndpoints(P)).length).toBe(102);
    expect((await v2.listEndpoints(P, { name: "client-a" })).map((e) => e.id)).toEqual([ep.id]);
    for (const e of extra) await v2.deleteEndpoint(P, e.id);
  });

  it("fails a stale-etag write at once with 409 (no retries) and deletes with the current etag", async () => {
    const ep = await v2.createEndpoint(P, { name: "client-etag" });
    const fresh = await v2.updateEndpoint(P, ep.id, { visibility: "VISIBILITY_INTERNAL", etag: ep.etag });
    const before = emu.requests.length;
    const stale = v2.updateEndpoint(P, ep.id, { visibility: "VISIBILITY_PRIVATE", etag: ep.etag });
    await expect(stale).rejects.toMatchObject({
      status: 409,
      apiMessage: expect.stringContaining("etag mismatch"),
    });
    expect(emu.requests.length - before).toBe(1);
    await expect(v2.deleteEndpoint(P, ep.id, ep.etag)).rejects.toMatchObject({ status: 409 });
    await v2.deleteEndpoint(P, ep.id, fresh.etag);
    await expect(v2.getEndpoint(P, ep.id)).rejects.toMatchObject({ status: 404 });
  });
});
