import { program } from "./program";

const outputs = program();

export const jobId = outputs.jobId;
export const outputModelName = outputs.outputModelName;
export const estimatedPriceUsd = outputs.estimatedPriceUsd;
