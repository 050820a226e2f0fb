import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { DedicatedEndpoint, FineTuneJob, TrainingFile } from "pulumi-together";

export type PerBranchOutputs = {
  stack: string;
  endpointId: pulumi.Output<string>;
  endpointName: pulumi.Output<string>;
  endpointState: pulumi.Output<string>;
  jobId: pulumi.Output<string>;
  outputModelName: pulumi.Output<string | undefined>;
  estimatedPriceUsd: pulumi.Output<number | undefined>;
  hourlyPriceUsd: pulumi.Output<number>;
};

/** The cheapest hardware offered: branch stacks exist to check that the pipeline works end to end. */
export const BRANCH_HARDWARE = "1x_nvidia_l40s_48gb_pcie";
export const PROD_HARDWARE = "1x_nvidia_h100_80gb_sxm";

type EndpointState = "STARTED" | "STOPPED";

function endpointState(value: string | undefined, fallback: EndpointState): EndpointState {
  if (value === undefined) return fallback;
  if (value === "STARTED" || value === "STOPPED") return value;
  throw new Error(`config "state" is ${JSON.stringify(value)}: use STARTED or STOPPED`);
}

/** One stack per branch (`prod` for main). Everything that costs money depends on the stack: outside
 *  `prod` the job trains one epoch under a lower price cap, and the endpoint uses the smallest hardware,
 *  is created STOPPED (no billing) and auto-stops after 15 idle minutes once started. Each of these
 *  can be overridden per stack: hardware, state, inactiveTimeoutMinutes, nEpochs, maxPriceUsd,
 *  maxHourlyPriceUsd. */
export function program(): PerBranchOutputs {
  const stack = pulumi.getStack();
  const isProd = stack === "prod";
  const config = new pulumi.Config();
  // Together names (job suffix, endpoint display name) carry the stack so branches never collide.
  const slug = stack
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, "-")
    .slice(0, 40);

  const dataset = new TrainingFile("release-notes-dataset", {
    source: path.join(__dirname, "data", "release-notes.jsonl"),
  });

  const job = new FineTuneJob("release-notes-lora", {
    model: config.get("model") ?? "Qwen/Qwen3-0.6B",
    trainingFile: dataset.fileId,
    suffix: `rn-${slug}`,
    nEpochs: config.getNumber("nEpochs") ?? (isProd ? 3 : 1),
    trainingType: { type: "lora" },
    maxPriceUsd: config.getNumber("maxPriceUsd") ?? (isProd ? 10 : 2),
  });

  const endpoint = new DedicatedEndpoint("release-notes", {
    // Set once the job has completed, which `up` waits for (the job's default waitFor).
    model: job.outputModelName,
    hardware: config.get("hardware") ?? (isProd ? PROD_HARDWARE : BRANCH_HARDWARE),
    displayName: `release-notes-${slug}`,
    state: endpointState(config.get("state"), isProd ? "STARTED" : "STOPPED"),
    inactiveTimeoutMinutes: config.getNumber("inactiveTimeoutMinutes") ?? (isProd ? 0 : 15),
    autoscaling: { minReplicas: 1, maxReplicas: isProd ? 2 : 1 },
    maxHourlyPriceUsd: config.getNumber("maxHourlyPriceUsd") ?? (isProd ? 8 : 3),
  });

  return {
    stack,
    endpointId: endpoint.endpointId,
    endpointName: endpoint.name,
    endpointState: endpoint.state,
    jobId: job.jobId,
    outputModelName: job.outputModelName,
    estimatedPriceUsd: job.estimatedPriceUsd,
    hourlyPriceUsd: endpoint.hourlyPriceUsd,
  };
}
