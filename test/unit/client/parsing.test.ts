import { InvalidResponseError, TogetherClient, type TogetherError } from "../../../provider/client";
import { type FakeServer, fileObject, json, startServer } from "./fake-server";
import { KEY, caught } from "./helpers";

const endpoint = {
  object: "endpoint",
  id: "endpoint-1",
  name: "u/m-1234abcd",
  display_name: "d",
  model: "m",
  hardware: "1x_nvidia_h100_80gb_sxm",
  type: "dedicated",
  owner: "u",
  state: "STARTED",
  autoscaling: { min_replicas: 1, max_replicas: 2 },
  created_at: "2026-01-01T00:00:00Z",
};

describe("response parsing", () => {
  let server: FakeServer;
  let client: TogetherClient;
  const routes: Record<string, [number, unknown]> = {
    "GET /v1/files/file-ok": [
      200,
      fileObject("file-ok", { surprise: { nested: true }, processing_status: null }),
    ],
    "GET /v1/files/file-bad": [200, { ...fileObject("file-bad"), Processed: undefined }],
    "GET /v1/files/file-type": [200, fileObject("file-type", { bytes: "ten" })],
    "GET /v1/files": [200, { object: "list", data: [fileObject("a"), { id: "b" }] }],
    "GET /v1/models": [200, [{ id: "m", object: "model", created: 1, type: "chat", display_name: null }]],
    "GET /v1/models?dedicated=true": [
      200,
      { data: [{ id: "d", object: "model", created: 1, type: "chat" }] },
    ],
    "GET /v1/endpoints/endpoint-1": [200, endpoint],
    "GET /v1/endpoints?type=dedicated&mine=true": [200, { object: "list", data: [] }],
    "DELETE /v1/endpoints/endpoint-1": [204, undefined],
    "GET /v1/fine-tunes/models/limits?model_name=nope%2Fmodel": [404, { message: "model not supported" }],
    "GET /v1/files/file-x/content": [200, "raw-bytes"],
  };
  beforeAll(async () => {
    server = await startServer((req, res) => {
      const hit = routes[`${req.method} ${req.url}`];
      if (!hit) return json(res, 599, { error: { message: `no route ${req.method} ${req.url}` } });
      const [status, body] = hit;
      if (status === 204) {
        res.writeHead(204);
        res.end();
      } else if (typeof body === "string") {
        res.writeHead(status, { "content-type": "application/octet-stream" });
        res.end(body);
      } else {
        json(res, status, body);
      }
    });
    client = new TogetherClient({ baseUrl: `${server.origin}/v1`, apiKey: KEY, maxRetries: 0 });
  });
  afterAll(async () => {
    await client.close();
    await server.close();
  });

  it("passes unknown fields through and accepts null for optional ones", async () => {
    const f = await client.files.get("file-ok");
    expect(f.id).toBe("file-ok");
    expect(f.Processed).toBe(true);
    expect(f["surprise"]).toEqual({ nested: true });
    expect(f.processing_status).toBeNull();
  });

  it("names the call and the field when a required field is missing", async () => {
    const err = (await caught(client.files.get("file-bad"))) as TogetherError;
    expect(err).toBeInstanceOf(InvalidResponseError);
    expect(err.code).toBe("invalid_response");
    expect(err.message).toBe(
      'Together API GET /v1/files/file-bad failed: response to files.get is invalid: required field "Processed" is missing',
    );
  });

  it("names a mistyped field and a field inside a list", async () => {
    const typed = (await caught(client.files.get("file-type"))) as TogetherError;
    expect(typed.message).toContain('required field "bytes" is invalid');
    const listed = (await caught(client.files.list())) as TogetherError;
    expect(listed.message).toContain(
      'response to files.list is invalid: required field "data.1.object" is missing',
    );
  });

  it("reads /models as a bare array or a {data} envelope", async () => {
    expect((await client.models.list()).map((m) => m.id)).toEqual(["m"]);
    expect((await client.models.list({ dedicated: true })).map((m) => m.id)).toEqual(["d"]);
  });

  it("sends list filters as query parameters and accepts 204 on endpoint delete", async () => {
    await expect(client.endpoints.list({ type: "dedicated", mine: true })).resolves.toEqual([]);
    await expect(client.endpoints.get("endpoint-1")).resolves.toMatchObject({
      autoscaling: { max_replicas: 2 },
    });
    await expect(client.endpoints.delete("endpoint-1")).resolves.toBeUndefined();
  });

  it("maps model-limits 404 with a flat {message} body to NotFoundError", async () => {
    const err = (await caught(client.fineTunes.modelLimits("nope/model"))) as TogetherError;
    expect(err.code).toBe("not_found");
    expect(err.apiMessage).toBe("model not supported");
  });

  it("returns file content as bytes", async () => {
    expect((await client.files.content("file-x")).toString()).toBe("raw-bytes");
  });
});
