// Streams request bytes to a file at a given offset with positional writes, skipping all-zero 64 KiB
// blocks so a sparse upload stays sparse on disk (tests push multi-GiB files of mostly zeros). Blocks
// are aligned to absolute file offsets, so a skipped block is exactly a hole the filesystem can keep.
//
// Bytes go out in 1 MiB batches, one gathering write (writev) per run of non-zero blocks, straight from the
// chunks the request delivered: nothing is copied in user space. One batch is written while the next
// gathers. The emulator shares the machine with the client under test, and every pass over the bytes it
// saves is CPU the upload benchmark would otherwise measure instead of the client: awaited 64 KiB writes and
// an MD5 ETag once cost it five CPU-seconds per GiB; copying into batches was still the largest cost in
// user space, and the one that varied most from one upload to the next.
import type * as fs from "node:fs/promises";

export const BLOCK = 64 * 1024;
const BATCH = 16 * BLOCK;
const ZERO_BLOCK = Buffer.alloc(BLOCK);

/** A stretch of the file to write: where it starts, and its bytes as views of the request's chunks. */
interface Run {
  at: number;
  bufs: Buffer[];
  bytes: number;
}

export class BlockWriter {
  /** Bytes taken but not yet handed to a write, as the caller's chunks (or views of them). */
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  /** Two slots: one batch's writes are in flight while the next batch gathers. */
  private readonly inFlight: [Promise<void>, Promise<void>] = [Promise.resolve(), Promise.resolve()];
  private current: 0 | 1 = 0;
  /** File offset of the first pending byte. */
  private batchStart: number;
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

  /** Takes the next bytes. The writer keeps `chunk` itself, not a copy, until its write lands (finish()
   *  waits for all), so the caller must not change it: request bodies arrive as fresh buffers. */
  async write(chunk: Buffer): Promise<void> {
    if (chunk.length === 0) return;
    this.pending.push(chunk);
    this.pendingBytes += chunk.length;
    for (let size = this.capacity(); this.pendingBytes >= size; size = this.capacity()) {
      await this.flush(this.take(size));
    }
  }

  /** Writes the tail and waits for every write to land; a failed write surfaces here at the latest. */
  async finish(): Promise<void> {
    if (this.pendingBytes > 0) await this.flush(this.take(this.pendingBytes));
    await Promise.all(this.inFlight);
  }

  /** The first batch ends at the next 64 KiB boundary of the file so later blocks are aligned. */
  private capacity(): number {
    const misalign = this.batchStart % BLOCK;
    return misalign === 0 ? BATCH : BLOCK - misalign;
  }

  /** Removes the first `n` pending bytes, as views of the pending chunks. */
  private take(n: number): Buffer[] {
    const out: Buffer[] = [];
    this.pendingBytes -= n;
    while (n > 0) {
      const head = this.pending[0]!;
      if (head.length <= n) {
        out.push(head);
        this.pending.shift();
        n -= head.length;
      } else {
        out.push(head.subarray(0, n));
        this.pending[0] = head.subarray(n);
        n = 0;
      }
    }
    return out;
  }

  /** Starts the batch's writes, one per run of blocks that must reach the file, then moves to the other
   *  slot once that slot's writes have landed. */
  private async flush(batch: Buffer[]): Promise<void> {
    const runs: Run[] = [];
    let run: Run | undefined;
    let at = this.batchStart;
    for (const block of blocksOf(batch)) {
      const bytes = block.reduce((n, b) => n + b.length, 0);
      if (this.overwrite || !block.every(isZero)) {
        run ??= { at, bufs: [], bytes: 0 };
        run.bufs.push(...block);
        run.bytes += bytes;
      } else if (run) {
        runs.push(run);
        run = undefined;
      }
      at += bytes;
    }
    if (run) runs.push(run);
    const writing = this.writeRuns(runs);
    // A failure surfaces when this slot is awaited (the next switch or finish); until then it must not
    // count as unhandled.
    writing.catch(() => undefined);
    this.inFlight[this.current] = writing;
    this.written += at - this.batchStart;
    this.batchStart = at;
    this.current = this.current === 0 ? 1 : 0;
    await this.inFlight[this.current];
  }

  private async writeRuns(runs: Run[]): Promise<void> {
    for (const { at, bufs, bytes } of runs) {
      const { bytesWritten } = await this.fh.writev(bufs, at);
      if (bytesWritten !== bytes) throw new Error(`short write: ${bytesWritten} of ${bytes} bytes at ${at}`);
    }
  }
}

/** Splits a batch into 64 KiB blocks (the last may be shorter), each as the views that make it up. */
function* blocksOf(batch: Buffer[]): Generator<Buffer[]> {
  let block: Buffer[] = [];
  let room = BLOCK;
  for (let piece of batch) {
    while (piece.length > 0) {
      const part = piece.subarray(0, room);
      block.push(part);
      room -= part.length;
      piece = piece.subarray(part.length);
      if (room === 0) {
        yield block;
        block = [];
        room = BLOCK;
      }
    }
  }
  if (block.length > 0) yield block;
}

function isZero(b: Buffer): boolean {
  return b.equals(ZERO_BLOCK.subarray(0, b.length));
}
