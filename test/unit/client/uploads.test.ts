import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  GiB,
  MiB,
  ServerError,
  TogetherClient,
  type TogetherError,
  UploadError,
  planParts,
} from "../../../provider/client";
import {
  type FakeServer,
  type Seen,
  type ServerOptions,
  apiError,
  fileObject,
  json,
  startServer,
} from "./fake-server";
import { KEY, caught } from "./helpers";
import type http from "node:http";

describe("part sizing (together-api.md §2.3)", () => {
  it("uses one part up to 250 MiB", () => {
    expect(planParts(200 * MiB)).toEqual({ partSize: 200 * MiB, numParts: 1 });
    expect(planParts(250 * MiB)).toEqual({ partSize: 250 * MiB, numParts: 1 });
  });
  it("targets 250 MiB parts", () => {
    expect(planParts(6 * GiB)).toEqual({ partSize: Math.ceil((6 * GiB) / 25), numParts: 25 });
    expect(planParts(50 * GiB)).toEqual({ partSize: Math.ceil((50 * GiB) / 205), numParts: 205 });
  });
  it("never exceeds 250 parts", () => {
    expect(planParts(100 * GiB)).toEqual({ partSize: Math.ceil((100 * GiB) / 250), numParts: 250 });
  });
  it("covers the whole file", () => {
    for (const size of [250 * MiB + 1, 5 * GiB + 7, 50 * GiB + 3]) {
      const { partSize, numParts } = planParts(size);
      expect(partSize * numParts).toBeGreaterThanOrEqual(size);
      expect(partSize * (numParts - 1)).toBeLessThan(size);
    }
  });
  it("keeps parts at 5 MiB or more with a small target", () => {
    // ceil(23 MiB / 5) is under 5 MiB, so parts are raised to 5 MiB and recounted
    expect(planParts(23 * MiB, 5 * MiB)).toEqual({ partSize: 5 * MiB, numParts: 5 });
    expect(planParts(26 * MiB, 5 * MiB)).toEqual({ partSize: 5 * MiB, numParts: 6 });
  });
});

/** An API host plus a separate "object store" host for the pre-signed URLs. */
interface Rig {
  api: FakeServer;
  store: FakeServer;
  client: TogetherClient;
  logs: string[];
  close(): Promise<void>;
}

type StoreHandler = (req: Seen, res: http.ServerResponse) => void | Promise<void>;

async function rig(
  storeHandler: StoreHandler,
  apiOverride?: (req: Seen, res: http.ServerResponse) => boolean,
  storeOptions?: ServerOptions,
) {
  const store = await startServer(storeHandler, "localhost", storeOptions);
  let parts = 0;
  const api = await startServer((req, res) => {
    if (apiOverride?.(req, res)) return;
    const route = `${req.method} ${req.url.split("?")[0]}`;
    if (route === "POST /v1/files") {
      res.writeHead(302, {
        location: `${store.origin}/bucket/upload?sig=abc`,
        "x-together-file-id": "file-1",
      });
      return res.end();
    }
    if (route === "POST /v1/files/multipart/initiate") {
      const b = JSON.parse(req.body);
      parts = b.num_parts;
      return json(res, 200, {
        upload_id: "up-1",
        file_id: "file-m",
        parts: Array.from({ length: parts }, (_, i) => ({
          PartNumber: i + 1,
          URL: `${store.origin}/bucket/part/${i + 1}`,
          Headers: { "x-amz-meta-part": String(i + 1) },
        })),
      });
    }
    if (route === "POST /v1/files/multipart/complete") return json(res, 200, { file: fileObject("file-m") });
    if (route === "POST /v1/files/multipart/abort") return json(res, 200, { success: true });
    const m = /^(POST|GET|DELETE) \/v1\/files\/(file-[a-z0-9]+)(\/preprocess)?$/.exec(route);
    if (m?.[1] === "DELETE") return json(res, 200, { id: m[2], deleted: true });
    if (m) return json(res, 200, fileObject(m[2]!, { bytes: 1 }));
    return apiError(res, 404, `no route ${route}`);
  });
  const logs: string[] = [];
  const client = new TogetherClient({
    baseUrl: `${api.origin}/v1`,
    apiKey: KEY,
    maxRetries: 1,
    sleepScale: 0,
    log: (l) => logs.push(l),
  });
  return {
    api,
    store,
    client,
    logs,
    close: async () => {
      await client.close();
      await api.close();
      await store.close();
    },
  } satisfies Rig;
}

const routes = (s: FakeServer) => s.requests.map((r) => `${r.method} ${r.url}`);

