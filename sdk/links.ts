// What preview needs to know before the engine does. A fresh stack's preview has no file id and no
// trained model yet, so checks that depend on them would be skipped. Resources register here what
// they already know at program time, keyed by the resource and by the output object a program
// passes on (`file.fileId`, `job.outputModelName`), and dependents send it to their provider as a
// hidden input:
// - a FineTuneJob given a TrainingFile sends the dataset's local path (priced from its tokens);
// - a DedicatedEndpoint given a FineTuneJob's model sends the job's base model (a fine-tuned model
//   is served on its base model's hardware, so hardware and price are checked against it).
import type * as pulumi from "@pulumi/pulumi";

const datasets = new WeakMap<object, pulumi.Output<unknown>>();
const baseModels = new WeakMap<object, pulumi.Input<string>>();

/** Called by TrainingFile: `file` and `file.fileId` both lead to `sourcePath`. */
export function linkDataset(file: object, fileId: object, sourcePath: pulumi.Output<unknown>): void {
  datasets.set(file, sourcePath);
  datasets.set(fileId, sourcePath);
}

/** The local path behind a TrainingFile or its `fileId` output, when the program passed one. */
export function datasetSource(value: unknown): pulumi.Output<unknown> | undefined {
  return value !== null && typeof value === "object" ? datasets.get(value) : undefined;
}

/** Called by FineTuneJob: `job` and `job.outputModelName` both lead to the model it trains. */
export function linkTrainedModel(
  job: object,
  outputModelName: object,
  baseModel: pulumi.Input<string>,
): void {
  baseModels.set(job, baseModel);
  baseModels.set(outputModelName, baseModel);
}

/** The base model behind a FineTuneJob or its `outputModelName` output, when the program passed one. */
export function trainedFrom(value: unknown): pulumi.Input<string> | undefined {
  return value !== null && typeof value === "object" ? baseModels.get(value) : undefined;
}
