import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { FineTuneJob, TrainingFile } from "pulumi-together";

export type DpoOutputs = {
  jobId: pulumi.Output<string>;
  outputModelName: pulumi.Output<string | undefined>;
  estimatedPriceUsd: pulumi.Output<number | undefined>;
};

/** Preference tuning: each line pairs a helpful reply with a dismissive one for the same customer
 *  message, and DPO moves the model towards the first. Stack config: model, dpoBeta, maxPriceUsd and,
 *  optionally, the secret wandbApiKey to follow the run in Weights & Biases. */
export function program(): DpoOutputs {
  const config = new pulumi.Config();
  const wandbApiKey = config.getSecret("wandbApiKey");

  const preferences = new TrainingFile("tone-preferences", {
    source: path.join(__dirname, "data", "tone-preferences.jsonl"),
  });

  const job = new FineTuneJob("tone-dpo", {
    model: config.get("model") ?? "Qwen/Qwen3-1.7B",
    trainingFile: preferences.fileId,
    trainingMethod: { method: "dpo", dpoBeta: config.getNumber("dpoBeta") ?? 0.1 },
    trainingType: { type: "lora" },
    nEpochs: 2,
    learningRate: 0.000005,
    maxPriceUsd: config.getNumber("maxPriceUsd") ?? 5,
    // The key stays secret: the SDK keeps it out of the outputs and every provider message.
    ...(wandbApiKey ? { wandb: wandbApiKey.apply((apiKey) => ({ apiKey, projectName: "tone-dpo" })) } : {}),
  });

  return {
    jobId: job.jobId,
    outputModelName: job.outputModelName,
    estimatedPriceUsd: job.estimatedPriceUsd,
  };
}
