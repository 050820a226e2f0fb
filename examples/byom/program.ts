import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { FineTuneJob, TrainingFile } from "pulumi-together";

export type ByomOutputs = {
  jobId: pulumi.Output<string>;
  outputModelName: pulumi.Output<string | undefined>;
  estimatedPriceUsd: pulumi.Output<number | undefined>;
};

/** Bring your own model: train a Hugging Face repository (`hfModel`, e.g. `your-org/qwen3-0.6b-sql`)
 *  with a catalogue model of the same architecture and size as the template (`model`). The Hugging Face
 *  token is secret stack config: `pulumi config set --secret hfApiToken hf_...`. Optional:
 *  hfModelRevision (a commit to pin), maxPriceUsd. */
export function program(): ByomOutputs {
  const config = new pulumi.Config();
  const hfModelRevision = config.get("hfModelRevision");

  const questions = new TrainingFile("sql-questions", {
    source: path.join(__dirname, "data", "sql-questions.jsonl"),
  });

  const job = new FineTuneJob("sql-byom", {
    model: config.get("model") ?? "Qwen/Qwen3-0.6B",
    fromHfModel: config.require("hfModel"),
    ...(hfModelRevision ? { hfModelRevision } : {}),
    hfApiToken: config.requireSecret("hfApiToken"),
    trainingFile: questions.fileId,
    trainingType: { type: "lora" },
    nEpochs: 2,
    maxPriceUsd: config.getNumber("maxPriceUsd") ?? 5,
  });

  return {
    jobId: job.jobId,
    outputModelName: job.outputModelName,
    estimatedPriceUsd: job.estimatedPriceUsd,
  };
}
