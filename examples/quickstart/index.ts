import { program } from "./program";

const outputs = program();

export const endpointId = outputs.endpointId;
/** The string to pass as `model` to Together's chat completions API. */
export const endpointName = outputs.endpointName;
export const jobId = outputs.jobId;
export const outputModelName = outputs.outputModelName;
export const estimatedPriceUsd = outputs.estimatedPriceUsd;
export const hourlyPriceUsd = outputs.hourlyPriceUsd;
