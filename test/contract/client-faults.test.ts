// The client's retry and reconciliation behaviour under the emulator's injected faults.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  AmbiguousCreateError,
  MiB,
  TogetherClient,
  type TogetherError,
  UploadError,
  isAmbiguousCreate,
} from "../../provider/client";
import { type Emulator, startEmulator } from "../../emulator";

const MODEL = "meta-llama/Llama-3.2-1B-Instruct";
const LINE = `${JSON.stringify({
  messages: [
    { role: "user", content: "hi" },
    { role: "assistant", content: "hello" },
  ],
})}\n`;

describe("client under injected faults", () => {
  let emu: Emulator;
  let client: TogetherClient;
  let logs: string[];
  let dir: string;
  let small: string;
  let medium: string;
  let large: string;
  let fileId: string;

  const count = (method: string, path: string | RegExp): number =>
    emu.requests.filter(
      (r) => r.method === method && (typeof path === "string" ? r.path === path : path.test(r.path)),
    ).length;

  beforeAll(async () => {
    emu = await startEmulator({ timeScale: 600 });
    logs = [];
    // random = 0 makes backoff exact (500 ms, 1 s, ...), so a logged wait shows where it came from.
    client = new TogetherClient({
      baseUrl: emu.baseUrl,
      apiKey: emu.apiKey,
      sleepScale: 0.01,
      random: () => 0,
      log: (l) => logs.push(l),
    });
    dir = mkdtempSync(join(tmpdir(), "client-faults-"));
    small = join(dir, "train.jsonl");
    writeFileSync(small, LINE.repeat(200));
    medium = join(dir, "medium.jsonl");
    writeFileSync(medium, LINE.repeat(Math.ceil(MiB / LINE.length)));
    large = join(dir, "large.jsonl");
    // 16 MiB: with 6 MiB target parts that is 3 parts of ~5.3 MiB, above the 5 MiB floor
    writeFileSync(large, LINE.repeat(Math.ceil((16 * MiB) / LINE.length)));
    fileId = (
      await client.files.upload({
        path: small,
        fileName: "train.jsonl",
        purpose: "fine-tune",
        fileType: "jsonl",
      })
    ).id;
    await emu.idle();
  });
  afterEach(() => {
    emu.faults.clear();
    logs.length = 0;
  });
  afterAll(async () => {
    await client.close();
    await emu.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("rides out a 429 storm, waiting what Retry-After asks", async () => {
    emu.faults.add({
      method: "GET",
      path: "/v1/files",
      times: 4,
      action: { type: "status", status: 429, retryAfterSeconds: 3 },
    });
    const before = count("GET", "/v1/files");
    const files = await client.files.list();
    expect(files.map((f) => f.id)).toContain(fileId);
    expect(emu.faults.injected).toBeGreaterThanOrEqual(4);
    expect(count("GET", "/v1/files") - before).toBe(5);
    // 3 s (Retry-After) scaled by sleepScale 0.01; plain backoff would have started at 5 ms
    expect(logs).toHaveLength(4);
    for (const l of logs) expect(l).toMatch(/: 429 .* in 30 ms$/);
  });

  it("retries a 5xx burst on a GET", async () => {
    emu.faults.add({
      method: "GET",
      path: `/v1/files/${fileId}`,
      times: 3,
      action: { type: "status", status: 503 },
    });
    await expect(client.files.get(fileId)).resolves.toMatchObject({ id: fileId });
    expect(logs.map((l) => / in (\d+) ms$/.exec(l)?.[1])).toEqual(["5", "10", "20"]);
  });

  it("retries a GET whose connection was dropped", async () => {
    emu.faults.add({
      method: "GET",
      path: `/v1/files/${fileId}`,
      action: { type: "reset", phase: "before" },
    });
    await expect(client.files.get(fileId)).resolves.toMatchObject({ id: fileId });
    expect(logs).toHaveLength(1);
  });

  it("reports a create reset after commit as ambiguous, and exactly one job exists", async () => {
    const jobsBefore = emu.summary().jobsCreated;
    const postsBefore = count("POST", "/v1/fine-tunes");
    emu.faults.add({ method: "POST", path: "/v1/fine-tunes", action: { type: "reset", phase: "after" } });
    const err = await client.fineTunes
      .create({ training_file: fileId, model: MODEL, suffix: "ambiguous" })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AmbiguousCreateError);
    expect(isAmbiguousCreate(err)).toBe(true);
    expect((err as TogetherError).message).toContain("POST /v1/fine-tunes");
    expect(count("POST", "/v1/fine-tunes") - postsBefore).toBe(1);
    expect(emu.summary().jobsCreated - jobsBefore).toBe(1);
    // the caller reconciles by listing: the job is there
    const listed = await client.fineTunes.list();
    expect(listed.filter((j) => j.suffix === "ambiguous")).toHaveLength(1);
  });

  it("does not retry a create that got a 500", async () => {
    const jobsBefore = emu.summary().jobsCreated;
    const postsBefore = count("POST", "/v1/fine-tunes");
    emu.faults.add({ method: "POST", path: "/v1/fine-tunes", action: { type: "status", status: 500 } });
    const err = await client.fineTunes
      .create({ training_file: fileId, model: MODEL })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AmbiguousCreateError);
    expect(count("POST", "/v1/fine-tunes") - postsBefore).toBe(1);
    expect(emu.summary().jobsCreated - jobsBefore).toBe(0);
  });

  it("retries a create refused with 429 and makes exactly one job", async () => {
    const jobsBefore = emu.summary().jobsCreated;
    emu.faults.add({
      method: "POST",
      path: "/v1/fine-tunes",
      times: 2,
      action: { type: "status", status: 429, retryAfterSeconds: 1 },
    });
    const job = await client.fineTunes.create({ training_file: fileId, model: MODEL });
    expect(job.id).toMatch(/^ft-/);
    expect(emu.summary().jobsCreated - jobsBefore).toBe(1);
  });

  it("retries an upload PUT dropped mid-body and stores the exact bytes", async () => {
    emu.faults.add({ method: "PUT", path: /^\/_uploads\//, action: { type: "reset", phase: "mid-body" } });
    const injected = emu.faults.injected;
    const file = await client.files.upload({
      path: medium,
      fileName: "medium.jsonl",
      purpose: "fine-tune",
      fileType: "jsonl",
    });
    expect(emu.faults.injected).toBe(injected + 1);
    expect((await client.files.content(file.id)).equals(readFileSync(medium))).toBe(true);
  });

  it("deletes the half-made file when the upload PUT keeps failing", async () => {
    const before = emu.summary();
    emu.faults.add({
      method: "PUT",
      path: /^\/_uploads\//,
      times: Infinity,
      action: { type: "status", status: 500 },
    });
    const err = await client.files
      .upload({ path: small, fileName: "doomed.jsonl", purpose: "fine-tune", fileType: "jsonl" })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UploadError);
    expect(emu.summary().filesCreated - before.filesCreated).toBe(1);
    expect(emu.summary().filesLive).toBe(before.filesLive);
  });

  it("aborts a multipart upload when a part keeps failing", async () => {
    const before = emu.summary();
    emu.faults.add({
      method: "PUT",
      path: /\/parts\/2$/,
      times: Infinity,
      action: { type: "status", status: 503 },
    });
    const err = await client.files
      .upload({
        path: large,
        fileName: "large.jsonl",
        purpose: "fine-tune",
        fileType: "jsonl",
        multipartThresholdBytes: 8 * MiB,
        targetPartBytes: 6 * MiB,
      })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UploadError);
    expect(count("POST", "/v1/files/multipart/abort")).toBe(1);
    expect(count("POST", "/v1/files/multipart/complete")).toBe(0);
    expect(emu.summary().filesLive).toBe(before.filesLive);
  });

  it("times out a slow answer and retries it", async () => {
    const quick = new TogetherClient({
      baseUrl: emu.baseUrl,
      apiKey: emu.apiKey,
      timeoutMs: 300,
      sleepScale: 0.01,
    });
    try {
      emu.faults.add({ method: "GET", path: `/v1/files/${fileId}`, action: { type: "latency", ms: 2_000 } });
      await expect(quick.files.get(fileId)).resolves.toMatchObject({ id: fileId });
      expect(emu.faults.injected).toBeGreaterThanOrEqual(1);
    } finally {
      await quick.close();
    }
  });
});
