// Getting a dataset onto Together: stream it up, then wait for Together's own validation. A file
// Together rejects is deleted again, so a failed create leaves nothing behind.
import * as fs from "node:fs";
import { isAmbiguousCreate, isNotFound, type WireFile } from "../../client";
import type { ProviderContext } from "../../shared/types";
import { isWaitFailed, waitFor } from "../../shared/wait";
import { PartialFailureError } from "../../shared/partial-failure";
import { prefix } from "./inspect-source";
import type { TrainingFileCheckedInputs } from "./schema";
import { outputsFor } from "./outputs";
import { errorText } from "../../shared/error-text";

/** Together's validation of a large file takes minutes; past this the file is kept and the next up resumes. */
export const PROCESSING_TIMEOUT_MS = 30 * 60_000;
/** At most one progress line per this many ms (plus the last one). */
const PROGRESS_EVERY_MS = 2_000;

const PROCESSING_DONE = new Set(["COMPLETED"]);
const PROCESSING_FAILED = new Set(["FAILED", "INVALID_FORMAT"]);

/** Together is still validating the file (PENDING, QUEUED, RUNNING, or a state we do not know yet). */
export function isProcessingPending(status: string): boolean {
  return !PROCESSING_DONE.has(status) && !PROCESSING_FAILED.has(status);
}

/** `onFileId`: told the id as soon as Together assigns it, before the bytes are sent. */
export async function uploadFile(
  inputs: TrainingFileCheckedInputs,
  ctx: ProviderContext,
  onFileId?: (fileId: string) => Promise<void>,
): Promise<WireFile> {
  const who = prefix(inputs.logicalName);
  const size = (await fs.promises.stat(inputs.sourcePath)).size;
  // The file was hashed and validated in check(); a different size means it changed since.
  if (size !== inputs.bytes) {
    throw new Error(
      `${who}: ${inputs.source} changed while the update ran (${inputs.bytes} bytes when checked, ${size} now). ` +
        `Fix: run the update again once the file is final.`,
    );
  }
  const client = ctx.client();
  const progress = progressLogger(who, inputs.fileName, ctx);
  ctx.log.info(`${who}: uploading ${inputs.fileName} (${formatBytes(inputs.bytes)})`);
  try {
    const file = await client.files.upload({
      path: inputs.sourcePath,
      fileName: inputs.fileName,
      purpose: inputs.purpose,
      fileType: inputs.fileType,
      onProgress: progress,
      ...(onFileId !== undefined && { onFileId }),
    });
    progress(inputs.bytes, inputs.bytes, true);
    return file;
  } catch (e) {
    // Once it knew the file id, the client aborted the multipart upload or deleted the half-made file.
    // Without an id (the request that creates it failed ambiguously) the empty file is ours to find.
    const cleanup = isAmbiguousCreate(e) ? await removeEmptyNamesakes(inputs, ctx) : "";
    throw new Error(`${who}: uploading ${inputs.fileName} failed: ${errorText(e)}${cleanup}`, {
      cause: e,
    });
  }
}

/** Deletes files the failed request may have created: same name and purpose, and no bytes yet (an
 *  upload that never started). Returns the sentences that end the error message: what exists now. */
async function removeEmptyNamesakes(
  inputs: TrainingFileCheckedInputs,
  ctx: ProviderContext,
): Promise<string> {
  let files: WireFile[];
  try {
    files = await ctx.client().files.list();
  } catch (e) {
    return (
      `. Together may hold an empty file named ${inputs.fileName} from this attempt (listing files to remove it ` +
      `failed: ${errorText(e)}); delete it with the Together CLI if so`
    );
  }
  const strays = files.filter(
    (f) => f.filename === inputs.fileName && f.purpose === inputs.purpose && f.bytes === 0 && !f.Processed,
  );
  for (const f of strays) await deleteQuietly(f.id, ctx);
  if (strays.length === 0) {
    return `. No file from this attempt exists on Together; nothing was created. Fix: run pulumi up again.`;
  }
  return `. The empty file it created (${strays.map((f) => f.id).join(", ")}) was deleted`;
}

/** The file if Together holds all of it and has not rejected it (for resuming an interrupted create; one
 *  interrupted mid-upload is incomplete and cannot be filled any more). */
