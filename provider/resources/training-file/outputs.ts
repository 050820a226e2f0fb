// TrainingFile outputs: every checked input echoed plus what Together reports. Never undefined
// (the dynamic-provider server rejects it): optional facts are absent instead.
import type { WireFile } from "../../client";
import { SCHEMA_VERSION } from "../../shared/partial-failure";
import type { TrainingFileCheckedInputs, TrainingFileOutputs } from "./schema";

const CHECKED_KEYS = [
  "logicalName",
  "pulumiProject",
  "pulumiStack",
  "source",
  "sourcePath",
  "fileName",
  "purpose",
  "check",
  "sourceHash",
  "adoptFileId",
  "sha256",
  "bytes",
  "fileType",
  "format",
  "numSamples",
] as const satisfies readonly (keyof TrainingFileCheckedInputs)[];

/** Only the known keys: engine-added fields such as `__provider` are the server's business. */
export function pickChecked(inputs: Record<string, unknown>): TrainingFileCheckedInputs {
  const out: Record<string, unknown> = {};
  for (const key of CHECKED_KEYS) if (inputs[key] !== undefined) out[key] = inputs[key];
  return out as TrainingFileCheckedInputs;
}

export function outputsFor(inputs: TrainingFileCheckedInputs, file: WireFile): TrainingFileOutputs {
  const outs: TrainingFileOutputs = {
    ...pickChecked(inputs),
    fileId: file.id,
    createdAt: new Date(file.created_at * 1000).toISOString(),
    schemaVersion: SCHEMA_VERSION,
  };
  if (file.processing_status != null) outs.processingStatus = file.processing_status;
  return outs;
}
