import { startEmulator, type Emulator } from "../../emulator";
import { api, conversationJsonl, readyFile } from "./test-helpers";

let emu: Emulator;
beforeEach(async () => {
  emu = await startEmulator({ timeScale: 1 });
});
afterEach(async () => {
  await emu.close();
});

const MODEL = "Qwen/Qwen3-0.6B";

describe("fault injection", () => {
  it("answers a status fault with Together's error body and Retry-After, once by default", async () => {
    emu.faults.add({
      method: "GET",
      path: "/v1/files",
      action: { type: "status", status: 429, retryAfterSeconds: 7 },
    });
    const hit = await api(emu, "GET", "/files");
    expect(hit.status).toBe(429);
    expect(hit.headers.get("retry-after")).toBe("7");
    expect(hit.body.error).toMatchObject({ type: "rate_limit_error", message: expect.any(String) });
    expect((await api(emu, "GET", "/files")).status).toBe(200);
    expect(emu.faults.injected).toBe(1);
    expect(emu.requests.map((r) => r.fault)).toEqual(["status", undefined]);
  });

  it("matches by RegExp and honours times, including Infinity, until cleared", async () => {
    emu.faults.add({
      path: /^\/v1\/fine-tunes/,
      times: Infinity,
      action: { type: "status", status: 503, message: "overloaded" },
    });
    for (let i = 0; i < 3; i++) expect((await api(emu, "GET", "/fine-tunes")).status).toBe(503);
    expect((await api(emu, "GET", "/files")).status).toBe(200);
    emu.faults.clear();
    expect((await api(emu, "GET", "/fine-tunes")).status).toBe(200);
    expect(emu.faults.injected).toBe(3);
  });

  it("adds latency and still answers", async () => {
    emu.faults.add({ path: "/v1/hardware", action: { type: "latency", ms: 50 } });
    expect((await api(emu, "GET", "/hardware")).status).toBe(200);
    expect(emu.faults.injected).toBe(1);
    expect(emu.requests[0]!.fault).toBe("latency");
  });

  it("reset before: the connection drops and nothing is committed", async () => {
    const file = await readyFile(emu);
    emu.faults.add({ method: "POST", path: "/v1/fine-tunes", action: { type: "reset", phase: "before" } });
    await expect(api(emu, "POST", "/fine-tunes", { training_file: file, model: MODEL })).rejects.toThrow();
    expect(emu.summary().jobsCreated).toBe(0);
  });

  it("reset after: the job is created but the client never hears about it (the ambiguous create)", async () => {
    const file = await readyFile(emu);
    emu.faults.add({ method: "POST", path: "/v1/fine-tunes", action: { type: "reset", phase: "after" } });
    await expect(api(emu, "POST", "/fine-tunes", { training_file: file, model: MODEL })).rejects.toThrow();
    expect(emu.summary().jobsCreated).toBe(1);
    expect((await api(emu, "GET", "/fine-tunes")).body.data).toHaveLength(1);
    expect(emu.requests.find((r) => r.fault === "reset-after")).toMatchObject({
      status: 0,
      path: "/v1/fine-tunes",
    });
  });

  it("reset mid-body: an upload PUT drops after part of the body and can be retried", async () => {
    const res = await api(emu, "POST", "/files", "purpose=fine-tune&file_name=t.jsonl", {
      headers: { "content-type": "application/x-www-form-urlencoded" },
    });
    const id = res.headers.get("x-together-file-id")!;
    const location = res.headers.get("location")!;
    emu.faults.add({ method: "PUT", path: /^\/_uploads\//, action: { type: "reset", phase: "mid-body" } });
    const content = Buffer.from(conversationJsonl(20000));
    await expect(fetch(location, { method: "PUT", body: content })).rejects.toThrow();
    expect((await api(emu, "GET", `/files/${id}`)).body).toMatchObject({
      bytes: 0,
      processing_status: "PENDING",
    });
    const retry = await fetch(location, { method: "PUT", body: content });
    expect(retry.status).toBe(200);
    expect((await api(emu, "GET", `/files/${id}`)).body.bytes).toBe(content.length);
    expect(emu.faults.injected).toBe(1);
  });
});

describe("auth and request ids", () => {
  it("answers 401 without a bearer key or with a wrong one, with x-request-id on every response", async () => {
    const none = await api(emu, "GET", "/files", undefined, { auth: false });
    expect(none.status).toBe(401);
    expect(none.body.error).toMatchObject({ type: "authentication_error", code: "invalid_api_key" });
    const wrong = await api(emu, "GET", "/fine-tunes", undefined, {
      auth: false,
      headers: { authorization: "Bearer nope" },
    });
    expect(wrong.status).toBe(401);
    const unknown = await api(emu, "GET", "/nothing-here");
    expect(unknown.status).toBe(404);
    for (const r of [none, wrong, unknown]) expect(r.headers.get("x-request-id")).toMatch(/^req-/);
  });

  it("serves /_emulator/state without auth", async () => {
    await readyFile(emu);
    const res = await fetch(`${emu.baseUrl.replace(/\/v1$/, "")}/_emulator/state`);
    expect(res.status).toBe(200);
    const state = (await res.json()) as { summary: { filesCreated: number }; files: unknown[] };
    expect(state.summary.filesCreated).toBe(1);
    expect(state.files).toHaveLength(1);
  });
});

describe("request log", () => {
  it("records every request with lower-cased headers and parsed bodies, redacting secrets", async () => {
    const file = await readyFile(emu);
    const secrets = { wandb_api_key: "wb-secret-1", wandb_key: "wb-secret-1", hf_api_token: "hf_secret_2" };
    const res = await api(emu, "POST", "/fine-tunes", {
      training_file: file,
      model: MODEL,
      hf_output_repo_name: "me/out",
      ...secrets,
    });
    expect(res.status).toBe(200);
    expect(res.body.wandb_url).toBeUndefined();
    const full = await api(emu, "GET", `/fine-tunes/${res.body.id}`);
    expect(full.body.wandb_url).toMatch(/^https:\/\/wandb\.ai\//);
    const everything = JSON.stringify([
      res.body,
      full.body,
      (await api(emu, "GET", `/fine-tunes/${res.body.id}/events`)).body,
      emu.requests,
    ]);
    expect(everything).not.toContain("wb-secret-1");
    expect(everything).not.toContain("hf_secret_2");
    expect(everything).not.toContain(emu.apiKey);
    const rec = emu.requests.find((r) => r.method === "POST" && r.path === "/v1/fine-tunes")!;
    expect(rec).toMatchObject({
      status: 200,
      body: { ...{ wandb_api_key: "***", wandb_key: "***", hf_api_token: "***" }, model: MODEL },
    });
    expect(rec.headers["authorization"]).toBe("Bearer ***");
    expect(rec.headers["content-type"]).toBe("application/json");
    const put = emu.requests.find((r) => r.method === "PUT")!;
    expect(put.body).toBeUndefined();
    expect(put.headers["authorization"]).toBeUndefined();
  });
});

describe("clock", () => {
  it("runs timeScale times faster and can be advanced", async () => {
    const fast = await startEmulator({ timeScale: 600 });
    const t0 = fast.clock.now();
    fast.clock.advance(3_600_000);
    expect(fast.clock.now() - t0).toBeGreaterThanOrEqual(3_600_000);
    expect(fast.clock.timeScale).toBe(600);
    await fast.close();
  });
});
