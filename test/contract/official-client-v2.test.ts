// Conformance of the /v2 endpoints platform: Together's own TypeScript client (`together-ai`,
// `client.beta.*`) drives the emulator. If the official client cannot talk to it, the emulator is wrong.
//
// The client sends v2 calls to its `defaultBaseURL` (https://api.together.ai/v2) only while its base URL
// is the default; a configured base URL replaces both. So the main client keeps the default URLs and a
// `fetch` that carries the request to the emulator unchanged (same path, query, body and headers), which
// is exactly what the client would send to Together.
import { startEmulator, type Emulator } from "../../emulator";
import { conversationJsonl, settleFile, uploadText } from "../emulator/test-helpers";

type TogetherClient = any; // eslint-disable-line @typescript-eslint/no-explicit-any

let emu: Emulator;
let origin: string;
let client: TogetherClient;
let Together: new (opts: Record<string, unknown>) => TogetherClient;

const TOGETHER = "https://api.together.ai";

beforeAll(async () => {
  emu = await startEmulator({ timeScale: 1, projectId: "proj_contract" });
  origin = emu.baseUrl.replace(/\/v1$/, "");
  Together = require("together-ai");
  const toEmulator = (input: string | URL | Request, init?: RequestInit) => {
    const url = typeof input === "string" ? input : input instanceof URL ? input.href : input.url;
    if (!url.startsWith(TOGETHER)) throw new Error(`unexpected request to ${url}`);
    return fetch(origin + url.slice(TOGETHER.length), init);
  };
  client = new Together({ apiKey: emu.apiKey, projectID: emu.projectId, fetch: toEmulator, maxRetries: 0 });
});

afterAll(async () => {
  await emu.close();
});

/** A completed LoRA job on Qwen3-0.6B: its merged model and adapter are in the project's registry. */
async function completedJob(): Promise<{ modelObjectId: string; adapterObjectId: string; name: string }> {
  const file = await uploadText(emu, conversationJsonl(20));
  await settleFile(emu);
  const job = await client.fineTuning.create({
    training_file: file,
    model: "Qwen/Qwen3-0.6B",
    suffix: "v2",
    training_type: { type: "Lora", lora_r: 8, lora_alpha: 16 },
  });
  emu.clock.advance(24 * 3_600_000);
  const done = await client.fineTuning.retrieve(job.id);
  expect(done.status).toBe("completed");
  return {
    modelObjectId: done.model_object_id,
    adapterObjectId: done.adapter_object_id,
    name: done.model_output_name,
  };
}

