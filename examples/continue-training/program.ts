import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { FineTuneJob, TrainingFile } from "pulumi-together";

export type ContinueTrainingOutputs = {
  baseJobId: pulumi.Output<string>;
  baseModelName: pulumi.Output<string | undefined>;
  followupJobId: pulumi.Output<string>;
  followupModelName: pulumi.Output<string | undefined>;
  totalEstimatedPriceUsd: pulumi.Output<number>;
};

/** Two stages: general support answers first, then billing answers on top of the first job's final
 *  checkpoint. Replacing the second dataset retrains only the second stage. Stack config: model,
 *  maxPriceUsd (per job). */
export function program(): ContinueTrainingOutputs {
  const config = new pulumi.Config();
  const maxPriceUsd = config.getNumber("maxPriceUsd") ?? 5;

  const general = new TrainingFile("general-support", {
    source: path.join(__dirname, "data", "general-support.jsonl"),
  });
  const base = new FineTuneJob("support-base", {
    model: config.get("model") ?? "Qwen/Qwen3-0.6B",
    trainingFile: general.fileId,
    trainingType: { type: "lora" },
    nEpochs: 2,
    maxPriceUsd,
  });

  const billing = new TrainingFile("billing-followup", {
    source: path.join(__dirname, "data", "billing-followup.jsonl"),
  });
  // A checkpoint fixes the base model, so `model` is left out here.
  const followup = new FineTuneJob("support-billing", {
    fromCheckpoint: base.jobId,
    trainingFile: billing.fileId,
    trainingType: { type: "lora" },
    nEpochs: 1,
    maxPriceUsd,
  });

  return {
    baseJobId: base.jobId,
    baseModelName: base.outputModelName,
    followupJobId: followup.jobId,
    followupModelName: followup.outputModelName,
    totalEstimatedPriceUsd: pulumi
      .all([base.estimatedPriceUsd, followup.estimatedPriceUsd])
      .apply(([a, b]) => (a ?? 0) + (b ?? 0)),
  };
}
