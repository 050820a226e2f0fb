// The single pass over a file: every byte is hashed once and handed to an optional consumer.
import { readSync } from "node:fs";
import { type FileHandle } from "node:fs/promises";

/** Sees the bytes `buf[0, end)` (earlier leftovers first) and returns how many it used; the rest is carried
 *  to the front of the next call. At end of file (`eof`) it must use everything. */
export type ChunkConsumer = (buf: Buffer, end: number, eof: boolean) => number;

/** What reading feeds every byte to, in order: a node:crypto Hash, or a wrapper that times it. */
export interface Hasher {
  update(data: Buffer): unknown;
}

/** Bytes `[start, end)` of a file. */
export interface ByteRange {
  start: number;
  end: number;
}

/** The read buffer: what the consumer left is carried to its front, and it doubles only when a single
 *  unconsumed piece (one very long line) fills it. */
class CarryBuffer {
  buf: Buffer;
  filled = 0;

  /** A buffer handed in is reused: one reader of many blocks allocates (and faults in) its 4 MiB once. */
  constructor(chunk: number | Buffer) {
    this.buf = typeof chunk === "number" ? Buffer.allocUnsafe(chunk) : chunk;
  }

  /** Room for the next read, at `filled`. */
  room(): number {
    if (this.filled === this.buf.length) {
      const bigger = Buffer.allocUnsafe(this.buf.length * 2);
      this.buf.copy(bigger, 0, 0, this.filled);
      this.buf = bigger;
    }
    return this.buf.length - this.filled;
  }

  /** Takes `bytesRead` new bytes and hands everything held to `consume`. */
  settle(bytesRead: number, consume: ChunkConsumer | undefined, eof: boolean): void {
    this.filled += bytesRead;
    if (consume === undefined) {
      this.filled = 0;
      return;
    }
    const used = consume(this.buf, this.filled, eof);
    if (used > 0 && used < this.filled) this.buf.copyWithin(0, used, this.filled);
    this.filled -= used;
  }
}

/** Reads the whole file in reads of `chunk` bytes (or of the size of a `chunk` buffer to reuse) (from its current position, or only `range` at explicit
 *  offsets, whose end then counts as end of file), hashing as it goes; returns the byte count. Asynchronous,
 *  so the event loop keeps running during a long read. An aborted `signal` stops it between reads with the
 *  signal's reason. */
export async function readThrough(
  fh: FileHandle,
  hash: Hasher | undefined,
  consume: ChunkConsumer | undefined,
  chunk: number | Buffer,
  options: { range?: ByteRange; signal?: AbortSignal } = {},
): Promise<number> {
  const { range, signal } = options;
  const carry = new CarryBuffer(chunk);
  let total = 0;
  for (;;) {
    signal?.throwIfAborted();
    const room = carry.room(); // first: it may replace the buffer
    const want = range ? Math.min(room, range.end - range.start - total) : room;
    const at = carry.filled;
    const { bytesRead } =
      want === 0 ? { bytesRead: 0 } : await fh.read(carry.buf, at, want, range ? range.start + total : null);
    hash?.update(carry.buf.subarray(at, at + bytesRead));
    total += bytesRead;
    const eof = bytesRead === 0;
    carry.settle(bytesRead, consume, eof);
    if (eof) return total;
  }
}

/** Reads bytes `[range.start, range.end)` of an open file (`end` may be Infinity: to end of file), whose end
 *  counts as end of file, hashing them when `hash` is given, for a block of the parallel check: synchronous
 *  reads, as a worker has nothing else to do and the hashing thread yields between blocks, and an asynchronous
 *  read's round trip through the thread pool left a thread idle a fifth of the time. Reads at explicit
 *  offsets, so other readers of the file are not disturbed. Returns the byte count. */
export function readRangeSync(
  fd: number,
  range: ByteRange,
  consume: ChunkConsumer | undefined,
  chunk: number | Buffer,
  hash?: Hasher,
): number {
  const carry = new CarryBuffer(chunk);
  let total = 0;
  for (;;) {
    const want = Math.min(carry.room(), range.end - range.start - total); // first: it may replace the buffer
    const at = carry.filled;
    const bytesRead = want === 0 ? 0 : readSync(fd, carry.buf, at, want, range.start + total);
    hash?.update(carry.buf.subarray(at, at + bytesRead));
    total += bytesRead;
    const eof = bytesRead === 0;
    carry.settle(bytesRead, consume, eof);
    if (eof) return total;
  }
}