describe("official client: identity and model registry (v2)", () => {
  it("whoami names the API key's project, its slug and organization", async () => {
    await expect(client.whoami()).resolves.toMatchObject({
      project_id: "proj_contract",
      project_slug: "emulator-user",
      organization_id: expect.any(String),
    });
  });

  it("lists and retrieves the registry models a completed fine-tune produced, with their revisions", async () => {
    const job = await completedJob();
    const ids: string[] = [];
    for await (const m of client.beta.models.list()) ids.push(m.id);
    expect(ids).toEqual(expect.arrayContaining([job.modelObjectId, job.adapterObjectId]));

    const model = await client.beta.models.retrieve(job.modelObjectId);
    expect(model).toMatchObject({
      id: job.modelObjectId,
      name: job.name,
      projectId: "proj_contract",
      visibility: "VISIBILITY_PRIVATE",
      weights: { type: "WEIGHTS_TYPE_DEFAULT" },
    });
    const adapter = await client.beta.models.retrieve(job.adapterObjectId);
    expect(adapter.weights.type).toBe("WEIGHTS_TYPE_ADAPTER");
    const revisions = await client.beta.models.listRevisions(job.modelObjectId);
    expect(revisions.data).toEqual([
      expect.objectContaining({ validationStatus: "REVISION_VALIDATION_STATUS_SUCCESS" }),
    ]);

    // The base model's certified configs carry the hardware; each names an instance type with a price.
    const configs: { id: string; selectors: { key: string; value: string }[] }[] = [];
    for await (const c of client.beta.models.configs.list({ referenceModel: model.baseModel }))
      configs.push(c);
    expect(configs.length).toBeGreaterThan(0);
    const selectorKeys = configs[0]!.selectors.map((s) => s.key).sort();
    expect(selectorKeys).toEqual(["accelerator_count", "accelerator_type"]);
    await expect(client.beta.models.configs.retrieve(configs[0]!.id)).resolves.toMatchObject({
      id: configs[0]!.id,
      referenceModel: model.baseModel,
    });

    await expect(client.beta.models.retrieve("ml_nope")).rejects.toMatchObject({ status: 404 });
  });

  it("lists supported models with deployment profiles, instance types with prices, placement profiles", async () => {
    const found: { id: string; name: string; deploymentProfiles: { config: string; gpuCount: number }[] }[] =
      [];
    for await (const m of client.beta.models.listSupported({
      search: "Qwen3-0.6B",
      product: "PRODUCT_DEDICATED",
    }))
      found.push(m);
    const qwen = found.find((m) => m.name === "Qwen/Qwen3-0.6B")!;
    expect(qwen.deploymentProfiles.length).toBeGreaterThan(0);
    expect(qwen.deploymentProfiles[0]!.config).toMatch(/^projects\/[^/]+\/configs\/cr_/);
    await expect(client.beta.models.retrieveSupported(qwen.id)).resolves.toMatchObject({
      name: "Qwen/Qwen3-0.6B",
    });

    const hardware = await client.beta.endpoints.hardware.list();
    expect(hardware.object).toBe("list");
    const h100 = hardware.data.find(
      (h: { gpuType: string; gpuCount: number }) => h.gpuType === "H100" && h.gpuCount === 1,
    );
    expect(h100).toMatchObject({ priceCentsPerHour: 336, gpuMemoryGib: 80 });
    await expect(client.beta.endpoints.hardware.retrieve(h100.id)).resolves.toMatchObject({ id: h100.id });

    const profiles: { id: string }[] = [];
    for await (const p of client.beta.endpoints.placementProfiles.list()) profiles.push(p);
    expect(profiles.length).toBeGreaterThan(0);
    await expect(client.beta.endpoints.placementProfiles.retrieve(profiles[0]!.id)).resolves.toMatchObject({
      projectId: "proj_contract",
    });
  });
});

