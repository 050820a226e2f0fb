// Lets a FineTuneJob find the local dataset behind its `trainingFile` while the file id is still
// unknown (a fresh stack's preview, or a changed dataset), so preview can count its tokens and price
// the job. A TrainingFile registers itself and its `fileId` output here; a job given either one
// passes the dataset's absolute path to its provider as a hidden input.
import type * as pulumi from "@pulumi/pulumi";

const sources = new WeakMap<object, pulumi.Output<unknown>>();

/** Called by TrainingFile: `file` and `file.fileId` both lead to `sourcePath`. */
export function linkDataset(file: object, fileId: object, sourcePath: pulumi.Output<unknown>): void {
  sources.set(file, sourcePath);
  sources.set(fileId, sourcePath);
}

/** The local path behind a TrainingFile or its `fileId` output, when the program passed one. */
export function datasetSource(value: unknown): pulumi.Output<unknown> | undefined {
  return value !== null && typeof value === "object" ? sources.get(value) : undefined;
}
