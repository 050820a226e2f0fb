import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { DedicatedEndpoint, FineTuneJob, TrainingFile } from "pulumi-together";

export type GitopsOutputs = {
  endpointName: pulumi.Output<string>;
  endpointState: pulumi.Output<string>;
  jobId: pulumi.Output<string>;
  outputModelName: pulumi.Output<string | undefined>;
  estimatedPriceUsd: pulumi.Output<number | undefined>;
  hourlyPriceUsd: pulumi.Output<number>;
};

/** The program the workflow in .github/workflows/pulumi.yml deploys: `prod` (main) serves the model;
 *  branch stacks (`br-<branch>`) train it too but keep a stopped endpoint on the smallest hardware.
 *  The price caps are the review gate: a pull request whose change would exceed them fails its preview. */
export function program(): GitopsOutputs {
  const isProd = pulumi.getStack() === "prod";
  const config = new pulumi.Config();

  const replies = new TrainingFile("eta-replies-dataset", {
    source: path.join(__dirname, "data", "eta-replies.jsonl"),
  });

  const job = new FineTuneJob("eta-replies-lora", {
    model: config.get("model") ?? "Qwen/Qwen3-0.6B",
    trainingFile: replies.fileId,
    trainingType: { type: "lora" },
    nEpochs: 2,
    maxPriceUsd: config.getNumber("maxPriceUsd") ?? 5,
  });

  const endpoint = new DedicatedEndpoint("eta-replies", {
    // Set once the job has completed, which `up` waits for (the job's default waitFor).
    model: job.outputModelName,
    hardware: isProd ? "1x_nvidia_h100_80gb_sxm" : "1x_nvidia_l40s_48gb_pcie",
    state: isProd ? "STARTED" : "STOPPED",
    inactiveTimeoutMinutes: isProd ? 60 : 15,
    maxHourlyPriceUsd: config.getNumber("maxHourlyPriceUsd") ?? 4,
  });

  return {
    endpointName: endpoint.name,
    endpointState: endpoint.state,
    jobId: job.jobId,
    outputModelName: job.outputModelName,
    estimatedPriceUsd: job.estimatedPriceUsd,
    hourlyPriceUsd: endpoint.hourlyPriceUsd,
  };
}
