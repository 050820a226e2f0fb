// TrainingFile: a local dataset as a Together file. Together files are immutable, so every change
// to what was uploaded (content, name, purpose) is a replacement; everything else is bookkeeping.
//
// Drift policy (read): `bytes` and `processingStatus` come from Together; every other field is ours
// (inputs echoed, local hash) and keeps its last-applied value. A file deleted behind our back is
// dropped from state, and the next up uploads it again.
import * as path from "node:path";
import { isNotFound, type WireFile } from "../../client";
import { checkWithSchema } from "../../shared/check";
import { createOnce } from "../../shared/create-journal";
import { diffByTable } from "../../shared/diff";
import { SCHEMA_VERSION } from "../../shared/partial-failure";
import {
  containsUnknown,
  isUnknown,
  UNKNOWN,
  type ProviderContext,
  type ResourceLifecycle,
} from "../../shared/types";
import { inspectSource, prefix, UNKNOWN_CONTENT } from "./inspect-source";
import { outputsFor, pickChecked } from "./outputs";
import {
  DEFAULT_PURPOSE,
  TRAINING_FILE_KIND,
  trainingFileDiffTable,
  trainingFileInputsSchema,
  type TrainingFileCheckedInputs,
} from "./schema";
import { awaitProcessing, isProcessingPending, uploadFile, usableFile } from "./upload";
import { carriesMark, markedFileName } from "./file-mark";
import { orphanFiles } from "./orphans";
import { stateInputsOf } from "../../shared/deployment-memory";
import { ownerOf, type Owner } from "../../shared/owner";

async function check(
  olds: Record<string, unknown>,
  news: Record<string, unknown>,
): Promise<{ inputs?: Record<string, unknown>; failures?: { property: string; reason: string }[] }> {
  const { failures } = checkWithSchema(TRAINING_FILE_KIND, trainingFileInputsSchema, news);
  if (failures.length > 0) return { failures };

  const logicalName = news.logicalName as string;
  const sourcePath = news.sourcePath as string;
  const checked: Record<string, unknown> = {
    logicalName,
    ...(news.pulumiProject !== undefined && { pulumiProject: news.pulumiProject }),
    ...(news.pulumiStack !== undefined && { pulumiStack: news.pulumiStack }),
    source: news.source,
    sourcePath,
    // Without a fileName the upload's name is derived from the content below; until then it is not known.
    fileName: news.fileName ?? UNKNOWN,
    purpose: news.purpose ?? DEFAULT_PURPOSE,
    check: news.check ?? true,
  };
  if (news.sourceHash !== undefined) {
    checked.sourceHash = isUnknown(news.sourceHash)
      ? news.sourceHash
      : (news.sourceHash as string).toLowerCase();
  }
  if (news.adoptFileId !== undefined) checked.adoptFileId = news.adoptFileId;

  // In preview the path (or how to read it) may be another resource's unknown output: the content is
  // then unknown too, and diff reports a possible replacement.
  if ([sourcePath, checked.purpose, checked.check, checked.sourceHash].some(containsUnknown)) {
    return { inputs: { ...checked, ...UNKNOWN_CONTENT } };
  }
  const request = {
    logicalName,
    source: news.source as string,
    sourcePath,
    purpose: checked.purpose as TrainingFileCheckedInputs["purpose"],
    check: checked.check as boolean,
    ...(checked.sourceHash !== undefined && { sourceHash: checked.sourceHash as string }),
  };
  const inspected = await inspectSource(request);
  if (inspected.failures.length > 0 || inspected.facts === undefined) return { failures: inspected.failures };
  if (news.fileName === undefined) checked.fileName = defaultFileName(olds, news, inspected.facts.sha256);
  return { inputs: { ...checked, ...inspected.facts } };
}

/**
 * The upload's name when the program sets none: marked with whose file it is and what it holds (file-mark.ts).
 * A file in state under another default name (an earlier version's base name) keeps it while its content is
 * unchanged: a new default alone must not replace the file, and with it the job trained on it.
 */
function defaultFileName(
  olds: Record<string, unknown>,
  news: Record<string, unknown>,
  sha256: string,
): string {
  if (typeof olds.fileName === "string" && olds.sha256 === sha256) return olds.fileName;
  return markedFileName(ownerOf(news), sha256, path.basename(news.sourcePath as string));
}

async function diff(
  id: string,
  olds: Record<string, unknown>,
  news: Record<string, unknown>,
): Promise<{ changes: boolean; replaces?: string[] }> {
  const result = diffByTable(trainingFileDiffTable, olds, news);
  const adopt = news.adoptFileId;
  const current = typeof olds.fileId === "string" ? olds.fileId : id;
  if (adopt !== undefined && (isUnknown(adopt) || adopt !== current)) {
    return { changes: true, replaces: [...(result.replaces ?? []), "adoptFileId"] };
  }
  if (adopt === current && result.replaces !== undefined) {
    // A replacement would "adopt" the very file it is about to delete.
    throw new Error(
      `${prefix(String(news.logicalName))}: ${result.replaces.join(", ")} changed, which needs a new upload, but ` +
        `adoptFileId still names the current file ${current}. Fix: remove adoptFileId (the file is managed ` +
        `already); the new content is then uploaded and ${current} deleted.`,
    );
  }
  return result;
}

