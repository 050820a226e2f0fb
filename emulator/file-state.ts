// When a file's processing outcome becomes visible: the streaming check runs in real time, but the
// result only shows once a minimum emulated processing time has passed, like the real pipeline's queue.
import type { FileRecord } from "./store";

export const MIN_PROCESSING_MS = 5_000;
export const QUEUED_MS = 1_000;

export function processingState(file: FileRecord, now: number): "pending" | "valid" | "invalid" {
  const p = file.processing;
  if (!p?.result || p.resultAt === undefined) return "pending";
  if (now < Math.max(p.resultAt, p.startedAt + MIN_PROCESSING_MS)) return "pending";
  return p.result.valid ? "valid" : "invalid";
}
