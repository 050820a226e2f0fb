import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { replaceOnChangesInput } from "../provider/shared/diff";
import { RESOURCE_MODULE, shells } from "../provider/shell";

/** Arguments of a {@link ModelDownload}. A change of job, kind, step, destination or `extract` downloads again
 *  (the old file is removed first). */
export interface ModelDownloadArgs {
  /** The fine-tune job whose weights to download, typically `job.jobId` of a FineTuneJob. It must have completed.
   *  Changing it **replaces** the download. */
  jobId: pulumi.Input<string>;
  /**
   * Which artifact: `merged` (a LoRA job's adapter merged into the base model; the default for LoRA jobs),
   * `adapter` (the LoRA adapter alone) or `model_output_path` (a full-training job's model; its default and only
   * kind). A LoRA job on a model Together keeps no merged output for has `adapter` only. Changing it
   * **replaces** the download.
   */
  checkpoint?: pulumi.Input<"merged" | "adapter" | "model_output_path">;
  /** An intermediate checkpoint's step (see the job's `checkpoints` output); default: the final model. Changing
   *  it **replaces** the download. */
  checkpointStep?: pulumi.Input<number>;
  /**
   * Where the `.tar.zst` archive goes, relative to the program directory (a path outside it is refused). Missing
   * folders are created. Changing it **replaces** the download (downloaded to the new place, the old file removed).
   */
  destination: pulumi.Input<string>;
  /** Also unpack the archive into a folder beside it (the destination without `.tar.zst`). Default: `false`.
   *  Changing it **replaces** the download. */
  extract?: pulumi.Input<boolean>;
}

/**
 * A completed fine-tune job's weights, downloaded as a `.tar.zst` archive to run the model elsewhere. Streamed to
 * disk under a temporary name and renamed when complete; a dropped connection resumes where it stopped. The file
 * is the resource: deleted or edited on disk, it is downloaded again on the next `up`; `destroy` removes it (and
 * the extracted folder) and nothing else.
 */
export class ModelDownload extends pulumi.dynamic.Resource {
  /** The archive on disk (absolute path). */
  declare readonly path: pulumi.Output<string>;
  /** Size of the archive, in bytes. */
  declare readonly bytes: pulumi.Output<number>;
  /** SHA-256 of the archive as downloaded, 64 lowercase hex digits. */
  declare readonly sha256: pulumi.Output<string>;
  /** The job it came from. */
  declare readonly jobId: pulumi.Output<string>;
  /** The kind downloaded (the default resolved for the job's training type). */
  declare readonly checkpoint: pulumi.Output<"merged" | "adapter" | "model_output_path">;
  /** The step the archive holds: `checkpointStep`, or the final checkpoint's step. */
  declare readonly step: pulumi.Output<number>;
  /** The folder the archive was unpacked into (`extract: true`); undefined otherwise. */
  declare readonly extractedPath: pulumi.Output<string | undefined>;
  /** `checkpointStep` as given, if any. */
  declare readonly checkpointStep: pulumi.Output<number | undefined>;
  /** `destination` as given. */
  declare readonly destination: pulumi.Output<string>;
  /** Whether the archive is unpacked too. */
  declare readonly extract: pulumi.Output<boolean>;
  /** Set by a refresh that found the file edited on disk (size or SHA-256): the next `up` downloads it again. */
  declare readonly drift: pulumi.Output<string | undefined>;
  /** The Pulumi resource name, used in the provider's messages. */
  declare readonly logicalName: pulumi.Output<string>;
  /** Version of this resource's state layout. */
  declare readonly schemaVersion: pulumi.Output<number>;

  constructor(name: string, args: ModelDownloadArgs, opts?: pulumi.CustomResourceOptions) {
    // JavaScript callers may pass nothing or a wrong type; check() then names the field and the fix.
    args = args ?? ({} as ModelDownloadArgs);
    // Resolved here, in the program process: the provider process may run with another cwd.
    const programDir = process.cwd();
    const destinationPath = pulumi
      .output(args.destination)
      .apply((d): unknown => (typeof d === "string" ? path.resolve(programDir, d) : d));
    super(
      shells.ModelDownload,
      name,
      {
        path: undefined,
        bytes: undefined,
        sha256: undefined,
        checkpoint: undefined,
        step: undefined,
        extractedPath: undefined,
        checkpointStep: undefined,
        extract: undefined,
        drift: undefined,
        schemaVersion: undefined,
        ...args,
        destinationPath,
        programDir,
        logicalName: name,
        ...replaceOnChangesInput(opts),
      },
      opts,
      RESOURCE_MODULE,
      "ModelDownload",
    );
  }
}
