// The single pass over a file: every byte is hashed once and handed to an optional consumer.
import { type Hash } from "node:crypto";
import { type FileHandle } from "node:fs/promises";

/** Sees the bytes `buf[0, end)` (earlier leftovers first) and returns how many it used; the rest is carried
 *  to the front of the next call. At end of file (`eof`) it must use everything. */
export type ChunkConsumer = (buf: Buffer, end: number, eof: boolean) => number;

/** Bytes `[start, end)` of a file. */
export interface ByteRange {
  start: number;
  end: number;
}

/** Reads the whole file (or only `range`, whose end counts as end of file) in `chunkBytes` reads, hashing as it
 *  goes; returns the byte count. The buffer grows only when a single unconsumed piece (one very long line)
 *  fills it. An aborted `signal` stops it between reads with the signal's reason. */
export async function readThrough(
  fh: FileHandle,
  hash: Hash | undefined,
  consume: ChunkConsumer | undefined,
  chunkBytes: number,
  range?: ByteRange,
  signal?: AbortSignal,
): Promise<number> {
  let buf = Buffer.allocUnsafe(chunkBytes);
  let filled = 0;
  let total = 0;
  for (;;) {
    signal?.throwIfAborted();
    if (filled === buf.length) {
      const bigger = Buffer.allocUnsafe(buf.length * 2);
      buf.copy(bigger, 0, 0, filled);
      buf = bigger;
    }
    let want = buf.length - filled;
    if (range) want = Math.min(want, range.end - range.start - total);
    // A range is read at explicit offsets, so other readers of the same file are not disturbed.
    const { bytesRead } =
      want === 0 ? { bytesRead: 0 } : await fh.read(buf, filled, want, range ? range.start + total : null);
    const eof = bytesRead === 0;
    if (!eof) {
      hash?.update(buf.subarray(filled, filled + bytesRead));
      total += bytesRead;
      filled += bytesRead;
    }
    if (consume === undefined) {
      filled = 0;
    } else {
      const used = consume(buf, filled, eof);
      if (used > 0 && used < filled) buf.copyWithin(0, used, filled);
      filled -= used;
    }
    if (eof) return total;
  }
}