export async function usableFile(
  id: string,
  inputs: TrainingFileCheckedInputs,
  ctx: ProviderContext,
): Promise<WireFile | undefined> {
  let file: WireFile;
  try {
    file = await ctx.client().files.get(id);
  } catch (e) {
    if (isNotFound(e)) return undefined;
    throw e;
  }
  const rejected = file.processing_status != null && PROCESSING_FAILED.has(file.processing_status);
  return rejected || file.bytes !== inputs.bytes ? undefined : file;
}

/** Waits until Together has validated the file. `owned`: delete the file if Together rejects it. */
export async function awaitProcessing(
  file: WireFile,
  inputs: TrainingFileCheckedInputs,
  ctx: ProviderContext,
  owned: boolean,
): Promise<WireFile> {
  if (file.processing_status == null || PROCESSING_DONE.has(file.processing_status)) return file;
  const who = prefix(inputs.logicalName);
  const client = ctx.client();
  let last = file;
  try {
    return await waitFor<WireFile>({
      what: `Together to validate ${inputs.fileName} (${file.id})`,
      poll: async () => (last = await client.files.get(file.id)),
      done: (f) => f.processing_status == null || PROCESSING_DONE.has(f.processing_status),
      failed: (f) =>
        f.processing_status != null && PROCESSING_FAILED.has(f.processing_status)
          ? (f.validation_report?.error ?? `processing status ${f.processing_status}`)
          : undefined,
      describe: (f) => `processing status ${f.processing_status ?? "unknown"}`,
      timeoutMs: PROCESSING_TIMEOUT_MS,
      timeScale: ctx.timeScale,
    });
  } catch (e) {
    if (isWaitFailed(e)) {
      if (owned) await deleteQuietly(file.id, ctx);
      const fate = owned ? "The file was deleted" : "The file was left as it is";
      throw new Error(
        `${who}: Together rejected ${inputs.fileName} (${file.id}): ${e.reason}. ${fate}. ` +
          `Fix: correct the dataset (run \`pulumi-together check ${inputs.source}\`) and run the update again.`,
        { cause: e },
      );
    }
    // The file exists and may still pass: keep it in state so the next up does not upload a second copy.
    throw new PartialFailureError(file.id, outputsFor(inputs, last), [`${who}: ${errorText(e)}`]);
  }
}

export async function deleteQuietly(id: string, ctx: ProviderContext): Promise<void> {
  try {
    await ctx.client().files.delete(id);
  } catch (e) {
    if (!isNotFound(e)) ctx.log.warn(`could not delete file ${id}: ${errorText(e)}`);
  }
}

function progressLogger(
  who: string,
  fileName: string,
  ctx: ProviderContext,
): (sent: number, total: number, final?: boolean) => void {
  const started = Date.now();
  let lastLog = started;
  let finished = false;
  return (sent, total, final = false) => {
    const now = Date.now();
    if (finished || (!final && now - lastLog < PROGRESS_EVERY_MS)) return;
    lastLog = now;
    finished = final;
    ctx.log.info(uploadLine(who, fileName, sent, total, now - started, final));
  };
}

/** Below these a rate says more about request latency than throughput: it is left out. */
const RATE_MIN_BYTES = 1024 * 1024;
const RATE_MIN_MS = 1_000;

/** `uploaded a.jsonl: 15.0 KiB of 15.0 KiB (100%)`, with `, 42.0 MB/s` once a rate means something. */
export function uploadLine(
  who: string,
  fileName: string,
  sent: number,
  total: number,
  elapsedMs: number,
  final: boolean,
): string {
  const pct = total > 0 ? Math.floor((sent / total) * 100) : 100;
  let line =
    `${who}: ${final ? "uploaded" : "uploading"} ${fileName}: ${formatBytes(sent)} of ${formatBytes(total)} ` +
    `(${pct}%)`;
  if (sent >= RATE_MIN_BYTES && elapsedMs >= RATE_MIN_MS) {
    const rate = sent / 1e6 / (elapsedMs / 1000);
    line += `, ${rate.toFixed(rate < 10 ? 2 : 1)} MB/s`;
  }
  return line;
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ["KiB", "MiB", "GiB", "TiB"];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(1)} ${units[i]}`;
}
