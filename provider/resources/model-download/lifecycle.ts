// ModelDownload: a completed fine-tune job's weights archive on local disk. Nothing remote is created or
// deleted; the object this resource owns is the file (and, with extract, the folder) it wrote.
//
// Drift policy: the file on disk is the live object. Refresh (read) drops the resource when the file is gone and
// reports `drift` when its size or SHA-256 differ from what was downloaded; every `diff` also looks at the disk
// (size and modification time, hashing only when those moved), so a deleted or edited archive is downloaded
// again on the next `up` with or without a refresh. The extracted folder's contents are not compared.
import * as fs from "node:fs";
import { isAuthError } from "../../client";
import { authFailure } from "../../shared/auth-failure";
import { checkWithSchema } from "../../shared/check";
import { diffByTable } from "../../shared/diff";
import { errorText } from "../../shared/error-text";
import { SCHEMA_VERSION } from "../../shared/partial-failure";
import {
  containsUnknown,
  type CheckFailure,
  type CheckResult,
  type DiffResult,
  type ProviderContext,
  type ResourceLifecycle,
} from "../../shared/types";
import { destinationFailures, diskState, extractedPathOf, sha256File, statOrUndefined } from "./disk";
import { extractArchive } from "./extract";
import { fetchArchive } from "./fetch";
import { jobFacts, prefix } from "./job-facts";
import {
  MODEL_DOWNLOAD_KIND,
  modelDownloadDiffTable,
  modelDownloadInputsSchema,
  type CheckpointKind,
  type ModelDownloadCheckedInputs,
  type ModelDownloadOutputs,
} from "./schema";

const CHECKED_KEYS = [
  "logicalName",
  "jobId",
  "checkpoint",
  "checkpointStep",
  "destination",
  "destinationPath",
  "programDir",
  "extract",
] as const satisfies readonly (keyof ModelDownloadCheckedInputs)[];

function pickChecked(raw: Record<string, unknown>): ModelDownloadCheckedInputs {
  const out: Record<string, unknown> = {};
  for (const key of CHECKED_KEYS) if (raw[key] !== undefined) out[key] = raw[key];
  return out as ModelDownloadCheckedInputs;
}

async function check(
  olds: Record<string, unknown>,
  news: Record<string, unknown>,
  ctx: ProviderContext,
): Promise<CheckResult> {
  const { value, failures } = checkWithSchema(MODEL_DOWNLOAD_KIND, modelDownloadInputsSchema, news);
  if (failures.length > 0 || value === undefined) return { failures };
  const name = String(news.logicalName);
  const checked: Record<string, unknown> = { ...pickChecked(value), extract: value.extract ?? false };
  const all: CheckFailure[] = [];
  if (![value.destinationPath, value.programDir, value.destination].some(containsUnknown)) {
    const own = ownDestination(name, olds, value.destinationPath);
    all.push(...destinationFailures(name, checked as ModelDownloadCheckedInputs, own));
  }
  if (
    !containsUnknown(value.jobId) &&
    !containsUnknown(value.checkpoint) &&
    !containsUnknown(value.checkpointStep)
  ) {
    const known = await checkJob(ctx, name, pickChecked(value), olds);
    if ("failure" in known) all.push(known.failure);
    else if (known.checkpoint !== undefined) checked.checkpoint = known.checkpoint;
  }
  return all.length > 0 ? { failures: all } : { inputs: checked };
}

/**
 * Destinations a check in this provider process found to be a resource's own archive, as `name\0path`. The engine
 * checks a resource it is about to replace twice: first with the previous inputs, then, once diff has said
 * "replace", again without them (Pulumi v3.276.0, step_generator.go: "recompute the default values"), in the same
 * provider process. The second check must still know that the file in the way is the one being replaced.
 */
const ownedDestinations = new Set<string>();

/** The archive this resource owns, if any: the previous inputs' destination, or, on the engine's second check of
 *  a replacement (no previous inputs), the one the first check found. */
function ownDestination(
  name: string,
  olds: Record<string, unknown>,
  destinationPath: string,
): string | undefined {
  // check receives the previous inputs: the file at their destination is this resource's own.
  if (typeof olds.destinationPath === "string") {
    ownedDestinations.add(`${name}\0${olds.destinationPath}`);
    return olds.destinationPath;
  }
  return ownedDestinations.has(`${name}\0${destinationPath}`) ? destinationPath : undefined;
}

/**
 * At preview the job may already be known: a failed or missing job, a kind its training type does not have or a
 * step without a checkpoint fail here. A job still training passes (it may complete before the download runs);
 * Together being unreachable only defers the checks to create.
 */
async function checkJob(
  ctx: ProviderContext,
  name: string,
  value: { jobId: string; checkpoint?: CheckpointKind; checkpointStep?: number },
  olds: Record<string, unknown>,
): Promise<{ failure: CheckFailure } | { checkpoint?: CheckpointKind }> {
  try {
    const facts = await jobFacts(ctx, name, value);
    if ("failure" in facts) return facts;
    if ("plan" in facts) return { checkpoint: facts.plan.checkpoint };
  } catch (e) {
    if (isAuthError(e)) return { failure: authFailure(prefix(name), e) };
    ctx.log.warn(
      `${prefix(name)}: could not read job ${value.jobId} (${errorText(e)}); it is checked at create.`,
    );
  }
  // The default kind depends on the job: without it, keep what the same job resolved to before.
  if (value.checkpoint === undefined && olds.jobId === value.jobId && typeof olds.checkpoint === "string") {
    return { checkpoint: olds.checkpoint as CheckpointKind };
  }
  return {};
}

