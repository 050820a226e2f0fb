// Streams request bytes to a file at a given offset with positional writes, skipping all-zero 64 KiB
// blocks so a sparse upload stays sparse on disk (tests push multi-GiB files of mostly zeros). Blocks
// are aligned to absolute file offsets, so a skipped block is exactly a hole the filesystem can keep.
//
// Bytes are gathered into 1 MiB batches, each run of non-zero blocks goes out in one write, and one batch
// is written while the next fills: the emulator shares two cores with the client under test, and awaited
// 64 KiB writes plus MD5 cost it about five CPU-seconds per GiB, which the upload benchmark then measured
// instead of the client.
import type * as fs from "node:fs/promises";
import { crc32 } from "node:zlib";

export const BLOCK = 64 * 1024;
const BATCH = 16 * BLOCK;
const ZERO_BLOCK = Buffer.alloc(BLOCK);

export class BlockWriter {
  /** Two batches: one fills while the other's writes are in flight. */
  private readonly batches = [Buffer.alloc(BATCH), Buffer.alloc(BATCH)] as const;
  private readonly inFlight: [Promise<void>, Promise<void>] = [Promise.resolve(), Promise.resolve()];
  private current: 0 | 1 = 0;
  private fill = 0;
  /** File offset of batch[0]. */
  private batchStart: number;
  // CRC-32 rather than S3's MD5: four times as fast, and an ETag is opaque to clients; it only has to
  // change with the content so complete() can check the parts it is given.
  private crc = 0;
  private zeroRun = 0;
  written = 0;

  /** `overwrite`: the region may hold bytes from an earlier attempt, so zero blocks must be written
   *  rather than skipped. */
  constructor(
    private readonly fh: fs.FileHandle,
    offset: number,
    private readonly overwrite: boolean,
  ) {
    this.batchStart = offset;
  }

  async write(chunk: Buffer): Promise<void> {
    let pos = 0;
    while (pos < chunk.length) {
      const n = Math.min(this.capacity() - this.fill, chunk.length - pos);
      chunk.copy(this.batches[this.current], this.fill, pos, pos + n);
      this.fill += n;
      pos += n;
      if (this.fill === this.capacity()) await this.flush();
    }
  }

  /** Flushes the tail and returns a content-derived ETag: the CRC then the length, in hex (zero runs are
   *  folded in by length, not byte by byte, which keeps multi-GiB sparse parts cheap). */
  async finish(): Promise<string> {
    if (this.fill > 0) await this.flush();
    await Promise.all(this.inFlight);
    this.noteZeros();
    const crc = (this.crc >>> 0).toString(16).padStart(8, "0");
    return `${crc}${this.written.toString(16).padStart(12, "0")}`;
  }

  /** The first batch ends at the next 64 KiB boundary of the file so later blocks are aligned. */
  private capacity(): number {
    const misalign = this.batchStart % BLOCK;
    return misalign === 0 ? BATCH : BLOCK - misalign;
  }

  /** Starts writing the current batch, one write per run of blocks that must reach the file, then
   *  switches to the other batch once its own writes have landed. */
  private async flush(): Promise<void> {
    const batch = this.batches[this.current];
    const runs: [number, number][] = [];
    let runStart = -1;
    for (let at = 0; at < this.fill; at += BLOCK) {
      const block = batch.subarray(at, Math.min(at + BLOCK, this.fill));
      const zero = block.equals(ZERO_BLOCK.subarray(0, block.length));
      if (zero) {
        this.zeroRun += block.length;
      } else {
        this.noteZeros();
        this.crc = crc32(block, this.crc);
      }
      const keep = !zero || this.overwrite;
      if (keep && runStart < 0) runStart = at;
      if (!keep && runStart >= 0) {
        runs.push([runStart, at]);
        runStart = -1;
      }
    }
    if (runStart >= 0) runs.push([runStart, this.fill]);
    const writing = this.writeRuns(batch, runs, this.batchStart);
    // A failure surfaces when this batch is awaited (next switch or finish); until then it must not
    // count as unhandled.
    writing.catch(() => undefined);
    this.inFlight[this.current] = writing;
    this.written += this.fill;
    this.batchStart += this.fill;
    this.fill = 0;
    this.current = this.current === 0 ? 1 : 0;
    await this.inFlight[this.current];
  }

  private async writeRuns(batch: Buffer, runs: [number, number][], fileOffset: number): Promise<void> {
    for (const [from, to] of runs) await this.fh.write(batch, from, to - from, fileOffset + from);
  }

  private noteZeros(): void {
    if (this.zeroRun > 0) {
      this.crc = crc32(`zeros:${this.zeroRun}`, this.crc);
      this.zeroRun = 0;
    }
  }
}
