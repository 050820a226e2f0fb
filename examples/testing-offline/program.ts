import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { FineTuneJob, TrainingFile } from "pulumi-together";

/** A small dataset -> a LoRA fine-tune. Stack config (optional): model, epochs. */
export function program() {
  const config = new pulumi.Config();
  const dataset = new TrainingFile("train", { source: path.join(__dirname, "data", "train.jsonl") });
  const job = new FineTuneJob("lora", {
    model: config.get("model") ?? "Qwen/Qwen3-0.6B",
    trainingFile: dataset.fileId,
    nEpochs: config.getNumber("epochs") ?? 1,
    trainingType: { type: "lora", loraR: 8, loraAlpha: 16 },
    maxPriceUsd: 5,
  });
  return { fileId: dataset.fileId, jobId: job.jobId, outputModelName: job.outputModelName };
}
