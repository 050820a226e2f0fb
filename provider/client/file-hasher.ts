// The SHA-256 of a download as it is written. SHA-256 is about a third of a download's CPU on this thread (the
// rest is receiving and writing), so a large download hashes on a worker thread instead, and this thread only
// receives and writes. Each batch goes to the worker once it is written, its memory moved rather than copied
// where that is safe (a chunk that is its whole ArrayBuffer: one socket read's, which nothing else holds), else
// copied. A small download (or a run from TypeScript sources, where a worker cannot load .ts) hashes the
// batches in line, without a worker's ~35 ms start. Either way only bytes already written are hashed, in order,
// so the digest is of what is on disk.
import { createHash, type Hash } from "node:crypto";
import * as path from "node:path";
import { Worker } from "node:worker_threads";

/** The compiled worker beside this module (dist/provider/client/ in the package). */
const HASH_WORKER_SCRIPT = path.join(__dirname, "hash-worker.js");
const RUNNING_FROM_SOURCES = __filename.endsWith(".ts");
/** Below this a worker's start costs more than the hash it takes off this thread. */
export const WORKER_HASH_MIN_BYTES = 64 * 1024 * 1024;

export type HashRequest = { chunks: Uint8Array[] } | { finish: true };
export type HashReply = { digest: string; bytes: number } | { error: string };

export interface FileHasher {
  /** `data`: the bytes just written, in order, which bring the written part of the file to `upTo` bytes. The
   *  buffers are the hasher's from then on (a worker takes their memory). */
  written(data: readonly Buffer[], upTo: number): void;
  /** Bytes handed over that wait to be hashed. */
  readonly backlog: number;
  /** Resolves once fewer than `limit` bytes handed over wait to be hashed (memory stays flat when the hash is
   *  slower than the network); throws when hashing failed. */
  below(limit: number): Promise<void>;
  /** The digest of the first `bytes` bytes: everything reported written. */
  digest(bytes: number): Promise<string>;
  /** Stops without a digest (the download failed or starts over). */
  close(): Promise<void>;
}

/** A hasher for a download expected to be `expectedBytes` long (undefined: unknown, hashed in line). */
export function startFileHasher(expectedBytes: number | undefined): FileHasher {
  const big = expectedBytes !== undefined && expectedBytes >= WORKER_HASH_MIN_BYTES;
  return big && !RUNNING_FROM_SOURCES ? new WorkerHasher(HASH_WORKER_SCRIPT) : new InlineHasher();
}

export class InlineHasher implements FileHasher {
  private readonly hash: Hash = createHash("sha256");
  private bytes = 0;

  written(data: readonly Buffer[], upTo: number): void {
    for (const b of data) this.hash.update(b);
    this.bytes = upTo;
  }

  readonly backlog = 0;

  async below(): Promise<void> {}

  async digest(bytes: number): Promise<string> {
    if (bytes !== this.bytes) throw new Error(`hashed ${this.bytes} bytes, expected ${bytes}`);
    return this.hash.digest("hex");
  }

  async close(): Promise<void> {}
}

export class WorkerHasher implements FileHasher {
  private readonly worker: Worker;
  private readonly reply: Promise<HashReply>;
  private ended: HashReply | undefined;
  /** Bytes the worker has hashed, which it stores after each batch (and notifies). */
  private readonly hashed = new BigInt64Array(new SharedArrayBuffer(8));
  private handedOver = 0;

  constructor(script: string) {
    this.worker = new Worker(script, { workerData: { hashed: this.hashed } });
    this.reply = new Promise<HashReply>((resolve) => {
      this.worker.once("message", resolve);
      this.worker.once("error", (err) => resolve({ error: messageOf(err) }));
      this.worker.once("exit", (code) => resolve({ error: `the hash worker exited (code ${code})` }));
    }).then((r) => (this.ended = r));
    // A failure before the digest is asked for is reported then (or by below); until then nothing waits on it.
    void this.reply;
  }

  written(data: readonly Buffer[], _upTo: number): void {
    const chunks: Uint8Array[] = [];
    const moved: ArrayBuffer[] = [];
    for (const b of data) {
      if (b.byteOffset === 0 && b.byteLength === b.buffer.byteLength && isArrayBuffer(b.buffer)) {
        chunks.push(b);
        moved.push(b.buffer);
      } else chunks.push(Uint8Array.prototype.slice.call(b)); // shares its memory: copied
    }
    // Counted before the post: a moved chunk reads as empty here after it.
    for (const c of chunks) this.handedOver += c.byteLength;
    try {
      this.worker.postMessage({ chunks } satisfies HashRequest, moved);
    } catch {
      // Memory Node will not let go of (marked untransferable): copied instead.
      this.worker.postMessage({ chunks } satisfies HashRequest);
    }
  }

  get backlog(): number {
    return this.handedOver - Number(Atomics.load(this.hashed, 0));
  }

  async below(limit: number): Promise<void> {
    for (;;) {
      if (this.ended !== undefined && "error" in this.ended) {
        throw new Error(`hashing the download failed: ${this.ended.error}`);
      }
      const done = Atomics.load(this.hashed, 0);
      if (this.handedOver - Number(done) < limit) return;
      // Woken by the worker's next store; the timeout re-checks a worker that died without one.
      const wait = waitAsync(this.hashed, 0, done, 1000);
      if (wait.async) await wait.value;
    }
  }

  async digest(bytes: number): Promise<string> {
    this.worker.postMessage({ finish: true } satisfies HashRequest);
    const reply = await this.reply;
    await this.worker.terminate();
    if ("error" in reply) throw new Error(`hashing the download failed: ${reply.error}`);
    if (reply.bytes !== bytes) throw new Error(`hashed ${reply.bytes} bytes, expected ${bytes}`);
    return reply.digest;
  }

  async close(): Promise<void> {
    await this.worker.terminate();
  }
}

/** `Atomics.waitAsync` (Node 16+; ES2024, past this project's `lib`). */
const waitAsync = (
  Atomics as unknown as {
    waitAsync(
      this: void,
      a: BigInt64Array,
      i: number,
      value: bigint,
      timeoutMs: number,
    ): { async: false; value: string } | { async: true; value: Promise<string> };
  }
).waitAsync;

/** Not a SharedArrayBuffer (which is shared, never moved); by tag, as instanceof fails across realms. */
function isArrayBuffer(b: ArrayBufferLike): b is ArrayBuffer {
  return Object.prototype.toString.call(b) === "[object ArrayBuffer]";
}

/** An error thrown in a worker arrives as a copy made in this thread, which `instanceof Error` may not
 *  recognise (another realm, as under jest): read its message by shape. */
function messageOf(err: unknown): string {
  const message = (err as { message?: unknown } | null)?.message;
  return typeof message === "string" ? message : String(err);
}
