// A big JSONL file checked on several cores: its ranges in worker threads while this thread hashes the whole
// file (SHA-256 is sequential, so it gets a core of its own rather than a share of each range). The report is
// the one a single pass gives, to the line and the character (merge-ranges.ts).
import { createHash } from "node:crypto";
import { type FileHandle } from "node:fs/promises";
import { type IssueCollector } from "./issues";
import { READ_CHUNK_BYTES } from "./limits";
import { type JsonlFormat } from "./line-rules";
import { fileFormatOf, mergeRangeIssues, rangesToRecheck } from "./merge-ranges";
import { type RangeTask } from "./range-check";
import { checkRanges } from "./range-workers";
import { type ByteRange, readThrough } from "./read-through";

export interface ParallelJsonl {
  file: string;
  ranges: ByteRange[];
  formats: boolean;
  maxErrors: number;
  /** The compiled worker; undefined checks the ranges in this thread (see RUNNING_FROM_SOURCES). */
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
  const tasks: RangeTask[] = job.ranges.map((r) => ({
    file: job.file,
    start: r.start,
    end: r.end,
    formats: job.formats,
    maxErrors: job.maxErrors,
  }));
  const hash = createHash("sha256");
  const stopHashing = new AbortController();
  const checking = checkRanges(tasks, job.script).catch((err: unknown) => {
    // No point hashing on: the check has failed. The hash must stop before the caller closes `fh`.
    stopHashing.abort(err);
    throw err;
  });
  const [hashed, checked] = await Promise.allSettled([
    readThrough(fh, hash, undefined, READ_CHUNK_BYTES, stopHashing.signal),
    checking,
  ]);
  if (checked.status === "rejected") throw checked.reason;
  if (hashed.status === "rejected") throw hashed.reason;

  const results = checked.value;
  const file = fileFormatOf(results);
  const again = rangesToRecheck(results, file);
  if (again.length > 0 && file !== undefined) {
    const redone = await checkRanges(
      again.map((i) => ({ ...tasks[i]!, seed: file.format })),
      job.script,
    );
    again.forEach((i, j) => {
      results[i] = redone[j]!;
    });
  }
  const lines = mergeRangeIssues(results, file, issues);
  return { bytes: hashed.value, sha256: hash.digest("hex"), lines, format: file?.format };
}
