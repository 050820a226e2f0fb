// A large download hashes on a worker thread (file-hasher.ts), which only the compiled package can start (dist/,
// built by `npm test` first; from TypeScript sources the hash runs in line). Its digest must be the archive's,
// whether the download ran straight through, resumed with a range, or started over.
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { startEmulator, type Emulator } from "../../../emulator";
import { archiveSha256 } from "../../../emulator/model-archive";
import { archiveFor, setDownloadWeightsBytes } from "../../../emulator/routes/downloads";
import type * as Client from "../../../provider/client";
import type * as Hasher from "../../../provider/client/file-hasher";
import { readyFile } from "../../emulator/test-helpers";
import { builtFolder, requireBuilt } from "../require-built";

const built = builtFolder("provider/client");
const hasher = requireBuilt<typeof Hasher>("provider/client", "file-hasher");
const { TogetherClient } = requireBuilt<typeof Client>("provider/client", "index");
const MiB = 2 ** 20;
const sha = (bytes: Buffer | string): string => createHash("sha256").update(bytes).digest("hex");

let dir: string;
beforeAll(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), "hash-worker-"))));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe("the hasher", () => {
  test("compiled code hashes a large download on a worker (given a second CPU) and a small one in line", async () => {
    const file = path.join(dir, "choice.bin");
    fs.writeFileSync(file, "");
    const big = hasher.startFileHasher(file, hasher.WORKER_HASH_MIN_BYTES);
    const small = hasher.startFileHasher(file, hasher.WORKER_HASH_MIN_BYTES - 1);
    const unknown = hasher.startFileHasher(file, undefined);
    // One CPU to run on (one core, or taskset to one): the worker would only add its read-back.
    expect(big instanceof hasher.WorkerHasher).toBe(os.availableParallelism() > 1);
    expect(small).toBeInstanceOf(hasher.InlineHasher);
    expect(unknown).toBeInstanceOf(hasher.InlineHasher);
    await Promise.all([big.close(), small.close(), unknown.close()]);
  });

  test("the worker's digest is of the bytes written, read back in pieces of any size", async () => {
    const file = path.join(dir, "pieces.bin");
    const fd = fs.openSync(file, "w");
    const h = new hasher.WorkerHasher(file, path.join(built, "hash-file-worker.js"));
    const all: Buffer[] = [];
    let at = 0;
    for (const size of [1, 4 * MiB + 3, 17, 9 * MiB, 0, 65_537]) {
      const piece = Buffer.alloc(size, at % 251);
      fs.writeSync(fd, piece, 0, size, at);
      at += size;
      all.push(piece);
      h.written([piece], at);
    }
    fs.closeSync(fd);
    expect(await h.digest(at)).toBe(sha(Buffer.concat(all)));
  });

  test("bytes reported written but missing from the file fail the digest with what happened", async () => {
    const file = path.join(dir, "short.bin");
    fs.writeFileSync(file, Buffer.alloc(1000));
    const h = new hasher.WorkerHasher(file, path.join(built, "hash-file-worker.js"));
    h.written([], 5000);
    await expect(h.digest(5000)).rejects.toThrow(
      "hashing the download failed: the file ended at byte 1000 of the 5000 written",
    );
  });

  test("close stops the worker without a digest", async () => {
    const file = path.join(dir, "closed.bin");
    fs.writeFileSync(file, "abc");
    const h = new hasher.WorkerHasher(file, path.join(built, "hash-file-worker.js"));
    h.written([], 3);
    await h.close();
  });
});

describe("compiled client: a large download hashed on the worker", () => {
  let emu: Emulator;
  let client: InstanceType<typeof TogetherClient>;
  let job: string;

  beforeAll(async () => {
    emu = await startEmulator();
    client = new TogetherClient({ baseUrl: emu.baseUrl, apiKey: emu.apiKey, sleepScale: 0 });
    const created = await client.fineTunes.create({
      training_file: await readyFile(emu),
      model: "Qwen/Qwen3-0.6B",
      training_type: { type: "Lora", lora_r: 8, lora_alpha: 16 },
      n_epochs: 1,
    } as never);
    job = created.id;
    emu.clock.advance(365 * 24 * 3600_000);
    setDownloadWeightsBytes(emu.store, 80 * MiB);
  });

  afterAll(async () => {
    await client.close();
    await emu.close();
  });

  test("straight through, and cut twice mid-body (each resume hashes on from the bytes on disk)", async () => {
    const archive = archiveFor(emu.store, emu.clock.now(), job, "merged", undefined);
    expect(archive.bytes).toBeGreaterThanOrEqual(hasher.WORKER_HASH_MIN_BYTES);
    const expected = await archiveSha256(archive);

    const whole = path.join(dir, "whole.tar.zst");
    const r1 = await client.fineTunes.download({ jobId: job, checkpoint: "merged", path: whole });
    expect(r1).toMatchObject({ bytes: archive.bytes, sha256: expected, resumes: 0, restarts: 0 });

    for (const afterBytes of [9_000_001, 50_000_003]) {
      emu.faults.add({
        method: "GET",
        path: "/v1/finetune/download",
        action: { type: "reset", phase: "mid-response", afterBytes },
      });
    }
    const cut = path.join(dir, "cut.tar.zst");
    const r2 = await client.fineTunes.download({ jobId: job, checkpoint: "merged", path: cut });
    expect(r2).toMatchObject({ bytes: archive.bytes, sha256: expected, resumes: 2, restarts: 0 });
    expect(sha(fs.readFileSync(cut))).toBe(expected);
  });
});

describe("compiled client: a large download that starts over", () => {
  test("a server that ignores ranges: the worker's hash restarts with the file", async () => {
    const payload = Buffer.alloc(hasher.WORKER_HASH_MIN_BYTES + 12_345);
    for (let i = 0; i < payload.length; i += 4096) payload[i] = (i / 4096) % 256;
    let cut = true;
    const server = http.createServer((req, res) => {
      res.writeHead(200, { "content-length": String(payload.length) });
      if (cut) {
        cut = false;
        res.write(payload.subarray(0, 20 * MiB), () => req.socket.destroy());
        return;
      }
      res.end(payload);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const port = (server.address() as AddressInfo).port;
    const c = new TogetherClient({ baseUrl: `http://127.0.0.1:${port}/v1`, apiKey: "k", sleepScale: 0 });
    try {
      const target = path.join(dir, "restarted.tar.zst");
      const r = await c.fineTunes.download({ jobId: "ft-1", checkpoint: "merged", path: target });
      expect(r).toMatchObject({ bytes: payload.length, sha256: sha(payload), restarts: 1 });
    } finally {
      await c.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
