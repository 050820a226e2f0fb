// Local training-file validation with Together's own rules, and hashing, in one streaming pass.
import { inspectTrainingFile } from "./inspect";

export { DEFAULT_CACHE_DIR, inspectTrainingFile } from "./inspect";
export { VALIDATOR_VERSION } from "./limits";
export type { DatasetFormat, FileReport, InspectOptions, ValidationIssue } from "./types";

/** SHA-256 and size of a file (cached like `inspectTrainingFile`); throws when it cannot be read. */
export async function hashFile(filePath: string): Promise<{ sha256: string; bytes: number }> {
  const report = await inspectTrainingFile(filePath, { check: false });
  if (!report.ok) {
    throw new Error(report.errors.map((e) => e.message).join("\n"));
  }
  return { sha256: report.sha256, bytes: report.bytes };
}
