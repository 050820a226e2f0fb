import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { replaceOnChangesInput } from "../provider/shared/diff";
import { RESOURCE_MODULE, shells } from "../provider/shell";
import { linkDataset } from "./links";

/** Arguments of a {@link TrainingFile}. Every change to `source` content, `fileName` or `purpose`
 *  uploads a new file and deletes the old one (Together files cannot be edited); the other fields
 *  update in place without any API call. */
export interface TrainingFileArgs {
  /**
   * Path of the dataset on disk: a `.jsonl` file (conversation, instruction, general or preference
   * format) or a `.parquet` file of pre-tokenized rows (`.csv` only with purpose `eval`). Relative paths are resolved against the
   * program directory. The file is hashed (SHA-256) at every preview and up; when its content
   * changes the resource is **replaced** (new upload, then the old file is deleted). Moving the file
   * without changing its content or base name changes nothing remotely.
   */
  source: pulumi.Input<string>;
  /**
   * Name the file gets on Together. Default: the base name of `source`. Changing it **replaces**
   * the file.
   */
  fileName?: pulumi.Input<string>;
  /**
   * Together file purpose: `fine-tune` (training and validation sets), `eval` or `batch-api`.
   * Default: `fine-tune`. Changing it **replaces** the file.
   */
  purpose?: pulumi.Input<"fine-tune" | "eval" | "batch-api">;
  /**
   * Validate the content locally before anything is uploaded (every line's format, roles, weights,
   * sample count; Parquet columns). Up to 20 line-numbered problems fail the preview. Default:
   * `true`. With `false` the file is still hashed (unless `sourceHash` is given) and Together's own
   * server-side validation still applies. Updates in place.
   */
  check?: pulumi.Input<boolean>;
  /**
   * The file's SHA-256 (64 hex digits, e.g. from `sha256sum`), for very large files: with
   * `check: false` the provider trusts it and never reads the file to hash it. With `check: true`
   * the file is read anyway and a mismatch fails the check. A different value means different
   * content, which **replaces** the file. Default: computed from the file.
   */
  sourceHash?: pulumi.Input<string>;
  /**
   * Bring an existing Together file (`file-…`) under management instead of uploading: the file is
   * fetched and its size must equal the local file's. From then on it is managed like an uploaded
   * one (a content change replaces it; `destroy` deletes it). Pointing it at a different file id
   * **replaces**; removing it changes nothing. Default: none (upload).
   */
  adoptFileId?: pulumi.Input<string>;
}

/**
 * A dataset on disk as a Together file. It is validated locally before upload (an invalid file
 * fails `pulumi preview` with line numbers and is never uploaded), streamed to Together (multipart
 * above 5 GiB), and waited on until Together's own validation finishes. It is re-uploaded exactly
 * when its content, name or purpose changes.
 */
export class TrainingFile extends pulumi.dynamic.Resource {
  /** Together file id (`file-…`); this is also the resource id. */
  declare readonly fileId: pulumi.Output<string>;
  /** Name of the file on Together. */
  declare readonly fileName: pulumi.Output<string>;
  /** Size of the content, in bytes. */
  declare readonly bytes: pulumi.Output<number>;
  /** SHA-256 of the content, 64 lowercase hex digits (equals `sourceHash` when that was given). */
  declare readonly sha256: pulumi.Output<string>;
  /** Dataset format detected by the local check: `conversation`, `instruction`, `general`,
   *  `preference` or `tokenized`. Undefined when `check` is `false`. */
  declare readonly format: pulumi.Output<
    "conversation" | "instruction" | "general" | "preference" | "tokenized" | undefined
  >;
  /** Number of samples (JSONL lines or Parquet rows), counted by the local check. Undefined when
   *  `check` is `false`. */
  declare readonly numSamples: pulumi.Output<number | undefined>;
  /** `jsonl` or `parquet` (`csv` only with purpose `eval`), from the file extension. */
  declare readonly fileType: pulumi.Output<"jsonl" | "parquet" | "csv">;
  /** Together's server-side validation state (`COMPLETED` once accepted), where the API reports
   *  it (purpose `fine-tune`); undefined otherwise. A file Together rejects is deleted and the
   *  update fails with Together's reason; a validation still running after 30 minutes leaves the
   *  file in state and the next update resumes waiting. */
  declare readonly processingStatus: pulumi.Output<string | undefined>;
  /** When Together recorded the file, ISO-8601 (UTC). */
  declare readonly createdAt: pulumi.Output<string>;
  /** `source` as given. */
  declare readonly source: pulumi.Output<string>;
  /** `source` resolved to an absolute path in the program directory. */
  declare readonly sourcePath: pulumi.Output<string>;
  /** Purpose of the file on Together (default `fine-tune`). */
  declare readonly purpose: pulumi.Output<"fine-tune" | "eval" | "batch-api">;
  /** Whether the local content check ran (default `true`). */
  declare readonly check: pulumi.Output<boolean>;
  /** `sourceHash` as given, if any. */
  declare readonly sourceHash: pulumi.Output<string | undefined>;
  /** `adoptFileId` as given, if any. */
  declare readonly adoptFileId: pulumi.Output<string | undefined>;
  /** The Pulumi resource name, used in the provider's messages. */
  declare readonly logicalName: pulumi.Output<string>;
  /** Version of this resource's state layout. */
  declare readonly schemaVersion: pulumi.Output<number>;

  constructor(name: string, args: TrainingFileArgs, opts?: pulumi.CustomResourceOptions) {
    // JavaScript callers may pass nothing or a wrong type; check() then names the field and the fix.
    args = args ?? ({} as TrainingFileArgs);
    // Resolved here, in the program process: the provider process may run with another cwd.
    const programDir = process.cwd();
    const sourcePath = pulumi
      .output(args.source)
      .apply((s): unknown => (typeof s === "string" ? path.resolve(programDir, s) : s));
    super(
      shells.TrainingFile,
      name,
      {
        fileId: undefined,
        fileName: undefined,
        bytes: undefined,
        sha256: undefined,
        format: undefined,
        numSamples: undefined,
        fileType: undefined,
        processingStatus: undefined,
        createdAt: undefined,
        purpose: undefined,
        check: undefined,
        sourceHash: undefined,
        adoptFileId: undefined,
        schemaVersion: undefined,
        ...args,
        sourcePath,
        logicalName: name,
        // Whose objects these are on Together, so an interrupted create is recovered from any machine and never
        // from another stack's (provider/shared/owner.ts).
        pulumiProject: pulumi.getProject(),
        pulumiStack: pulumi.getStack(),
        // replaceOnChanges reaches the engine as an option, but only the provider can apply it (see diff.ts).
        ...replaceOnChangesInput(opts),
      },
      opts,
      RESOURCE_MODULE,
      "TrainingFile",
    );
    linkDataset(this, this.fileId, sourcePath);
  }
}
