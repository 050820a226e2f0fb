// Range results put back together as if the file had been read in one pass: line numbers made absolute, the
// failures in file order under the file's error cap, format mismatches worded against the file's first
// formatted line.
import { type IssueCollector } from "./issues";
import { formatMismatch } from "./jsonl-check";
import { type JsonlFormat } from "./line-rules";
import { type RangeResult } from "./range-check";

export interface FileFormat {
  format: JsonlFormat;
  /** Absolute line of the file's first row whose format was detected. */
  line: number;
}

/** The file's format: the first formatted row of the first range that has one. */
export function fileFormatOf(results: readonly RangeResult[]): FileFormat | undefined {
  let offset = 0;
  for (const r of results) {
    if (r.firstFormat) return { format: r.firstFormat.format, line: offset + r.firstFormat.line };
    offset += r.lines;
  }
  return undefined;
}

/** Ranges whose own first format is not the file's: checked alone, they judged their rows against the wrong
 *  format, and must be checked again seeded with the file's. Only files that mix formats have any. */
export function rangesToRecheck(results: readonly RangeResult[], file: FileFormat | undefined): number[] {
  if (file === undefined) return [];
  return results.flatMap((r, i) =>
    r.firstFormat !== undefined && r.firstFormat.format !== file.format ? [i] : [],
  );
}

/** Adds every range's failures to `issues` in file order; returns the file's line count. Every range must agree
 *  with `file` (see rangesToRecheck). */
export function mergeRangeIssues(
  results: readonly RangeResult[],
  file: FileFormat | undefined,
  issues: IssueCollector,
): number {
  let offset = 0;
  for (const r of results) {
    for (const { line, problem } of r.issues) {
      // A mismatch implies a format was found, so `file` is set; the range could only name its own first line.
      const worded =
        "rowFormat" in problem && file !== undefined
          ? formatMismatch(problem.rowFormat, file.format, file.line)
          : problem;
      issues.add(worded, offset + line);
    }
    issues.addOmitted(r.omitted);
    offset += r.lines;
  }
  return offset;
}
