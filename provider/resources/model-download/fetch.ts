// Getting the archive onto disk: streamed under a temporary name beside the destination, renamed only once it is
// complete (a killed `up` leaves at most a `.partial` file, never a short archive under the real name), with a
// progress line like the upload's and a line whenever a dropped connection resumes or has to start over.
import * as fs from "node:fs";
import * as path from "node:path";
import type { DownloadRestart } from "../../client";
import { errorText } from "../../shared/error-text";
import type { ProviderContext } from "../../shared/types";
import { formatBytes } from "../training-file/upload";
import { partialPath } from "./disk";
import { prefix, type DownloadPlan } from "./job-facts";

/** At most one progress line per this many ms (plus the last one). */
const PROGRESS_EVERY_MS = 2_000;
/** Below these a rate says more about request latency than throughput: it is left out. */
const RATE_MIN_BYTES = 1024 * 1024;
const RATE_MIN_MS = 1_000;

export interface Fetched {
  bytes: number;
  sha256: string;
  mtimeMs: number;
}

export async function fetchArchive(
  ctx: ProviderContext,
  name: string,
  jobId: string,
  plan: DownloadPlan,
  target: string,
): Promise<Fetched> {
  const who = prefix(name);
  const what = `${jobId} ${plan.checkpoint} step ${plan.step}`;
  await fs.promises.mkdir(path.dirname(target), { recursive: true });
  const partial = partialPath(target);
  if (fs.existsSync(partial)) {
    ctx.log.info(`${who}: ${path.basename(partial)} is left from an interrupted download; starting over`);
  }
  ctx.log.info(`${who}: downloading ${what} to ${target}`);
  const started = Date.now();
  let lastLog = started;
  try {
    const r = await ctx.client().fineTunes.download({
      jobId,
      checkpoint: plan.checkpoint,
      ...(plan.checkpointStep !== undefined && { checkpointStep: plan.checkpointStep }),
      path: partial,
      onProgress: (received, total) => {
        const now = Date.now();
        if (now - lastLog < PROGRESS_EVERY_MS) return;
        lastLog = now;
        ctx.log.info(downloadLine(who, path.basename(target), received, total, now - started, false));
      },
      onRestart: (e) => ctx.log.info(restartLine(who, e)),
    });
    await fs.promises.rename(partial, target);
    ctx.log.info(downloadLine(who, path.basename(target), r.bytes, r.bytes, Date.now() - started, true));
    const stat = await fs.promises.stat(target);
    return { bytes: r.bytes, sha256: r.sha256, mtimeMs: stat.mtimeMs };
  } catch (e) {
    await fs.promises.rm(partial, { force: true });
    throw new Error(
      `${who}: downloading ${what} failed: ${errorText(e)}. Nothing was written to ${target}.`,
      {
        cause: e,
      },
    );
  }
}

function restartLine(who: string, e: DownloadRestart): string {
  if (e.type === "resume") {
    return `${who}: connection dropped; resuming at ${formatBytes(e.from)} of ${formatBytes(e.total)} (Range)`;
  }
  return `${who}: connection dropped and ${e.reason}: starting over (${formatBytes(e.discarded)} discarded)`;
}

/** `downloaded ft.tar.zst: 2.0 GiB of 2.0 GiB (100%), 812.3 MB/s` (the rate once it means something). */
export function downloadLine(
  who: string,
  fileName: string,
  received: number,
  total: number,
  elapsedMs: number,
  final: boolean,
): string {
  const pct = total > 0 ? Math.floor((received / total) * 100) : 100;
  let line =
    `${who}: ${final ? "downloaded" : "downloading"} ${fileName}: ${formatBytes(received)} of ` +
    `${formatBytes(total)} (${pct}%)`;
  if (received >= RATE_MIN_BYTES && elapsedMs >= RATE_MIN_MS) {
    const rate = received / 1e6 / (elapsedMs / 1000);
    line += `, ${rate.toFixed(rate < 10 ? 2 : 1)} MB/s`;
  }
  return line;
}
