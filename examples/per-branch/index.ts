import { program } from "./program";

const outputs = program();

export const stack = outputs.stack;
export const endpointId = outputs.endpointId;
export const endpointName = outputs.endpointName;
export const endpointState = outputs.endpointState;
export const jobId = outputs.jobId;
export const outputModelName = outputs.outputModelName;
export const estimatedPriceUsd = outputs.estimatedPriceUsd;
export const hourlyPriceUsd = outputs.hourlyPriceUsd;
