// ModelDownload inputs, checked inputs, outputs and the replace-on-change table.
// `sdk/model-download.ts` documents every field for users; this file is the single source of the rules the
// provider enforces.
import { z } from "zod";
import type { DiffTable } from "../../shared/diff";

export const MODEL_DOWNLOAD_KIND = "ModelDownload";

/** What `GET /finetune/download` serves: a LoRA job's merged model or adapter, a full-training job's model. */
export const CHECKPOINT_KINDS = ["merged", "adapter", "model_output_path"] as const;
export type CheckpointKind = (typeof CHECKPOINT_KINDS)[number];

/** What a program passes; `ModelDownloadArgs` in the SDK is kept equal to this by a type test. */
export const modelDownloadArgsSchema = z.strictObject({
  jobId: z.string().regex(/^ft-[A-Za-z0-9-]+$/, "must be a fine-tune job id like ft-1b2c3d… (job.jobId)"),
  checkpoint: z.enum(CHECKPOINT_KINDS).optional(),
  checkpointStep: z.number().int().min(1).optional(),
  destination: z.string().min(1, "must be a path in the program directory, e.g. models/ft.tar.zst"),
  extract: z.boolean().optional(),
});

/** Everything the SDK sends: the program's arguments plus what it resolves in the program process. */
export const modelDownloadInputsSchema = modelDownloadArgsSchema.extend({
  logicalName: z.string().min(1),
  /** `destination` resolved against the program directory. */
  destinationPath: z.string().min(1),
  /** The program directory: nothing is written outside it. */
  programDir: z.string().min(1),
});

export type ModelDownloadArgsInput = z.input<typeof modelDownloadArgsSchema>;

export type ModelDownloadCheckedInputs = {
  logicalName: string;
  jobId: string;
  /** As given, or the default for the job's training type once the job is known. */
  checkpoint?: CheckpointKind;
  checkpointStep?: number;
  destination: string;
  destinationPath: string;
  programDir: string;
  extract: boolean;
};

export type ModelDownloadOutputs = ModelDownloadCheckedInputs & {
  checkpoint: CheckpointKind;
  /** The archive on disk (equals destinationPath). */
  path: string;
  bytes: number;
  sha256: string;
  /** The step the archive holds: `checkpointStep`, or the final checkpoint's step. */
  step: number;
  /** The archive's modification time when it was written: a change means the file may have been edited. */
  mtimeMs: number;
  /** The folder it was unpacked into (extract: true). */
  extractedPath?: string;
  schemaVersion: number;
};

/** A different job, kind, step or place is a different download. `extract` replaces too: the folder is made or
 *  removed with the archive. A moved program directory moves the file with it: only the recorded path changes. */
export const modelDownloadDiffTable: DiffTable = {
  jobId: "replace",
  checkpoint: "replace",
  checkpointStep: "replace",
  destination: "replace",
  extract: "replace",
  destinationPath: "update",
  programDir: "update",
};
