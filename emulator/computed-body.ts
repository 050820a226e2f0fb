// A reply body computed as it is sent (the weights archive: every byte a function of its offset). The server
// writes it from a few buffers it reuses once the socket has taken each one, instead of a fresh 1 MiB buffer
// per chunk. The emulator shares the machine with the client it serves, so what it spends is taken from the
// client: serving the download benchmark's 2 GiB from fresh buffers cost it 0.4-1.5 CPU-s per GiB (most of it
// faulting in new pages), from reused ones 0.2-0.4 (BENCHMARKS.md).
import type * as http from "node:http";
import { Readable } from "node:stream";

export interface ComputedBody {
  /** The bytes `[start, end)` of the whole. */
  start: number;
  end: number;
  /** Writes the bytes at `offset` (of the whole) into `out`. */
  fill(out: Buffer, offset: number): void;
}

/** As big as undici reads and the socket takes well. */
const CHUNK_BYTES = 1024 * 1024;
/** Buffers in flight at once: enough to keep the socket busy while the next one is filled. */
const POOL_SIZE = 4;

/** Writes the body (the status and headers are set) and ends the response; stops if the socket goes away. */
export function sendComputed(res: http.ServerResponse, body: ComputedBody): void {
  const free: Buffer[] = [];
  let allocated = 0;
  let at = body.start;
  let failed = false;
  res.once("close", () => (failed = true));
  const pump = (): void => {
    while (!failed && at < body.end) {
      let buffer = free.pop();
      if (buffer === undefined) {
        if (allocated === POOL_SIZE) return; // a write callback hands one back and pumps again
        buffer = Buffer.allocUnsafe(Math.min(CHUNK_BYTES, body.end - body.start));
        allocated++;
      }
      const n = Math.min(buffer.length, body.end - at);
      const chunk = n === buffer.length ? buffer : buffer.subarray(0, n);
      body.fill(chunk, at);
      at += n;
      const reused = buffer;
      res.write(chunk, (err) => {
        if (err) {
          failed = true;
          return;
        }
        free.push(reused);
        pump();
      });
    }
    if (!failed && at >= body.end && !res.writableEnded) res.end();
  };
  pump();
}

/** The same bytes as a stream of fresh chunks, produced only when the reader asks (for a cut reply, hashing). */
export function computedStream(body: ComputedBody): Readable {
  let at = body.start;
  return new Readable({
    highWaterMark: CHUNK_BYTES,
    read() {
      if (at >= body.end) {
        this.push(null);
        return;
      }
      const chunk = Buffer.allocUnsafe(Math.min(CHUNK_BYTES, body.end - at));
      body.fill(chunk, at);
      at += chunk.length;
      this.push(chunk);
    },
  });
}
