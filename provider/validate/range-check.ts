// Blocks of a JSONL file checked each on its own, by a worker thread or by the hashing thread: line numbers
// count from the block's first line, and the failures come back raw so the merge can number and word them
// for the whole file.
import { closeSync, openSync } from "node:fs";
import { BlockClaims } from "./block-claims";
import { type IssueSink, type Problem } from "./issues";
import { type FormatMismatch, JsonlChecker } from "./jsonl-check";
import { READ_CHUNK_BYTES } from "./limits";
import { type JsonlFormat } from "./line-rules";
import { type ByteRange, type Hasher, readRangeSync } from "./read-through";

/** How every block of one file is checked. */
export interface BlockRules {
  /** The JsonlChecker's `formats`: false for purposes other than fine-tune. */
  formats: boolean;
  /** The most failures anyone will see: a block keeps no more than the file does. */
  maxErrors: number;
  /** The file's format, when a pass before this one found it and these blocks must share it. */
  seed?: JsonlFormat;
}

/** A worker's job: the blocks it takes from the back of `claims` (see BlockClaims). */
export interface BlocksTask extends BlockRules {
  file: string;
  blocks: ByteRange[];
  claims: SharedArrayBuffer;
}

/** A failure on line `line` of the block (1 = its first line). */
export interface RangeIssue {
  line: number;
  problem: Problem | FormatMismatch;
}

export interface RangeResult {
  lines: number;
  /** The first row of the block whose format was detected; absent when none was (or the rules had a seed). */
  firstFormat?: { format: JsonlFormat; line: number };
  /** The first `maxErrors` failures, in line order. */
  issues: RangeIssue[];
  /** Failures after those. */
  omitted: number;
}

/** Block index and its result, as a worker returns them. */
export type BlockResults = [index: number, result: RangeResult][];

/** What a worker posts once: its results, or why it has none (say, the file could not be read). */
export type BlocksReply = { results: BlockResults } | { error: string };

class RangeIssues implements IssueSink {
  readonly kept: RangeIssue[] = [];
  omitted = 0;

  constructor(private readonly maxErrors: number) {}

  add(problem: Problem, line?: number): void {
    // A JSONL checker ties every failure to a line.
    if (line === undefined) throw new Error("a JSONL block failure without a line");
    if (this.kept.length < this.maxErrors) this.kept.push({ line, problem });
    else this.omitted++;
  }
}

/** A checker for one block, and how to read its result once the block has been fed through it. */
function blockChecker(rules: BlockRules): { checker: JsonlChecker; result: () => RangeResult } {
  const issues = new RangeIssues(rules.maxErrors);
  const checker = new JsonlChecker(issues, rules.formats, rules.seed);
  const result = (): RangeResult => {
    const r: RangeResult = { lines: checker.lines, issues: issues.kept, omitted: issues.omitted };
    if (checker.format !== undefined && checker.formatLine > 0) {
      r.firstFormat = { format: checker.format, line: checker.formatLine };
    }
    return r;
  };
  return { checker, result };
}

/** A worker thread's whole job, synchronous (see readRangeSync): blocks from the back until none is left, or
 *  `limit` blocks. */
export function checkBlocksFromBack(task: BlocksTask, limit = Infinity): BlockResults {
  const claims = new BlockClaims(task.claims);
  const results: BlockResults = [];
  const fd = openSync(task.file, "r");
  const scratch = Buffer.allocUnsafe(READ_CHUNK_BYTES);
  try {
    while (results.length < limit) {
      const i = claims.back();
      if (i === undefined) break;
      const { checker, result } = blockChecker(task);
      readRangeSync(fd, task.blocks[i]!, checker.consume, scratch);
      results.push([i, result()]);
    }
  } finally {
    closeSync(fd);
  }
  return results;
}

/** The hashing thread's share: one block, read once for both the hash and the check, into `scratch`.
 *  Synchronous, as a worker's are (see readRangeSync): the caller yields to the event loop between blocks. */
export function checkBlockHashing(
  fd: number,
  block: ByteRange,
  rules: BlockRules,
  hash: Hasher | undefined,
  scratch: Buffer,
): RangeResult {
  const { checker, result } = blockChecker(rules);
  readRangeSync(fd, block, checker.consume, scratch, hash);
  return result();
}