describe("official client: endpoints and deployments (v2)", () => {
  it("creates, retrieves, lists, updates (with etag) and deletes an endpoint", async () => {
    const ep = await client.beta.endpoints.create({ name: "contract-basic" });
    expect(ep).toMatchObject({
      name: "emulator-user/contract-basic",
      projectId: "proj_contract",
      endpointType: "ENDPOINT_TYPE_DEDICATED",
      visibility: "VISIBILITY_PRIVATE",
      trafficSplit: [],
      deployments: [],
    });
    await expect(client.beta.endpoints.retrieve(ep.id)).resolves.toMatchObject({ id: ep.id, etag: ep.etag });
    await expect(client.beta.endpoints.create({ name: "contract-basic" })).rejects.toMatchObject({
      status: 409,
    });

    const updated = await client.beta.endpoints.update(ep.id, {
      visibility: "VISIBILITY_INTERNAL",
      etag: ep.etag,
    });
    expect(updated.visibility).toBe("VISIBILITY_INTERNAL");
    expect(updated.etag).not.toBe(ep.etag);
    // A write with the etag read before the last change is refused.
    await expect(
      client.beta.endpoints.update(ep.id, { visibility: "VISIBILITY_PRIVATE", etag: ep.etag }),
    ).rejects.toMatchObject({ status: 409, error: { code: 10 } });
    await expect(client.beta.endpoints.delete(ep.id, { etag: ep.etag })).rejects.toMatchObject({
      status: 409,
    });

    const names: string[] = [];
    for await (const e of client.beta.endpoints.list({ filter: 'name="contract-basic"' })) names.push(e.name);
    expect(names).toEqual(["emulator-user/contract-basic"]);

    await expect(client.beta.endpoints.delete(ep.id, { etag: updated.etag })).resolves.toEqual({});
    await expect(client.beta.endpoints.retrieve(ep.id)).rejects.toMatchObject({ status: 404 });
  });

  it("pages through endpoints with limit and the next_cursor", async () => {
    const made = await Promise.all(
      ["page-a", "page-b", "page-c"].map((name) => client.beta.endpoints.create({ name })),
    );
    const first = await client.beta.endpoints.list({ limit: 2 });
    expect(first.data).toHaveLength(2);
    expect(first.hasNextPage()).toBe(true);
    const all: string[] = [];
    for await (const e of client.beta.endpoints.list({ limit: 2 })) all.push(e.id);
    expect(all).toEqual(expect.arrayContaining(made.map((e: { id: string }) => e.id)));
    for (const e of made) await client.beta.endpoints.delete(e.id);
  });

  it("deploys a fine-tuned model: validateOnly, PROVISIONING -> READY, traffic, scaling, stop, delete", async () => {
    const job = await completedJob();
    const model = await client.beta.models.retrieve(job.modelObjectId);
    const configs: { id: string; projectId: string; selectors: { key: string; value: string }[] }[] = [];
    for await (const c of client.beta.models.configs.list({ referenceModel: model.baseModel }))
      configs.push(c);
    const config = configs.find((c) =>
      c.selectors.some((s) => s.key === "accelerator_count" && s.value === "1"),
    )!;
    const configName = `projects/${config.projectId}/configs/${config.id}`;
    const modelName = `projects/proj_contract/models/${job.modelObjectId}`;
    const ep = await client.beta.endpoints.create({ name: "contract-serve" });

    // validateOnly: Together's verdict, nothing created.
    const dry = await client.beta.endpoints.deployments.create(ep.id, {
      name: "primary",
      model: modelName,
      config: configName,
      autoscaling: { minReplicas: 1, maxReplicas: 2 },
      validateOnly: true,
    });
    expect(dry).toMatchObject({ name: "emulator-user/contract-serve/primary", config: configName });
    expect((await client.beta.endpoints.retrieve(ep.id)).deployments).toEqual([]);
    // What the client sent: the project-scoped v2 path, validateOnly in the query, camelCase in the body.
    const sent = emu.requests.find(
      (r) => r.method === "POST" && r.path === `/v2/projects/proj_contract/endpoints/${ep.id}/deployments`,
    );
    expect(sent).toMatchObject({
      query: { validateOnly: "true" },
      body: { name: "primary", autoscaling: { minReplicas: 1, maxReplicas: 2 } },
    });
    const incompatible = [...(await client.beta.models.configs.list()).data].find(
      (c: { referenceModel: string }) => c.referenceModel !== model.baseModel,
    );
    await expect(
      client.beta.endpoints.deployments.create(ep.id, {
        name: "primary",
        model: modelName,
        config: `projects/${incompatible.projectId}/configs/${incompatible.id}`,
        autoscaling: { minReplicas: 1 },
        validateOnly: true,
      }),
    ).rejects.toMatchObject({ status: 400, message: expect.stringContaining("certified for") });
    await expect(
      client.beta.endpoints.deployments.create(ep.id, {
        name: "primary",
        model: modelName,
        config: configName,
        autoscaling: { minReplicas: 3, maxReplicas: 2 },
        validateOnly: true,
      }),
    ).rejects.toMatchObject({ status: 400 });

    const dep = await client.beta.endpoints.deployments.create(ep.id, {
      name: "primary",
      model: modelName,
      config: configName,
      autoscaling: { minReplicas: 1, maxReplicas: 2, scaleDownWindow: "10m" },
    });
    expect(dep).toMatchObject({
      endpointId: ep.id,
      model: expect.stringMatching(new RegExp(`^${modelName}/revisions/rv_`)),
      autoscaling: { minReplicas: 1, maxReplicas: 2, scaleDownWindow: "600s" },
      status: { state: "DEPLOYMENT_STATE_PROVISIONING" },
      trafficMode: "TRAFFIC_MODE_LIVE",
    });
    emu.clock.advance(3 * 60_000);
    const ready = await client.beta.endpoints.deployments.retrieve(dep.id, { endpointId: ep.id });
    expect(ready.status).toMatchObject({ state: "DEPLOYMENT_STATE_READY", readyReplicas: 1 });
    const listed: { id: string }[] = [];
    for await (const d of client.beta.endpoints.deployments.list(ep.id)) listed.push(d);
    expect(listed.map((d) => d.id)).toEqual([dep.id]);

    const routed = await client.beta.endpoints.update(ep.id, {
      trafficSplit: [{ deploymentId: dep.id, weight: 1 }],
      etag: (await client.beta.endpoints.retrieve(ep.id)).etag,
    });
    expect(routed.deployments[0]).toMatchObject({ id: dep.id, estimatedEffectiveTrafficShare: 1 });

    const scaled = await client.beta.endpoints.deployments.update(dep.id, {
      endpointId: ep.id,
      autoscaling: { minReplicas: 2, maxReplicas: 3 },
      etag: ready.etag,
    });
    expect(scaled.status.state).toBe("DEPLOYMENT_STATE_SCALING");
    await expect(
      client.beta.endpoints.deployments.update(dep.id, {
        endpointId: ep.id,
        autoscaling: { minReplicas: 1 },
        etag: ready.etag,
      }),
    ).rejects.toMatchObject({ status: 409 });
    emu.clock.advance(60_000);
    expect(
      (await client.beta.endpoints.deployments.retrieve(dep.id, { endpointId: ep.id })).status,
    ).toMatchObject({ state: "DEPLOYMENT_STATE_READY", readyReplicas: 2 });

    const stopping = await client.beta.endpoints.deployments.update(dep.id, {
      endpointId: ep.id,
      autoscaling: { minReplicas: 0, maxReplicas: 0 },
    });
    expect(stopping.status.state).toBe("DEPLOYMENT_STATE_STOPPING");
    emu.clock.advance(60_000);
    expect(
      (await client.beta.endpoints.deployments.retrieve(dep.id, { endpointId: ep.id })).status.state,
    ).toBe("DEPLOYMENT_STATE_STOPPED");
    expect(emu.summary().deploymentsBilling).toBe(0);

    // A deployment in the live traffic split is not deleted; nor is an endpoint with deployments.
    await expect(
      client.beta.endpoints.deployments.delete(dep.id, { endpointId: ep.id }),
    ).rejects.toMatchObject({
      status: 400,
    });
    await expect(client.beta.endpoints.delete(ep.id)).rejects.toMatchObject({ status: 400 });
    await client.beta.endpoints.update(ep.id, { trafficSplit: [] });
    await expect(client.beta.endpoints.deployments.delete(dep.id, { endpointId: ep.id })).resolves.toEqual(
      {},
    );
    await expect(
      client.beta.endpoints.deployments.retrieve(dep.id, { endpointId: ep.id }),
    ).rejects.toMatchObject({ status: 404 });
    await expect(client.beta.endpoints.delete(ep.id)).resolves.toEqual({});
    expect(emu.summary()).toMatchObject({ v2EndpointsLive: 0, deploymentsLive: 0, deploymentsBilling: 0 });
  });

  it("refuses another project's path with 403 and an adapter as a deployment's model", async () => {
    await expect(
      client.beta.endpoints.list({ projectId: "proj_other" }).then((p: { data: unknown }) => p.data),
    ).rejects.toMatchObject({ status: 403 });
    const job = await completedJob();
    const ep = await client.beta.endpoints.create({ name: "contract-adapter" });
    const model = await client.beta.models.retrieve(job.modelObjectId);
    const config = (await client.beta.models.configs.list({ referenceModel: model.baseModel })).data[0];
    await expect(
      client.beta.endpoints.deployments.create(ep.id, {
        name: "lora",
        model: `projects/proj_contract/models/${job.adapterObjectId}`,
        config: `projects/${config.projectId}/configs/${config.id}`,
        autoscaling: { minReplicas: 1 },
        validateOnly: true,
      }),
    ).rejects.toMatchObject({ status: 400, message: expect.stringContaining("LoRA adapter") });
    await client.beta.endpoints.delete(ep.id);
  });
});

describe("official client with a configured base URL", () => {
  it("sends v2 calls under the configured base: /v1 reaches no v2 route, a /v2 base does", async () => {
    const v1 = new Together({
      apiKey: emu.apiKey,
      projectID: emu.projectId,
      baseURL: emu.baseUrl,
      maxRetries: 0,
    });
    await expect(v1.beta.endpoints.list().then((p: { data: unknown }) => p.data)).rejects.toMatchObject({
      status: 404,
    });
    const v2 = new Together({
      apiKey: emu.apiKey,
      projectID: emu.projectId,
      baseURL: `${origin}/v2`,
      maxRetries: 0,
    });
    await expect(v2.beta.endpoints.list().then((p: { data: unknown }) => p.data)).resolves.toEqual([]);
  });
});
