// Where a download may go and what is on disk there: inside the program directory, writable, not somebody
// else's file; written under a temporary name beside it and renamed when complete; and later, whether the file
// is still the one downloaded (drift).
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import type { CheckFailure } from "../../shared/types";
import { prefix } from "./job-facts";

/** The temporary name a download is written under: hidden, beside the target, and plainly not the archive. */
export function partialPath(target: string): string {
  return path.join(path.dirname(target), `.${path.basename(target)}.partial`);
}

/** The folder `extract: true` unpacks into: the archive's name without `.tar.zst` (or with `.d` added). */
export function extractedPathOf(target: string): string {
  const stripped = target.replace(/\.tar\.zst$|\.tar\.zstd$|\.tzst$/i, "");
  return stripped === target ? `${target}.d` : stripped;
}

/**
 * Failures of a destination that can be known before anything runs: outside the program directory, a folder, a
 * file this resource did not write (`ownPath`: the archive in state, if any), or in a folder that cannot be
 * written.
 */
export function destinationFailures(
  name: string,
  inputs: { destination: string; destinationPath: string; programDir: string; extract: boolean },
  ownPath: string | undefined,
): CheckFailure[] {
  const who = prefix(name);
  const { destination, destinationPath: target, programDir } = inputs;
  const rel = path.relative(programDir, target);
  if (rel === "" || rel.startsWith("..") || path.isAbsolute(rel)) {
    return [
      {
        property: "destination",
        reason:
          `${who}: destination = ${JSON.stringify(destination)}: resolves to ${target}, outside the program ` +
          `directory ${programDir}. Fix: use a path inside it, e.g. "models/${path.basename(target) || "model.tar.zst"}".`,
      },
    ];
  }
  const failures: CheckFailure[] = [];
  const taken = (p: string, what: string): void => {
    failures.push({
      property: "destination",
      reason:
        `${who}: destination = ${JSON.stringify(destination)}: ${p} already exists and was not made by this ` +
        `resource (${what}). Fix: move it away, or choose another destination.`,
    });
  };
  const stat = statOrUndefined(target);
  if (stat?.isDirectory()) taken(target, "a folder");
  else if (stat !== undefined && ownPath !== target) taken(target, "a file");
  if (inputs.extract) {
    const folder = extractedPathOf(target);
    if (statOrUndefined(folder) !== undefined && ownPath !== target)
      taken(folder, "the folder extract unpacks into");
  }
  const writable = nearestExisting(path.dirname(target));
  try {
    fs.accessSync(writable, fs.constants.W_OK);
    if (!fs.statSync(writable).isDirectory()) throw new Error("not a folder");
  } catch {
    failures.push({
      property: "destination",
      reason:
        `${who}: destination = ${JSON.stringify(destination)}: ${writable} is not a folder this user can write. ` +
        "Fix: choose a destination in a writable folder of the program directory.",
    });
  }
  return failures;
}

function nearestExisting(dir: string): string {
  let d = dir;
  while (!fs.existsSync(d) && path.dirname(d) !== d) d = path.dirname(d);
  return d;
}

export function statOrUndefined(p: string): fs.Stats | undefined {
  try {
    return fs.statSync(p);
  } catch {
    return undefined;
  }
}

export async function sha256File(p: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of fs.createReadStream(p, { highWaterMark: 1024 * 1024 }))
    hash.update(chunk as Buffer);
  return hash.digest("hex");
}

export type DiskState = { kind: "intact" } | { kind: "missing" } | { kind: "changed"; why: string };

/**
 * Whether the archive at `p` is still the one downloaded. Size first; an unchanged size and modification time is
 * taken as intact (hashing gigabytes at every preview would be slow); otherwise the content is hashed.
 */
export async function diskState(
  p: string,
  recorded: { bytes: number; sha256: string; mtimeMs?: number },
): Promise<DiskState> {
  const stat = statOrUndefined(p);
  if (stat === undefined || !stat.isFile()) return { kind: "missing" };
  if (stat.size !== recorded.bytes) {
    return { kind: "changed", why: `${stat.size} bytes on disk, ${recorded.bytes} downloaded` };
  }
  if (recorded.mtimeMs !== undefined && stat.mtimeMs === recorded.mtimeMs) return { kind: "intact" };
  const sha = await sha256File(p);
  return sha === recorded.sha256
    ? { kind: "intact" }
    : {
        kind: "changed",
        why: `content on disk has SHA-256 ${sha.slice(0, 12)}…, downloaded ${recorded.sha256.slice(0, 12)}…`,
      };
}