async function create(
  raw: Record<string, unknown>,
  ctx: ProviderContext,
): Promise<{ id: string; outs: Record<string, unknown> }> {
  const inputs = pickChecked(raw);
  if (inputs.adoptFileId !== undefined) {
    const file = await adopt(inputs.adoptFileId, inputs, ctx);
    return { id: file.id, outs: outputsFor(inputs, file) };
  }
  const owner = ownerOf(raw);
  const identity = { sha256: inputs.sha256, fileName: inputs.fileName, purpose: inputs.purpose };
  return createOnce(
    ctx,
    { kind: TRAINING_FILE_KIND, owner, identity, who: prefix(inputs.logicalName) },
    {
      findUsable: (id) => usableFile(id, inputs, ctx),
      ...(orphansFindable(owner, inputs) && { findOrphans: () => orphanFiles(inputs, ctx) }),
      create: (progress) => uploadFile(inputs, ctx, (id) => progress.exists(id)),
      finish: async (uploaded) => {
        const file = await awaitProcessing(uploaded, inputs, ctx, true);
        return { id: file.id, outs: outputsFor(inputs, file) };
      },
    },
  );
}

/**
 * Together can tell this resource's orphans apart only by their name: the default one, marked with the owner and
 * content. A replacement whose upload would carry the very name of the file in state (`--replace`) cannot tell
 * the old file from an orphan, so it uploads anew.
 */
function orphansFindable(owner: Owner, inputs: TrainingFileCheckedInputs): boolean {
  if (!carriesMark(inputs.fileName, owner, inputs.sha256)) return false;
  const old = stateInputsOf(TRAINING_FILE_KIND, owner);
  return old === undefined || old.fileName !== inputs.fileName || old.purpose !== inputs.purpose;
}

async function adopt(
  fileId: string,
  inputs: TrainingFileCheckedInputs,
  ctx: ProviderContext,
): Promise<WireFile> {
  const who = prefix(inputs.logicalName);
  let file: WireFile;
  try {
    file = await ctx.client().files.get(fileId);
  } catch (e) {
    if (isNotFound(e)) {
      throw new Error(
        `${who}: adoptFileId = ${fileId}: no such file on Together. Fix: use an id from the Together file list ` +
          `(\`together files list\`), or remove adoptFileId to upload ${inputs.source}.`,
        { cause: e },
      );
    }
    throw e;
  }
  if (file.bytes !== inputs.bytes) {
    throw new Error(
      `${who}: adoptFileId = ${fileId} has ${file.bytes} bytes but source ${inputs.source} has ${inputs.bytes}: ` +
        `they are not the same dataset. Fix: point source at the file that was uploaded as ${fileId}, or remove ` +
        `adoptFileId to upload ${inputs.source} as a new file.`,
    );
  }
  if (file.purpose !== inputs.purpose) {
    throw new Error(
      `${who}: adoptFileId = ${fileId} has purpose "${file.purpose}" but purpose is "${inputs.purpose}". ` +
        `Fix: set purpose to "${file.purpose}", or remove adoptFileId to upload a new file.`,
    );
  }
  if (file.filename !== inputs.fileName) {
    ctx.log.warn(
      `${who}: adopted ${fileId} is named "${file.filename}" on Together; state records fileName ` +
        `"${inputs.fileName}" (set fileName to "${file.filename}" to make them agree).`,
    );
  }
  ctx.log.info(`${who}: adopted ${fileId} (${file.filename}, ${file.bytes} bytes)`);
  return awaitProcessing(file, inputs, ctx, false);
}

async function read(
  id: string,
  props: Record<string, unknown>,
  ctx: ProviderContext,
): Promise<{ id: string; props?: Record<string, unknown> }> {
  let file: WireFile;
  try {
    file = await ctx.client().files.get(id);
  } catch (e) {
    if (isNotFound(e)) return { id: "" };
    throw e;
  }
  const refreshed: Record<string, unknown> = { ...props, bytes: file.bytes, schemaVersion: SCHEMA_VERSION };
  if (file.processing_status != null) refreshed.processingStatus = file.processing_status;
  return { id, props: refreshed };
}

async function update(
  id: string,
  olds: Record<string, unknown>,
  news: Record<string, unknown>,
  ctx: ProviderContext,
): Promise<{ outs: Record<string, unknown> }> {
  const inputs = pickChecked(news);
  // A create that timed out waiting for Together's validation left the file in state: resume the wait.
  if (typeof olds.processingStatus === "string" && isProcessingPending(olds.processingStatus)) {
    const file = await awaitProcessing(await ctx.client().files.get(id), inputs, ctx, false);
    return { outs: outputsFor(inputs, file) };
  }
  // Otherwise only bookkeeping fields change: the remote file is untouched.
  const outs: Record<string, unknown> = {
    ...inputs,
    fileId: olds.fileId,
    createdAt: olds.createdAt,
    schemaVersion: SCHEMA_VERSION,
  };
  if (olds.processingStatus !== undefined) outs.processingStatus = olds.processingStatus;
  return { outs };
}

async function remove(id: string, _props: Record<string, unknown>, ctx: ProviderContext): Promise<void> {
  try {
    await ctx.client().files.delete(id);
  } catch (e) {
    if (!isNotFound(e)) throw e;
  }
}

export const lifecycle: ResourceLifecycle = { check, diff, create, read, update, delete: remove };