describe("uploads", () => {
  let dir: string;
  let small: string;
  let medium: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "client-upload-"));
    small = join(dir, "train.jsonl");
    writeFileSync(small, '{"text":"hello"}\n'.repeat(1000));
    medium = join(dir, "medium.jsonl");
    // 23 MiB of varied bytes: five 5 MiB-ish parts with a lowered target part size
    const block = Buffer.alloc(MiB);
    for (let i = 0; i < block.length; i++) block[i] = (i * 7919) % 251;
    writeFileSync(medium, Buffer.concat(Array.from({ length: 23 }, () => block)));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("redirect flow: POST /files (302) -> PUT Location without the key -> preprocess -> GET", async () => {
    const r = await rig((_req, res) => {
      res.writeHead(200);
      res.end();
    });
    try {
      const seen: number[] = [];
      const file = await r.client.files.upload({
        path: small,
        fileName: "train.jsonl",
        purpose: "fine-tune",
        fileType: "jsonl",
        onProgress: (sent) => seen.push(sent),
      });
      expect(file.id).toBe("file-1");
      expect(routes(r.api)).toEqual([
        "POST /v1/files",
        "POST /v1/files/file-1/preprocess",
        "GET /v1/files/file-1",
      ]);
      const post = r.api.requests[0]!;
      expect(post.headers["content-type"]).toBe("application/x-www-form-urlencoded");
      expect(Object.fromEntries(new URLSearchParams(post.body))).toEqual({
        purpose: "fine-tune",
        file_name: "train.jsonl",
        file_type: "jsonl",
      });
      expect(post.headers.authorization).toBe(`Bearer ${KEY}`);
      const put = r.store.requests[0]!;
      expect(`${put.method} ${put.url}`).toBe("PUT /bucket/upload?sig=abc");
      expect(put.headers.authorization).toBeUndefined();
      expect(JSON.stringify(put.headers)).not.toContain(KEY);
      expect(put.headers["content-type"]).toBe("application/octet-stream");
      expect(put.headers["content-length"]).toBe(String(17_000));
      expect(put.bytes).toBe(17_000);
      expect(put.body).toBe('{"text":"hello"}\n'.repeat(1000));
      expect(seen.at(-1)).toBe(17_000);
    } finally {
      await r.close();
    }
  });

  it("redirect flow: a slow reader gets every byte in order (read buffers are reused only once sent)", async () => {
    // Every 64 KiB differs, so a read buffer refilled while the socket still held it would change the hash.
    const varied = join(dir, "varied.bin");
    const bytes = Buffer.alloc(13 * MiB + 4321);
    for (let at = 0; at < bytes.length; at += 4) bytes.writeUInt32LE(at, Math.min(at, bytes.length - 4));
    writeFileSync(varied, bytes);
    const r = await rig(
      (_req, res) => {
        res.writeHead(200);
        res.end();
      },
      undefined,
      { pauseMsPerChunk: 1 },
    );
    try {
      await r.client.files.upload({
        path: varied,
        fileName: "varied.bin",
        purpose: "fine-tune",
        fileType: "jsonl",
      });
      const put = r.store.requests[0]!;
      expect(put.bytes).toBe(bytes.length);
      expect(put.sha256).toBe(createHash("sha256").update(readFileSync(varied)).digest("hex"));
    } finally {
      await r.close();
    }
  });

  it("redirect flow: a failed PUT deletes the half-made file and throws UploadError with the cause", async () => {
    const r = await rig((_req, res) => apiError(res, 500, "store down"));
    try {
      const err = (await caught(
        r.client.files.upload({
          path: small,
          fileName: "train.jsonl",
          purpose: "fine-tune",
          fileType: "jsonl",
        }),
      )) as TogetherError;
      expect(err).toBeInstanceOf(UploadError);
      expect(err.code).toBe("upload_failed");
      expect(err.cause).toBeInstanceOf(ServerError);
      expect(err.message).toContain("the partial file was removed");
      expect(r.store.requests).toHaveLength(2);
      expect(routes(r.api)).toEqual(["POST /v1/files", "DELETE /v1/files/file-1"]);
    } finally {
      await r.close();
    }
  });

  it("multipart flow: parts streamed 4 at a time with their headers, ETags unquoted, complete sorted", async () => {
    const waiting: (() => void)[] = [];
    const r = await rig(async (req, res) => {
      // Hold each part until four are in flight (or the last one arrives), so the window is observable.
      await new Promise<void>((resolve) => {
        waiting.push(resolve);
        const total = r2.store.requests.length;
        if (waiting.length === 4 || total === 5) waiting.splice(0).forEach((f) => f());
      });
      const n = Number(req.url.split("/").pop());
      res.writeHead(200, { etag: `"etag-${n}"` });
      res.end();
    });
    const r2 = r;
    try {
      let last = 0;
      const file = await r.client.files.upload({
        path: medium,
        fileName: "medium.jsonl",
        purpose: "fine-tune",
        fileType: "jsonl",
        multipartThresholdBytes: 10 * MiB,
        targetPartBytes: 5 * MiB,
        onProgress: (sent) => (last = sent),
      });
      expect(file.id).toBe("file-m");
      const init = JSON.parse(r.api.requests[0]!.body);
      expect(init).toEqual({
        file_name: "medium.jsonl",
        file_size: 23 * MiB,
        num_parts: 5,
        purpose: "fine-tune",
        file_type: "jsonl",
      });
      expect(r.store.maxInFlight).toBe(4);
      const partSize = 5 * MiB;
      for (const put of r.store.requests) {
        const n = Number(put.url.split("/").pop());
        expect(put.headers["x-amz-meta-part"]).toBe(String(n));
        expect(put.headers.authorization).toBeUndefined();
        expect(put.bytes).toBe(n < 5 ? partSize : 23 * MiB - 4 * partSize);
      }
      const complete = r.api.requests.find((q) => q.url.endsWith("/complete"))!;
      expect(JSON.parse(complete.body)).toEqual({
        upload_id: "up-1",
        file_id: "file-m",
        parts: [1, 2, 3, 4, 5].map((n) => ({ part_number: n, etag: `etag-${n}` })),
      });
      expect(routes(r.api).at(-1)).toBe("POST /v1/files/file-m/preprocess");
      expect(last).toBe(23 * MiB);
    } finally {
      await r.close();
    }
  });

  it("multipart flow: a failing part aborts the upload and throws UploadError", async () => {
    const r = await rig((req, res) => {
      if (req.url.endsWith("/3")) return apiError(res, 403, "signature expired");
      res.writeHead(200, { etag: '"x"' });
      res.end();
    });
    try {
      const err = (await caught(
        r.client.files.upload({
          path: medium,
          fileName: "medium.jsonl",
          purpose: "fine-tune",
          fileType: "jsonl",
          multipartThresholdBytes: 10 * MiB,
          targetPartBytes: 5 * MiB,
        }),
      )) as TogetherError;
      expect(err).toBeInstanceOf(UploadError);
      expect((err.cause as TogetherError).code).toBe("forbidden");
      const abort = r.api.requests.find((q) => q.url.endsWith("/abort"));
      expect(JSON.parse(abort!.body)).toEqual({ upload_id: "up-1", file_id: "file-m" });
      expect(routes(r.api)).not.toContain("POST /v1/files/multipart/complete");
    } finally {
      await r.close();
    }
  });

  it("multipart flow: a part without an ETag is a failure (abort, UploadError)", async () => {
    const r = await rig((_req, res) => {
      res.writeHead(200);
      res.end();
    });
    try {
      const err = (await caught(
        r.client.files.upload({
          path: medium,
          fileName: "medium.jsonl",
          purpose: "fine-tune",
          fileType: "jsonl",
          multipartThresholdBytes: 10 * MiB,
          targetPartBytes: 5 * MiB,
        }),
      )) as TogetherError;
      expect(err).toBeInstanceOf(UploadError);
      expect((err.cause as Error).message).toContain("without an ETag");
      expect(routes(r.api)).toContain("POST /v1/files/multipart/abort");
    } finally {
      await r.close();
    }
  });

  it("an AbortSignal stops the upload and still cleans up", async () => {
    const controller = new AbortController();
    const r = await rig((_req, res) => {
      controller.abort(new Error("user gave up"));
      setTimeout(() => {
        res.writeHead(200, { etag: '"x"' });
        res.end();
      }, 50);
    });
    try {
      const err = (await caught(
        r.client.files.upload({
          path: medium,
          fileName: "medium.jsonl",
          purpose: "fine-tune",
          fileType: "jsonl",
          multipartThresholdBytes: 10 * MiB,
          targetPartBytes: 5 * MiB,
          signal: controller.signal,
        }),
      )) as TogetherError;
      expect(err).toBeInstanceOf(UploadError);
      expect((err.cause as Error).message).toBe("user gave up");
      expect(routes(r.api)).toContain("POST /v1/files/multipart/abort");
      expect(routes(r.api)).not.toContain("POST /v1/files/multipart/complete");
    } finally {
      await r.close();
    }
  });

  it("a missing file fails before any request", async () => {
    const r = await rig(() => undefined);
    try {
      const err = await caught(
        r.client.files.upload({
          path: join(dir, "nope.jsonl"),
          fileName: "n",
          purpose: "fine-tune",
          fileType: "jsonl",
        }),
      );
      expect(err).toBeInstanceOf(UploadError);
      expect(r.api.requests).toHaveLength(0);
    } finally {
      await r.close();
    }
  });

  it("streams from disk: memory does not grow with a 200 MB file", async () => {
    const big = join(dir, "big.jsonl");
    writeFileSync(big, "");
    truncateSync(big, 200 * 1000 * 1000);
    const r = await rig((_req, res) => {
      res.writeHead(200);
      res.end();
    });
    try {
      const used = (): number => {
        const m = process.memoryUsage();
        return m.heapUsed + m.arrayBuffers;
      };
      const baseline = used();
      let peak = baseline;
      await r.client.files.upload({
        path: big,
        fileName: "big.jsonl",
        purpose: "fine-tune",
        fileType: "jsonl",
        onProgress: () => (peak = Math.max(peak, used())),
      });
      expect(r.store.requests[0]!.bytes).toBe(200 * 1000 * 1000);
      // Buffering the file would add ~200 MB; streaming stays within a few read chunks.
      expect(peak - baseline).toBeLessThan(64 * MiB);
    } finally {
      await r.close();
    }
  });
});