/**
 * Archives a diff in this provider process found edited on disk and so replaces (delete, then download again):
 * the delete that comes first must not say the edit stays, since the download overwrites it right after. A
 * `pulumi destroy` runs no diff, so there an edited archive is left in place.
 */
const redownloading = new Set<string>();

async function diff(
  _id: string,
  olds: Record<string, unknown>,
  news: Record<string, unknown>,
): Promise<DiffResult> {
  const result = diffByTable(modelDownloadDiffTable, olds, news, { deleteBeforeReplace: true });
  if (result.replaces !== undefined || typeof olds.path !== "string") return result;
  const drift = await driftOf(olds);
  if (drift === undefined) return result;
  redownloading.add(olds.path);
  return { changes: true, replaces: ["sha256"], deleteBeforeReplace: true };
}

/** Why the archive in state is no longer the one downloaded, if it is not. */
async function driftOf(olds: Record<string, unknown>): Promise<string | undefined> {
  if (typeof olds.drift === "string") return olds.drift;
  const state = await diskState(olds.path as string, {
    bytes: olds.bytes as number,
    sha256: olds.sha256 as string,
    ...(typeof olds.mtimeMs === "number" && { mtimeMs: olds.mtimeMs }),
  });
  if (state.kind === "missing") return "deleted";
  return state.kind === "changed" ? state.why : undefined;
}

async function create(
  raw: Record<string, unknown>,
  ctx: ProviderContext,
): Promise<{ id: string; outs: Record<string, unknown> }> {
  const inputs = pickChecked(raw);
  const name = inputs.logicalName;
  // Whether somebody else's file is in the way was checked at check (which knew the state); here the file may be
  // this resource's own, edited behind its back, which the download replaces.
  const failures = destinationFailures(name, inputs, inputs.destinationPath);
  const facts = await jobFacts(ctx, name, inputs);
  if ("pending" in facts) {
    throw new Error(
      `${prefix(name)}: jobId = ${inputs.jobId} is ${facts.pending}, not completed: there are no weights to ` +
        'download yet. Fix: let the FineTuneJob wait for completion (waitFor: "completed", its default), ' +
        "then run pulumi up again.",
    );
  }
  if ("failure" in facts) failures.push(facts.failure);
  if (failures.length > 0 || !("plan" in facts)) throw new Error(failures.map((f) => f.reason).join("\n"));
  const plan = facts.plan;
  const target = inputs.destinationPath;
  const fetched = await fetchArchive(ctx, name, inputs.jobId, plan, target);
  const outs: ModelDownloadOutputs = {
    ...inputs,
    checkpoint: plan.checkpoint,
    path: target,
    bytes: fetched.bytes,
    sha256: fetched.sha256,
    step: plan.step,
    mtimeMs: fetched.mtimeMs,
    schemaVersion: SCHEMA_VERSION,
  };
  if (inputs.extract) outs.extractedPath = await extractArchive(ctx, name, target, extractedPathOf(target));
  return { id: `${inputs.jobId}/${plan.checkpoint}/${plan.step}`, outs };
}

async function read(
  id: string,
  props: Record<string, unknown>,
): Promise<{ id: string; props?: Record<string, unknown> }> {
  const p = props.path;
  if (typeof p !== "string") return { id, props };
  const stat = statOrUndefined(p);
  if (stat === undefined || !stat.isFile()) return { id: "" };
  // A refresh compares the content itself, not just the size and time.
  const state = await diskState(p, { bytes: props.bytes as number, sha256: props.sha256 as string });
  const refreshed: Record<string, unknown> = { ...props, schemaVersion: SCHEMA_VERSION };
  delete refreshed.drift;
  if (state.kind === "changed") refreshed.drift = state.why;
  return { id, props: refreshed };
}

async function update(
  _id: string,
  olds: Record<string, unknown>,
  news: Record<string, unknown>,
): Promise<{ outs: Record<string, unknown> }> {
  // Only where the program directory is recorded changed (the files moved with it).
  const inputs = pickChecked(news);
  const outs: Record<string, unknown> = { ...olds, ...inputs, path: inputs.destinationPath };
  if (typeof olds.extractedPath === "string") outs.extractedPath = extractedPathOf(inputs.destinationPath);
  const stat = statOrUndefined(inputs.destinationPath);
  if (stat !== undefined) outs.mtimeMs = stat.mtimeMs;
  return { outs };
}

/** Removes the archive (and folder) this resource wrote; a file edited since is somebody's work and stays. */
async function remove(_id: string, props: Record<string, unknown>, ctx: ProviderContext): Promise<void> {
  const p = props.path;
  if (typeof p !== "string") return;
  const who = prefix(String(props.logicalName));
  if (typeof props.extractedPath === "string") {
    await fs.promises.rm(props.extractedPath, { recursive: true, force: true });
  }
  const stat = statOrUndefined(p);
  if (stat === undefined) return;
  const ours = stat.isFile() && stat.size === props.bytes && (await sha256File(p)) === props.sha256;
  if (!ours) {
    if (redownloading.delete(p)) {
      ctx.log.warn(`${who}: ${p} changed since it was downloaded; the archive is downloaded again over it.`);
    } else ctx.log.warn(`${who}: ${p} changed since it was downloaded; it was left in place.`);
    return;
  }
  await fs.promises.rm(p, { force: true });
}

export const lifecycle: ResourceLifecycle = {
  check,
  diff,
  create,
  read,
  update,
  delete: remove,
};
