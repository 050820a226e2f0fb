// Where a JSONL file is cut for checking in parallel: near equal shares, each cut just after a newline, so
// every line lies whole in one range and a range's first line is a line of the file.
import { type FileHandle } from "node:fs/promises";
import { type ByteRange } from "./read-through";

const NEWLINE = 10;
const PROBE_BYTES = 64 * 1024;

/** At most `parts` non-empty ranges covering `[0, size)` in order; fewer when lines are longer than a share. */
export async function splitAtNewlines(fh: FileHandle, size: number, parts: number): Promise<ByteRange[]> {
  const cuts = [0];
  const probe = Buffer.allocUnsafe(PROBE_BYTES);
  for (let i = 1; i < parts; i++) {
    const previous = cuts[cuts.length - 1]!;
    const target = Math.floor((size * i) / parts);
    // A long line took the previous range past this share's start: no cut, rather than a tiny range.
    cuts.push(target <= previous ? previous : await lineStartFrom(fh, probe, target, size));
  }
  cuts.push(size);
  const ranges: ByteRange[] = [];
  for (let i = 0; i + 1 < cuts.length; i++) {
    const start = cuts[i]!;
    const end = cuts[i + 1]!;
    if (end > start) ranges.push({ start, end });
  }
  return ranges;
}

/** The first line start at or after `target` (> 0): just after the first newline from `target - 1` on;
 *  `size` when there is none. */
async function lineStartFrom(fh: FileHandle, probe: Buffer, target: number, size: number): Promise<number> {
  for (let at = target - 1; at < size;) {
    const { bytesRead } = await fh.read(probe, 0, Math.min(probe.length, size - at), at);
    if (bytesRead === 0) break;
    const nl = probe.subarray(0, bytesRead).indexOf(NEWLINE);
    if (nl >= 0) return at + nl + 1;
    at += bytesRead;
  }
  return size;
}
