// One byte range of a JSONL file checked on its own, as a worker does it: line numbers count from the range's
// first line, and the failures come back raw so the merge can number and word them for the whole file.
import { closeSync, openSync } from "node:fs";
import { type IssueSink, type Problem } from "./issues";
import { type FormatMismatch, JsonlChecker } from "./jsonl-check";
import { READ_CHUNK_BYTES } from "./limits";
import { type JsonlFormat } from "./line-rules";
import { type ByteRange, readRangeSync } from "./read-through";

export interface RangeTask extends ByteRange {
  file: string;
  /** The JsonlChecker's `formats`: false for purposes other than fine-tune. */
  formats: boolean;
  /** The most failures anyone will see: the range keeps no more than the file does. */
  maxErrors: number;
  /** The file's format, when an earlier range found one this range's lines must share. */
  seed?: JsonlFormat;
}

/** A failure on line `line` of the range (1 = its first line). */
export interface RangeIssue {
  line: number;
  problem: Problem | FormatMismatch;
}

export interface RangeResult {
  lines: number;
  /** The first row of the range whose format was detected; absent when none was (or the task had a seed). */
  firstFormat?: { format: JsonlFormat; line: number };
  /** The first `maxErrors` failures, in line order. */
  issues: RangeIssue[];
  /** Failures after those. */
  omitted: number;
}

/** What a worker posts once: its result, or why it has none (say, the file could not be read). */
export type RangeReply = { result: RangeResult } | { error: string };

class RangeIssues implements IssueSink {
  readonly kept: RangeIssue[] = [];
  omitted = 0;

  constructor(private readonly maxErrors: number) {}

  add(problem: Problem, line?: number): void {
    // A JSONL checker ties every failure to a line.
    if (line === undefined) throw new Error("a JSONL range failure without a line");
    if (this.kept.length < this.maxErrors) this.kept.push({ line, problem });
    else this.omitted++;
  }
}

/** Synchronous: it is a worker thread's whole job (see readRangeSync). */
export function checkJsonlRange(task: RangeTask): RangeResult {
  const issues = new RangeIssues(task.maxErrors);
  const checker = new JsonlChecker(issues, task.formats, task.seed);
  const fd = openSync(task.file, "r");
  try {
    readRangeSync(fd, task, checker.consume, READ_CHUNK_BYTES);
  } finally {
    closeSync(fd);
  }
  const result: RangeResult = { lines: checker.lines, issues: issues.kept, omitted: issues.omitted };
  if (checker.format !== undefined && checker.formatLine > 0) {
    result.firstFormat = { format: checker.format, line: checker.formatLine };
  }
  return result;
}
