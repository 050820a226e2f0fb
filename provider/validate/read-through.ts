// The single pass over a file: every byte is hashed once and handed to an optional consumer.
import { type Hash } from "node:crypto";
import { type FileHandle } from "node:fs/promises";

/** Sees the bytes `buf[0, end)` (earlier leftovers first) and returns how many it used; the rest is carried
 *  to the front of the next call. At end of file (`eof`) it must use everything. */
export type ChunkConsumer = (buf: Buffer, end: number, eof: boolean) => number;

/** Reads the whole file in `chunkBytes` reads, hashing as it goes; returns the byte count. The buffer
 *  grows only when a single unconsumed piece (one very long line) fills it. */
export async function readThrough(
  fh: FileHandle,
  hash: Hash,
  consume: ChunkConsumer | undefined,
  chunkBytes: number,
): Promise<number> {
  let buf = Buffer.allocUnsafe(chunkBytes);
  let filled = 0;
  let total = 0;
  for (;;) {
    if (filled === buf.length) {
      const bigger = Buffer.allocUnsafe(buf.length * 2);
      buf.copy(bigger, 0, 0, filled);
      buf = bigger;
    }
    const { bytesRead } = await fh.read(buf, filled, buf.length - filled, null);
    const eof = bytesRead === 0;
    if (!eof) {
      hash.update(buf.subarray(filled, filled + bytesRead));
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
