// `GET /_emulator/requests`: each request's method, path, query, status and body, filtered by method and path,
// with credentials redacted; the control surface itself is not logged and needs no key.
import { readRequestLog, startEmulator, type Emulator } from "../../emulator";
import { api } from "./test-helpers";

let emu: Emulator;
beforeEach(async () => {
  emu = await startEmulator({ timeScale: 1 });
});
afterEach(async () => {
  await emu.close();
});

const origin = () => emu.baseUrl.replace(/\/v1$/, "");

test("lists what was sent, in order, with statuses, bodies and the emulated time", async () => {
  await api(emu, "GET", "/fine-tunes/models/limits?model_name=Qwen%2FQwen3-0.6B");
  await api(emu, "POST", "/fine-tunes", { training_file: "file-none", model: "Qwen/Qwen3-0.6B" });
  await api(emu, "GET", "/files", undefined, { auth: false });
  const res = await fetch(`${origin()}/_emulator/requests`);
  expect(res.status).toBe(200);
  const body = (await res.json()) as { object: string; data: Record<string, unknown>[] };
  expect(body.object).toBe("list");
  expect(body.data).toEqual([
    expect.objectContaining({
      method: "GET",
      path: "/v1/fine-tunes/models/limits",
      query: { model_name: "Qwen/Qwen3-0.6B" },
      status: 200,
    }),
    expect.objectContaining({
      method: "POST",
      path: "/v1/fine-tunes",
      status: 400,
      body: { training_file: "file-none", model: "Qwen/Qwen3-0.6B" },
    }),
    expect.objectContaining({ method: "GET", path: "/v1/files", status: 401 }),
  ]);
  expect(body.data[0]).toMatchObject({ at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/), requestId: /^req-/ });
  expect(body.data[0]).not.toHaveProperty("headers");
});

test("filters by method and exact path, and never shows a credential", async () => {
  await api(emu, "POST", "/fine-tunes", {
    training_file: "f",
    model: "m",
    wandb_api_key: "wb-SECRET",
    hf_api_token: "hf-SECRET",
  });
  await api(emu, "GET", "/fine-tunes");
  const posts = await readRequestLog(emu.baseUrl, { method: "post", path: "/v1/fine-tunes" });
  expect(posts).toHaveLength(1);
  expect(posts[0]!.body).toEqual({
    training_file: "f",
    model: "m",
    wandb_api_key: "***",
    hf_api_token: "***",
  });
  expect(await readRequestLog(emu.baseUrl, { path: "/v1/files" })).toEqual([]);
  const all = await fetch(`${origin()}/_emulator/requests`).then((r) => r.text());
  expect(all).not.toContain("SECRET");
  expect(all).not.toContain(emu.apiKey);
});

test("reading the log is not logged itself", async () => {
  await readRequestLog(emu.baseUrl);
  await fetch(`${origin()}/_emulator/state`);
  expect(await readRequestLog(origin())).toEqual([]);
});
