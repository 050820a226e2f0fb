import { program } from "./program";

const outputs = program();

export const jobId = outputs.jobId;
/** Usable for serverless LoRA inference, or as the model of a DedicatedEndpoint. */
export const outputModelName = outputs.outputModelName;
export const estimatedPriceUsd = outputs.estimatedPriceUsd;
