// Streams request bytes to a file at a given offset with positional writes, skipping all-zero 64 KiB
// blocks so a sparse upload stays sparse on disk (tests push multi-GiB files of mostly zeros). Blocks
// are aligned to absolute file offsets, so a skipped block is exactly a hole the filesystem can keep.
import { createHash, type Hash } from "node:crypto";
import type * as fs from "node:fs/promises";

export const BLOCK = 64 * 1024;
const ZERO_BLOCK = Buffer.alloc(BLOCK);

export class BlockWriter {
  private readonly block = Buffer.alloc(BLOCK);
  private fill = 0;
  private blockStart: number;
  private readonly digest: Hash = createHash("md5");
  private zeroRun = 0;
  written = 0;

  /** `overwrite`: the region may hold bytes from an earlier attempt, so zero blocks must be written
   *  rather than skipped. */
  constructor(
    private readonly fh: fs.FileHandle,
    offset: number,
    private readonly overwrite: boolean,
  ) {
    this.blockStart = offset;
  }

  async write(chunk: Buffer): Promise<void> {
    let pos = 0;
    while (pos < chunk.length) {
      const room = this.capacity() - this.fill;
      const n = Math.min(room, chunk.length - pos);
      chunk.copy(this.block, this.fill, pos, pos + n);
      this.fill += n;
      pos += n;
      if (this.fill === this.capacity()) await this.flush();
    }
  }

  /** Flushes the tail and returns a content-derived ETag (zero runs are hashed by length, not byte by
   *  byte, which keeps multi-GiB sparse parts cheap). */
  async finish(): Promise<string> {
    if (this.fill > 0) await this.flush();
    this.noteZeros();
    this.digest.update(`len:${this.written}`);
    return this.digest.digest("hex");
  }

  /** The first block ends at the next 64 KiB boundary of the file so later blocks are aligned. */
  private capacity(): number {
    const misalign = this.blockStart % BLOCK;
    return misalign === 0 ? BLOCK : BLOCK - misalign;
  }

  private async flush(): Promise<void> {
    const len = this.fill;
    const data = this.block.subarray(0, len);
    const zero = data.equals(ZERO_BLOCK.subarray(0, len));
    if (zero) {
      this.zeroRun += len;
      if (this.overwrite) await this.fh.write(data, 0, len, this.blockStart);
    } else {
      this.noteZeros();
      this.digest.update(data);
      await this.fh.write(data, 0, len, this.blockStart);
    }
    this.written += len;
    this.blockStart += len;
    this.fill = 0;
  }

  private noteZeros(): void {
    if (this.zeroRun > 0) {
      this.digest.update(`zeros:${this.zeroRun}`);
      this.zeroRun = 0;
    }
  }
}
