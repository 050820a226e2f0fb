// The local half of TrainingFile.check(): find the dataset, hash and validate it, and turn what was
// found into checked inputs (so diff sees content changes at preview) or into check failures.
import * as fs from "node:fs";
import * as path from "node:path";
import { inspectTrainingFile } from "../../validate";
import { UNKNOWN, type CheckFailure } from "../../shared/types";
import { failure } from "../../shared/check";
import {
  TRAINING_FILE_KIND,
  type TrainingFileCheckedInputs,
  type TrainingFilePurpose,
  type TrainingFileType,
} from "./schema";
import { errorText } from "../../shared/error-text";

/** Each problem becomes one check failure; the validator adds one closing note when it stopped early. */
export const MAX_REPORTED_ISSUES = 20;

export interface SourceRequest {
  logicalName: string;
  source: string;
  sourcePath: string;
  purpose: TrainingFilePurpose;
  check: boolean;
  sourceHash?: string;
}

export type ContentFacts = Pick<
  TrainingFileCheckedInputs,
  "sha256" | "bytes" | "fileType" | "format" | "numSamples"
>;

/** Facts the engine must treat as unknown because the file cannot be located yet (preview). */
export const UNKNOWN_CONTENT = { sha256: UNKNOWN, bytes: UNKNOWN, fileType: UNKNOWN } as const;

export function prefix(logicalName: string): string {
  return `${TRAINING_FILE_KIND} "${logicalName}"`;
}

export async function inspectSource(
  req: SourceRequest,
): Promise<{ facts?: ContentFacts; failures: CheckFailure[] }> {
  const who = prefix(req.logicalName);
  const where =
    req.source === req.sourcePath ? `"${req.source}"` : `"${req.source}" (resolved to ${req.sourcePath})`;
  let stat: fs.Stats;
  try {
    stat = await fs.promises.stat(req.sourcePath);
  } catch (e) {
    const missing = (e as NodeJS.ErrnoException).code === "ENOENT";
    const what = missing ? "no such file" : `cannot be read (${errorText(e)})`;
    return {
      failures: [
        failure(
          "source",
          `${who}: source = ${where}: ${what}. Fix: point source at the dataset, relative to the program ` +
            `directory, or create the file there.`,
        ),
      ],
    };
  }
  if (!stat.isFile()) {
    return {
      failures: [
        failure(
          "source",
          `${who}: source = ${where}: is not a regular file. Fix: point source at a .jsonl or .parquet file.`,
        ),
      ],
    };
  }

  // A trusted hash with content rules off: the file is never read (multi-GB datasets).
  if (req.sourceHash !== undefined && !req.check) {
    const fileType = fileTypeOf(req.sourcePath, req.purpose);
    if (fileType === undefined) return { failures: [badExtension(who, where)] };
    return { facts: { sha256: req.sourceHash, bytes: stat.size, fileType }, failures: [] };
  }

  const report = await inspectTrainingFile(req.sourcePath, {
    purpose: req.purpose,
    check: req.check,
    maxErrors: MAX_REPORTED_ISSUES,
  });
  const failures: CheckFailure[] = [];
  // With check: false the report fails only when the file cannot be read at all.
  if (!report.ok) {
    for (const issue of report.errors) failures.push(failure("source", `${who}: ${issue.message}`));
    // ok=false with no issue listed would fail silently; never let that pass.
    if (failures.length === 0)
      failures.push(failure("source", `${who}: source = ${where} failed validation.`));
  }
  // Purpose-aware: CSV is only for eval, even when content rules are off.
  const fileType = fileTypeOf(req.sourcePath, req.purpose);
  if (fileType === undefined && failures.length === 0) failures.push(badExtension(who, where));
  if (req.sourceHash !== undefined && report.ok && req.sourceHash !== report.sha256) {
    failures.push(
      failure(
        "sourceHash",
        `${who}: sourceHash = ${req.sourceHash} does not match the SHA-256 of ${where}, which is ${report.sha256}. ` +
          `Fix: update sourceHash to the file's current hash, or remove it to let the provider hash the file.`,
      ),
    );
  }
  if (failures.length > 0 || fileType === undefined) return { failures };
  const facts: ContentFacts = { sha256: report.sha256, bytes: report.bytes, fileType };
  if (req.check) {
    if (report.format !== undefined) facts.format = report.format;
    facts.numSamples = report.numSamples;
  }
  return { facts, failures };
}

function badExtension(who: string, where: string): CheckFailure {
  return failure(
    "source",
    `${who}: source = ${where}: unsupported file type. Fix: use a .jsonl or .parquet file (.csv only with purpose "eval").`,
  );
}

export function fileTypeOf(file: string, purpose: TrainingFilePurpose): TrainingFileType | undefined {
  const ext = path.extname(file).toLowerCase();
  if (ext === ".jsonl") return "jsonl";
  if (ext === ".parquet") return "parquet";
  if (ext === ".csv" && purpose === "eval") return "csv";
  return undefined;
}
