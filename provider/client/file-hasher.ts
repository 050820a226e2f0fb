// The SHA-256 of a download as it is written. SHA-256 is about a third of a download's CPU on this thread (the
// rest is receiving and writing), so a large download hashes on a worker thread instead: the worker reads each
// written batch back from the page cache (a copy on its own core, nothing added here) and this thread only
// receives and writes. A small download (or a run from TypeScript sources, where a worker cannot load .ts)
// hashes the batches in line, without a worker's ~35 ms start. Either way only bytes already written are hashed,
// so the digest is of what is on disk.
import { createHash, type Hash } from "node:crypto";
import { closeSync, openSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Worker } from "node:worker_threads";

/** The compiled worker beside this module (dist/provider/client/ in the package). */
const HASH_WORKER_SCRIPT = path.join(__dirname, "hash-file-worker.js");
const RUNNING_FROM_SOURCES = __filename.endsWith(".ts");
/** Below this a worker's start costs more than the hash it takes off this thread. */
export const WORKER_HASH_MIN_BYTES = 64 * 1024 * 1024;

export type HashRequest = { upTo: number } | { finish: true };
export type HashReply = { digest: string; bytes: number } | { error: string };

export interface FileHasher {
  /** `data` (the bytes just written, in order) brings the written part of the file to `upTo` bytes. */
  written(data: readonly Buffer[], upTo: number): void;
  /** The digest of the first `bytes` bytes: everything reported written. */
  digest(bytes: number): Promise<string>;
  /** Stops without a digest (the download failed or starts over). */
  close(): Promise<void>;
}

/** A hasher for a file at `file` expected to grow to `expectedBytes` (undefined: unknown, hashed in line).
 *  With one CPU to run on (one core, or pinned to one) the worker would only add its read-back: in line then. */
export function startFileHasher(file: string, expectedBytes: number | undefined): FileHasher {
  const big = expectedBytes !== undefined && expectedBytes >= WORKER_HASH_MIN_BYTES;
  const worker = big && !RUNNING_FROM_SOURCES && os.availableParallelism() > 1;
  return worker ? new WorkerHasher(file, HASH_WORKER_SCRIPT) : new InlineHasher();
}

export class InlineHasher implements FileHasher {
  private readonly hash: Hash = createHash("sha256");
  private bytes = 0;

  written(data: readonly Buffer[], upTo: number): void {
    for (const b of data) this.hash.update(b);
    this.bytes = upTo;
  }

  async digest(bytes: number): Promise<string> {
    if (bytes !== this.bytes) throw new Error(`hashed ${this.bytes} bytes, expected ${bytes}`);
    return this.hash.digest("hex");
  }

  async close(): Promise<void> {}
}

export class WorkerHasher implements FileHasher {
  private readonly worker: Worker;
  private readonly reply: Promise<HashReply>;
  /** Opened here and closed here once the worker has stopped (see hash-file-worker.ts). */
  private readonly fd: number;

  constructor(file: string, script: string) {
    this.fd = openSync(file, "r");
    try {
      this.worker = new Worker(script, { workerData: { fd: this.fd } });
    } catch (err) {
      closeSync(this.fd);
      throw err;
    }
    this.reply = new Promise<HashReply>((resolve) => {
      this.worker.once("message", resolve);
      this.worker.once("error", (err) => resolve({ error: messageOf(err) }));
      this.worker.once("exit", (code) => resolve({ error: `the hash worker exited (code ${code})` }));
    });
    // A failure before the digest is asked for is reported then; until then nothing waits on it.
    void this.reply;
  }

  written(_data: readonly Buffer[], upTo: number): void {
    this.worker.postMessage({ upTo } satisfies HashRequest);
  }

  async digest(bytes: number): Promise<string> {
    this.worker.postMessage({ finish: true } satisfies HashRequest);
    const reply = await this.reply;
    await this.close();
    if ("error" in reply) throw new Error(`hashing the download failed: ${reply.error}`);
    if (reply.bytes !== bytes) throw new Error(`hashed ${reply.bytes} bytes, expected ${bytes}`);
    return reply.digest;
  }

  /** Stops the worker, then closes the file; a second call does nothing. */
  async close(): Promise<void> {
    await this.worker.terminate();
    if (this.closed) return;
    this.closed = true;
    closeSync(this.fd);
  }

  private closed = false;
}

/** An error thrown in a worker arrives as a copy made in this thread, which `instanceof Error` may not
 *  recognise (another realm, as under jest): read its message by shape. */
function messageOf(err: unknown): string {
  const message = (err as { message?: unknown } | null)?.message;
  return typeof message === "string" ? message : String(err);
}
