// Reports keyed by the file's identity and the options, so an unchanged multi-GB file is read once, not at
// every preview. Cache trouble never fails a check: a broken or unwritable cache just means re-reading.
import { createHash } from "node:crypto";
import { promises as fs } from "node:fs";
import * as path from "node:path";
import { VALIDATOR_VERSION } from "./limits";
import { type FileReport } from "./types";

export interface CacheKey {
  realpath: string;
  size: number;
  mtimeMs: number;
  ctimeMs: number;
  ino: number;
  purpose: string;
  check: boolean;
  maxErrors: number;
}

export function cacheEntryPath(dir: string, key: CacheKey): string {
  const digest = createHash("sha256")
    .update(JSON.stringify({ version: VALIDATOR_VERSION, ...key }))
    .digest("hex");
  return path.join(dir, `${digest.slice(0, 40)}.json`);
}

export async function readCachedReport(entry: string): Promise<FileReport | undefined> {
  try {
    // A folder others can write to (made by someone else, or loosened since) is not trusted.
    const dir = await fs.stat(path.dirname(entry));
    if ((dir.mode & 0o022) !== 0 || (process.getuid !== undefined && dir.uid !== process.getuid()))
      return undefined;
    const parsed = JSON.parse(await fs.readFile(entry, "utf8")) as unknown;
    return isReport(parsed) ? parsed : undefined;
  } catch {
    return undefined;
  }
}

export async function writeCachedReport(entry: string, report: FileReport): Promise<void> {
  const tmp = `${entry}.${process.pid}.${Date.now()}.tmp`;
  try {
    await fs.mkdir(path.dirname(entry), { recursive: true, mode: 0o700 });
    await fs.chmod(path.dirname(entry), 0o700);
    await fs.writeFile(tmp, JSON.stringify(report), { mode: 0o600 });
    await fs.rename(tmp, entry);
  } catch {
    await fs.rm(tmp, { force: true }).catch(() => undefined);
  }
}

function isReport(value: unknown): value is FileReport {
  if (typeof value !== "object" || value === null) return false;
  const r = value as Partial<FileReport>;
  return (
    typeof r.ok === "boolean" &&
    typeof r.sha256 === "string" &&
    typeof r.bytes === "number" &&
    typeof r.numSamples === "number" &&
    typeof r.omittedErrors === "number" &&
    Array.isArray(r.errors)
  );
}
