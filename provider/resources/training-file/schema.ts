// TrainingFile inputs, checked inputs, outputs and the replace-on-change table.
// `sdk/training-file.ts` documents every field for users; this file is the single source of the
// rules the provider enforces.
import { z } from "zod";
import type { DatasetFormat } from "../../validate";
import type { DiffTable } from "../../shared/diff";

export const TRAINING_FILE_KIND = "TrainingFile";

/** Together accepts these purposes for uploaded files; `fine-tune` covers training and validation sets. */
export const TRAINING_FILE_PURPOSES = ["fine-tune", "eval", "batch-api"] as const;
export type TrainingFilePurpose = (typeof TRAINING_FILE_PURPOSES)[number];

export const DEFAULT_PURPOSE: TrainingFilePurpose = "fine-tune";

/** `csv` only for purpose `eval`, the one purpose Together accepts CSV for. */
export type TrainingFileType = "jsonl" | "parquet" | "csv";

/** What a program passes; `TrainingFileArgs` in the SDK is kept equal to this by a type test. Strict: a
 *  misspelled argument (say `chekc: false`) fails the check instead of being silently ignored. */
export const trainingFileArgsSchema = z.strictObject({
  source: z.string().min(1, "must be a path to a .jsonl or .parquet file"),
  fileName: z
    .string()
    .min(1)
    .max(255)
    // Together stores the name as given; a path separator would make it look like a path.
    .refine(
      (name) => !/[/\\]/.test(name) && ![...name].some((c) => c.charCodeAt(0) < 0x20),
      "must be a plain file name without / or \\ or control characters",
    )
    .optional(),
  purpose: z.enum(TRAINING_FILE_PURPOSES).optional(),
  check: z.boolean().optional(),
  sourceHash: z
    .string()
    .regex(/^[0-9a-fA-F]{64}$/, "must be the file's SHA-256 as 64 hex digits (e.g. from `sha256sum`)")
    .optional(),
  adoptFileId: z
    .string()
    .regex(/^file-[A-Za-z0-9-]+$/, "must be a Together file id like file-1b2c3d…")
    .optional(),
});

/** Everything the SDK sends: the program's arguments plus what it resolves in the program process. */
export const trainingFileInputsSchema = trainingFileArgsSchema.extend({
  /** The Pulumi resource name, so messages can say `TrainingFile "train"`. */
  logicalName: z.string().min(1),
  /** `source` resolved against the program directory. */
  sourcePath: z.string().min(1),
  /** `pulumi.getProject()` and `pulumi.getStack()`: whose file it is (see shared/owner.ts). */
  pulumiProject: z.string().optional(),
  pulumiStack: z.string().optional(),
});

export type TrainingFileArgsInput = z.input<typeof trainingFileArgsSchema>;

// Type aliases, not interfaces: they must be assignable to the Record<string, unknown> the lifecycle speaks.

/** Checked inputs: defaults applied and the local file's facts added, so diff sees content changes
 *  at preview time. Optional fields are absent (never undefined) when not known. */
export type TrainingFileCheckedInputs = {
  logicalName: string;
  pulumiProject?: string;
  pulumiStack?: string;
  source: string;
  sourcePath: string;
  fileName: string;
  purpose: TrainingFilePurpose;
  check: boolean;
  sourceHash?: string;
  adoptFileId?: string;
  /** SHA-256 of the content (hex); equals `sourceHash` when that is given. */
  sha256: string;
  bytes: number;
  fileType: TrainingFileType;
  /** Detected when content rules ran (`check: true`). */
  format?: DatasetFormat;
  /** Counted when content rules ran (`check: true`). */
  numSamples?: number;
};

export type TrainingFileOutputs = TrainingFileCheckedInputs & {
  fileId: string;
  /** ISO-8601 time Together recorded the file. */
  createdAt: string;
  /** Together's server-side validation state, where the API reports it. */
  processingStatus?: string;
  schemaVersion: number;
};

/** Changing the content, the name or the purpose needs a new upload (Together files are immutable);
 *  the rest only changes how we read the local file. `adoptFileId` replaces only when it points at a
 *  different file than the one managed (see lifecycle diff). */
export const trainingFileDiffTable: DiffTable = {
  sha256: "replace",
  fileName: "replace",
  purpose: "replace",
  check: "update",
  sourceHash: "update",
  source: "update",
  sourcePath: "update",
  adoptFileId: "update",
};
