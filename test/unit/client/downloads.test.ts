// The weights download: the emulator's route (a deterministic .tar.zst per job, kind and step; ranges; what it
// refuses) and the client streaming it to disk, resuming with a range after a reset mid-body.
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import * as zlib from "node:zlib";
import { startEmulator, type Emulator } from "../../../emulator";
import { archiveSha256, DEFAULT_WEIGHTS_BYTES } from "../../../emulator/model-archive";
import { archiveFor, setDownloadWeightsBytes } from "../../../emulator/routes/downloads";
import { BadRequestError, NotFoundError, TogetherClient } from "../../../provider/client";
import { api, readyFile } from "../../emulator/test-helpers";

let emu: Emulator;
let client: TogetherClient;
let dir: string;
let lora: string;
let full: string;
let adapterOnly: string;
let running: string;

beforeAll(async () => {
  emu = await startEmulator();
  client = new TogetherClient({ baseUrl: emu.baseUrl, apiKey: emu.apiKey, sleepScale: 0 });
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "download-"));
  const file = await readyFile(emu);
  const create = async (model: string, type: Record<string, unknown>, nCheckpoints = 1): Promise<string> =>
    (
      await client.fineTunes.create({
        training_file: file,
        model,
        training_type: type,
        n_epochs: 3,
        n_checkpoints: nCheckpoints,
      } as never)
    ).id;
  lora = await create("Qwen/Qwen3-0.6B", { type: "Lora", lora_r: 8, lora_alpha: 16 }, 3);
  full = await create("Qwen/Qwen3-0.6B", { type: "Full" });
  adapterOnly = await create("deepseek-ai/DeepSeek-V3", { type: "Lora", lora_r: 8, lora_alpha: 16 });
  emu.clock.advance(365 * 24 * 3600_000);
  running = await create("Qwen/Qwen3-0.6B", { type: "Lora", lora_r: 8, lora_alpha: 16 });
});

