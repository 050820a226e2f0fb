import { program } from "./program";

const outputs = program();

export const baseJobId = outputs.baseJobId;
export const baseModelName = outputs.baseModelName;
export const followupJobId = outputs.followupJobId;
export const followupModelName = outputs.followupModelName;
export const totalEstimatedPriceUsd = outputs.totalEstimatedPriceUsd;
