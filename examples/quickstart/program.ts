import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { DedicatedEndpoint, FineTuneJob, TrainingFile } from "pulumi-together";

export type QuickstartOutputs = {
  endpointId: pulumi.Output<string>;
  endpointName: pulumi.Output<string>;
  jobId: pulumi.Output<string>;
  outputModelName: pulumi.Output<string | undefined>;
  estimatedPriceUsd: pulumi.Output<number | undefined>;
  hourlyPriceUsd: pulumi.Output<number>;
};

/** A helpdesk dataset -> a LoRA fine-tune of a small model -> a dedicated endpoint serving the result.
 *  Stack config (all optional): model, hardware, maxPriceUsd, maxHourlyPriceUsd. */
export function program(): QuickstartOutputs {
  const config = new pulumi.Config();
  const model = config.get("model") ?? "Qwen/Qwen3-0.6B";
  const hardware = config.get("hardware") ?? "1x_nvidia_h100_80gb_sxm";
  // The caps fail `pulumi preview` before anything is paid for: the job's estimated price and the
  // endpoint's hourly price at its largest replica count.
  const maxPriceUsd = config.getNumber("maxPriceUsd") ?? 5;
  const maxHourlyPriceUsd = config.getNumber("maxHourlyPriceUsd") ?? 4;

  // Anchored to this file so the program runs the same from the repository root and from here.
  const dataset = new TrainingFile("helpdesk-chats", {
    source: path.join(__dirname, "data", "helpdesk-chats.jsonl"),
  });

  const job = new FineTuneJob("helpdesk-lora", {
    model,
    trainingFile: dataset.fileId,
    nEpochs: 3,
    learningRate: 0.0001,
    trainingType: { type: "lora", loraR: 16, loraAlpha: 32 },
    maxPriceUsd,
  });

  const endpoint = new DedicatedEndpoint("helpdesk", {
    // Set once the job has completed, which `up` waits for (the job's default waitFor).
    model: job.outputModelName,
    hardware,
    autoscaling: { minReplicas: 1, maxReplicas: 1 },
    // An idle endpoint still bills per minute: stop it after half an hour without requests.
    inactiveTimeoutMinutes: 30,
    maxHourlyPriceUsd,
  });

  return {
    endpointId: endpoint.endpointId,
    endpointName: endpoint.name,
    jobId: job.jobId,
    outputModelName: job.outputModelName,
    estimatedPriceUsd: job.estimatedPriceUsd,
    hourlyPriceUsd: endpoint.hourlyPriceUsd,
  };
}