afterAll(async () => {
  await client.close();
  await emu.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

beforeEach(() => emu.faults.clear());

const served = (jobId: string, kind: string | undefined, step?: number) =>
  archiveFor(emu.store, emu.clock.now(), jobId, kind, step);

const sha = (file: string): string => createHash("sha256").update(fs.readFileSync(file)).digest("hex");

describe("emulator: GET /v1/finetune/download", () => {
  test("a valid .tar.zst, the same bytes every time, different per kind and step", async () => {
    const res = await api(emu, "GET", `/finetune/download?ft_id=${lora}&checkpoint=merged`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/octet-stream");
    expect(res.headers.get("accept-ranges")).toBe("bytes");
    const raw = await fetch(`${emu.baseUrl}/finetune/download?ft_id=${lora}&checkpoint=merged`, {
      headers: { authorization: `Bearer ${emu.apiKey}` },
    });
    const body = Buffer.from(await raw.arrayBuffer());
    expect(body.length).toBe(Number(raw.headers.get("content-length")));
    const tar = zlib.zstdDecompressSync(body);
    // ustar: the first entry is the config, named in the header's first 100 bytes.
    expect(tar.subarray(257, 262).toString()).toBe("ustar");
    expect(tar.subarray(0, 11).toString()).toBe("config.json");
    const config = JSON.parse(
      tar
        .subarray(512, 512 + 200)
        .toString()
        .replace(/\0.*$/s, ""),
    ) as unknown;
    expect(config).toMatchObject({ fine_tune_id: lora, checkpoint: "merged" });

    const digests = new Set<string>();
    for (const a of [
      served(lora, "merged"),
      served(lora, "merged"),
      served(lora, "adapter"),
      served(full, "model_output_path"),
    ])
      digests.add(await archiveSha256(a));
    expect(digests.size).toBe(3);
    expect(await archiveSha256(served(lora, "merged"))).toBe(createHash("sha256").update(body).digest("hex"));
  });

  test("honours Range: 206 with Content-Range; an unsatisfiable one is 416", async () => {
    const whole = served(lora, "adapter");
    const all = Buffer.alloc(whole.bytes);
    whole.fill(all, 0);
    const res = await fetch(`${emu.baseUrl}/finetune/download?ft_id=${lora}&checkpoint=adapter`, {
      headers: { authorization: `Bearer ${emu.apiKey}`, range: "bytes=100000-" },
    });
    expect(res.status).toBe(206);
    expect(res.headers.get("content-range")).toBe(`bytes 100000-${whole.bytes - 1}/${whole.bytes}`);
    expect(Buffer.from(await res.arrayBuffer()).equals(all.subarray(100000))).toBe(true);
    const head = await fetch(`${emu.baseUrl}/finetune/download?ft_id=${lora}&checkpoint=adapter`, {
      headers: { authorization: `Bearer ${emu.apiKey}`, range: "bytes=0-1" },
    });
    expect(head.headers.get("content-range")).toBe(`bytes 0-1/${whole.bytes}`);
    const beyond = await api(emu, "GET", `/finetune/download?ft_id=${lora}&checkpoint=adapter`, undefined, {
      headers: { range: `bytes=${whole.bytes}-` },
    });
    expect(beyond.status).toBe(416);
    expect(beyond.headers.get("content-range")).toBe(`bytes */${whole.bytes}`);
  });

  test("refuses what Together refuses", async () => {
    const refusal = async (query: string) =>
      (await api(emu, "GET", `/finetune/download?${query}`)).body.error.message;
    expect(await refusal(`ft_id=${running}&checkpoint=merged`)).toMatch(
      /is (pending|queued|running).*only a completed job/,
    );
    expect(await refusal(`ft_id=${adapterOnly}&checkpoint=merged`)).toMatch(
      /no merged model.*checkpoint=adapter/,
    );
    expect(await refusal(`ft_id=${full}&checkpoint=merged`)).toMatch(/full-training job.*model_output_path/);
    expect(await refusal(`ft_id=${lora}&checkpoint=model_output_path`)).toMatch(/LoRA job/);
    expect(await refusal(`ft_id=${lora}&checkpoint_step=999999`)).toMatch(/no checkpoint at step 999999/);
    expect(await refusal(`ft_id=${lora}`)).toMatch(/checkpoint is required/);
    expect((await api(emu, "GET", `/finetune/download?ft_id=ft-nope&checkpoint=merged`)).status).toBe(404);
  });
});

describe("client: fineTunes.download", () => {
  test("streams the archive to disk with its SHA-256 and size", async () => {
    const target = path.join(dir, "merged.tar.zst");
    const seen: number[] = [];
    const r = await client.fineTunes.download({
      jobId: lora,
      checkpoint: "merged",
      path: target,
      onProgress: (n) => seen.push(n),
    });
    const archive = served(lora, "merged");
    expect(r).toMatchObject({ bytes: archive.bytes, resumes: 0, restarts: 0 });
    expect(r.sha256).toBe(await archiveSha256(archive));
    expect(sha(target)).toBe(r.sha256);
    expect(seen.at(-1)).toBe(archive.bytes);
  });

  test("an intermediate step downloads that checkpoint", async () => {
    const steps = (await client.fineTunes.checkpoints(lora)).filter(
      (c) => c.checkpoint_type === "Intermediate",
    );
    expect(steps.length).toBeGreaterThan(0);
    const target = path.join(dir, "step.tar.zst");
    const r = await client.fineTunes.download({ jobId: lora, checkpointStep: steps[0]!.step, path: target });
    expect(r.sha256).toBe(await archiveSha256(served(lora, undefined, steps[0]!.step)));
  });

  test("a reset mid-body resumes with Range and If-Range, and the file is whole", async () => {
    emu.faults.add({
      method: "GET",
      path: "/v1/finetune/download",
      action: { type: "reset", phase: "mid-response", afterBytes: 70_000 },
    });
    const before = emu.requests.length;
    const target = path.join(dir, "resumed.tar.zst");
    const events: unknown[] = [];
    const r = await client.fineTunes.download({
      jobId: lora,
      checkpoint: "adapter",
      path: target,
      onRestart: (e) => events.push(e),
    });
    const archive = served(lora, "adapter");
    expect(r).toMatchObject({ bytes: archive.bytes, resumes: 1, restarts: 0 });
    expect(r.sha256).toBe(await archiveSha256(archive));
    expect(sha(target)).toBe(r.sha256);
    const sent = emu.requests.slice(before).filter((q) => q.path === "/v1/finetune/download");
    expect(sent.map((q) => q.fault ?? "ok")).toEqual(["reset-mid-response", "ok"]);
    expect(sent[1]!.headers.range).toMatch(/^bytes=\d+-$/);
    expect(Number(sent[1]!.headers.range!.slice(6, -1))).toBeGreaterThan(0);
    expect(sent[1]!.headers["if-range"]).toBe(archive.etag);
    expect(events).toEqual([{ type: "resume", from: expect.any(Number), total: archive.bytes }]);
  });

  test("many write batches, cut twice at odd offsets: each resume starts where the bytes on disk end", async () => {
    setDownloadWeightsBytes(emu.store, 40 * 2 ** 20);
    try {
      for (const afterBytes of [5_500_001, 13_000_003]) {
        emu.faults.add({
          method: "GET",
          path: "/v1/finetune/download",
          action: { type: "reset", phase: "mid-response", afterBytes },
        });
      }
      const before = emu.requests.length;
      const target = path.join(dir, "big.tar.zst");
      const events: { type: string; from?: number }[] = [];
      let last = 0;
      const r = await client.fineTunes.download({
        jobId: lora,
        checkpoint: "merged",
        path: target,
        // Progress counts bytes written (and hashed) only, in order.
        onProgress: (n) => {
          expect(n).toBeGreaterThan(last);
          expect(fs.statSync(target).size).toBeGreaterThanOrEqual(n);
          last = n;
        },
        onRestart: (e) => events.push(e),
      });
      const archive = served(lora, "merged");
      expect(archive.bytes).toBeGreaterThan(40 * 2 ** 20);
      expect(r).toMatchObject({ bytes: archive.bytes, resumes: 2, restarts: 0 });
      expect(r.sha256).toBe(await archiveSha256(archive));
      expect(sha(target)).toBe(r.sha256);
      expect(fs.statSync(target).size).toBe(archive.bytes);
      const sent = emu.requests.slice(before).filter((q) => q.path === "/v1/finetune/download");
      expect(sent.map((q) => q.fault ?? "ok")).toEqual(["reset-mid-response", "reset-mid-response", "ok"]);
      const from = sent.slice(1).map((q) => Number(/^bytes=(\d+)-$/.exec(q.headers.range ?? "")?.[1]));
      expect(events).toEqual(from.map((f) => ({ type: "resume", from: f, total: archive.bytes })));
      expect(from[0]).toBeGreaterThan(0);
      expect(from[0]).toBeLessThanOrEqual(5_500_001);
      expect(from[1]).toBeGreaterThan(from[0]!);
      expect(from[1]).toBeLessThanOrEqual(from[0]! + 13_000_003);
    } finally {
      setDownloadWeightsBytes(emu.store, DEFAULT_WEIGHTS_BYTES);
    }
  });

  (fs.existsSync("/dev/full") ? test : test.skip)(
    "a failed write (a full disk) fails the download at once, not retried",
    async () => {
      setDownloadWeightsBytes(emu.store, 40 * 2 ** 20);
      try {
        const before = emu.requests.length;
        await expect(
          client.fineTunes.download({ jobId: lora, checkpoint: "merged", path: "/dev/full" }),
        ).rejects.toMatchObject({ code: "ENOSPC" });
        expect(emu.requests.slice(before).filter((q) => q.path === "/v1/finetune/download")).toHaveLength(1);
      } finally {
        setDownloadWeightsBytes(emu.store, DEFAULT_WEIGHTS_BYTES);
      }
    },
  );

  test("refusals are the API's errors, not retried", async () => {
    const before = emu.requests.length;
    await expect(
      client.fineTunes.download({ jobId: running, checkpoint: "merged", path: path.join(dir, "x") }),
    ).rejects.toBeInstanceOf(BadRequestError);
    await expect(
      client.fineTunes.download({ jobId: "ft-nope", checkpoint: "merged", path: path.join(dir, "x") }),
    ).rejects.toBeInstanceOf(NotFoundError);
    expect(emu.requests.length - before).toBe(2);
  });
});

/** A server without range support and one that redirects to storage: raw node:http. */
describe("client: servers that do not resume, and redirects", () => {
  let server: http.Server;
  let origin: string;
  const payload = createHash("sha256").update("x").digest().toString("hex").repeat(4096); // 256 KiB
  let cut = true;
  const seen: http.IncomingHttpHeaders[] = [];

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      seen.push(req.headers);
      if (req.url!.startsWith("/v1/finetune/download")) {
        // Another origin (localhost, not 127.0.0.1): storage, which must not see the API key.
        res.writeHead(307, {
          location: `${origin.replace("127.0.0.1", "localhost")}/storage/weights.tar.zst`,
        });
        res.end();
        return;
      }
      res.writeHead(200, {
        "content-length": String(payload.length),
        "content-type": "application/octet-stream",
      });
      if (cut) {
        cut = false;
        res.write(payload.slice(0, 100_000), () => req.socket.destroy());
        return;
      }
      res.end(payload);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  test("follows the redirect without the key, restarts from byte 0 when the server ignores ranges, and says so", async () => {
    const c = new TogetherClient({ baseUrl: `${origin}/v1`, apiKey: "key-in-test", sleepScale: 0 });
    const events: { type: string }[] = [];
    const target = path.join(dir, "restarted.tar.zst");
    const r = await c.fineTunes.download({
      jobId: "ft-1",
      checkpoint: "merged",
      path: target,
      onRestart: (e) => events.push(e),
    });
    await c.close();
    expect(r.bytes).toBe(payload.length);
    expect(r.sha256).toBe(createHash("sha256").update(payload).digest("hex"));
    expect(sha(target)).toBe(r.sha256);
    expect(r.restarts).toBe(1);
    expect(seen.map((h) => h.authorization)).toEqual(["Bearer key-in-test", undefined, undefined]);
    expect(seen[2]!.range).toBe("bytes=100000-");
    expect(events).toEqual([
      {
        type: "restart",
        discarded: expect.any(Number),
        reason: "the server does not resume (no range support)",
      },
    ]);
  });
});
