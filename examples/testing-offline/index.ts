import { program } from "./program";

const outputs = program();

export const fileId = outputs.fileId;
export const jobId = outputs.jobId;
export const outputModelName = outputs.outputModelName;
