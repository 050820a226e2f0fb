// A big JSONL file checked on several cores. The file is cut into blocks at newlines; this thread reads it
// from the front, hashing every byte in order (SHA-256 is sequential) and checking each block it reaches
// first, while worker threads check blocks from the back; where they meet depends on their speeds, so the
// work balances itself whatever hashing costs on the machine. The report is the one a single pass gives, to
// the line and the character (merge-ranges.ts).
import { createHash, type Hash } from "node:crypto";
import { type FileHandle } from "node:fs/promises";
import { BlockClaims } from "./block-claims";
import { FrontPace } from "./front-pace";
import { type IssueCollector } from "./issues";
import { READ_CHUNK_BYTES } from "./limits";

/** The tail is hashed in pieces of this size, the event loop running between them. */
const TAIL_PIECE_BYTES = 8 * 1024 * 1024;
import { type JsonlFormat } from "./line-rules";
import { fileFormatOf, mergeRangeIssues, rangesToRecheck } from "./merge-ranges";
import { type BlockRules, checkBlockHashing, type RangeResult } from "./range-check";
import { startBackWorkers } from "./range-workers";
import { type ByteRange, readRangeSync } from "./read-through";

export interface ParallelJsonl {
  file: string;
  /** The file cut at newlines, in order, covering it whole. */
  blocks: ByteRange[];
  formats: boolean;
  maxErrors: number;
  /** Worker threads besides this one. */
  workers: number;
  /** The compiled worker; undefined checks the back blocks in this thread (see RUNNING_FROM_SOURCES). */
  script: string | undefined;
}

export interface JsonlFacts {
  bytes: number;
  sha256: string;
  lines: number;
  format: JsonlFormat | undefined;
}

export async function checkJsonlInParallel(
  fh: FileHandle,
  job: ParallelJsonl,
  issues: IssueCollector,
): Promise<JsonlFacts> {
  const rules: BlockRules = { formats: job.formats, maxErrors: job.maxErrors };
  const hash = createHash("sha256");
  const { results, bytes } = await checkBlocks(fh, job, job.blocks, rules, hash);

  const file = fileFormatOf(results);
  const again = rangesToRecheck(results, file);
  if (again.length > 0 && file !== undefined) {
    const blocks = again.map((i) => job.blocks[i]!);
    const redone = await checkBlocks(fh, job, blocks, { ...rules, seed: file.format }, undefined);
    again.forEach((i, j) => {
      results[i] = redone.results[j]!;
    });
  }
  const lines = mergeRangeIssues(results, file, issues);
  return { bytes, sha256: hash.digest("hex"), lines, format: file?.format };
}

/** Every block's result, in block order; with `hash`, also every byte of the file hashed in order and the
 *  byte count (`blocks` must then be the whole file's). */
async function checkBlocks(
  fh: FileHandle,
  job: ParallelJsonl,
  blocks: ByteRange[],
  rules: BlockRules,
  hash: Hash | undefined,
): Promise<{ results: RangeResult[]; bytes: number }> {
  const claims = new BlockClaims(blocks.length);
  const back = startBackWorkers(
    job.workers,
    { file: job.file, blocks, claims: claims.shared, ...rules },
    job.script,
  );
  const stop = new AbortController();
  let backSettled = false;
  const backDone = back.done.then(
    (r) => {
      backSettled = true;
      return r;
    },
    (err: unknown) => {
      backSettled = true;
      // The front's reads must stop too, before the caller closes `fh`.
      stop.abort(err);
      throw err;
    },
  );
  const results: (RangeResult | undefined)[] = new Array<RangeResult | undefined>(blocks.length);
  const pace = hash && new FrontPace(hash, job.workers);
  const size = blocks.length === 0 ? 0 : blocks[blocks.length - 1]!.end;
  const scratch = Buffer.allocUnsafe(READ_CHUNK_BYTES);
  const front = async (): Promise<number> => {
    let end = 0;
    for (;;) {
      // Leave the rest to the workers once hashing the tail takes as long as their share (front-pace.ts); the
      // next front block starts where the last one ended.
      const open = bytesBefore(blocks, claims.backFrom()) - end;
      if (pace && !backSettled && pace.shouldStop(size - end, open)) break;
      const i = claims.front();
      if (i === undefined) break;
      const block = blocks[i]!;
      results[i] = pace
        ? pace.block(block.end - block.start, () => checkBlockHashing(fh.fd, block, rules, pace, scratch))
        : checkBlockHashing(fh.fd, block, rules, undefined, scratch);
      end = block.end;
      await turn(stop.signal);
    }
    let bytes = end;
    if (pace) {
      // The rest of the file, for the hash only, a block's worth at a time: the workers check it meanwhile.
      for (let read = Infinity; read > 0; bytes += read) {
        read = readRangeSync(
          fh.fd,
          { start: bytes, end: bytes + TAIL_PIECE_BYTES },
          undefined,
          scratch,
          pace,
        );
        await turn(stop.signal);
      }
    }
    // Blocks still open once the tail is hashed (the workers were slower than expected: other processes took
    // their cores, say; or the in-thread stand-in stopped at half): checked here too, from the front, while the
    // workers go on from the back. Read again, for the check only.
    for (let i = claims.front(); i !== undefined; i = claims.front()) {
      results[i] = checkBlockHashing(fh.fd, blocks[i]!, rules, undefined, scratch);
      await turn(stop.signal);
    }
    return bytes;
  };
  const [fronted, backed] = await Promise.allSettled([front(), backDone]);
  if (backed.status === "rejected") throw backed.reason;
  if (fronted.status === "rejected") {
    await back.stop();
    throw fronted.reason;
  }
  for (const [i, result] of backed.value) results[i] = result;
  const missing = results.findIndex((r) => r === undefined);
  if (missing >= 0) throw new Error(`block ${missing} of ${job.file} was checked by no thread`);
  return { results: results as RangeResult[], bytes: fronted.value };
}

/** The front reads and checks synchronously (an asynchronous read's round trip left this thread idle a sixth
 *  of the time), so it lets the event loop run between blocks: a worker's failure (which aborts `signal`) and
 *  anything else the process serves are seen within one block's time. */
async function turn(signal: AbortSignal): Promise<void> {
  await new Promise<void>((resolve) => setImmediate(resolve));
  signal.throwIfAborted();
}

/** Where block `index` starts (the end of the blocks when past them). */
function bytesBefore(blocks: readonly ByteRange[], index: number): number {
  return index < blocks.length ? blocks[index]!.start : (blocks[blocks.length - 1]?.end ?? 0);
}
