// The name a TrainingFile is uploaded under by default: `<project>-<stack>-<name>.<sha-256, 12 hex>.<base name>`,
// e.g. `quickstart-dev-chats.3f2a9c1be07d.train.jsonl`. A Together file has no field of ours besides its name,
// so the name carries what recovery needs to find it from any machine after an interrupted upload: whose it is
// (project, stack, resource — two per-branch stacks uploading the same dataset never take each other's file) and
// what it holds (a changed dataset is another file). It also tells people in Together's file list whose file it is.
import { defaultDisplayName } from "../dedicated-endpoint/naming";
import type { Owner } from "../../shared/owner";

const HASH_HEX = 12;

/** `<project>-<stack>-<name>`, the part that says whose file it is; undefined without a stack (an older SDK). */
function ownerPart(owner: Owner): string | undefined {
  if (owner.stack === undefined || owner.project === undefined || owner.logicalName === "") return undefined;
  return defaultDisplayName(owner.project, owner.stack, owner.logicalName);
}

/** The default upload name, or the base name alone when the owner is not fully known. */
export function markedFileName(owner: Owner, sha256: string, baseName: string): string {
  const part = ownerPart(owner);
  return part === undefined ? baseName : `${part}.${sha256.slice(0, HASH_HEX).toLowerCase()}.${baseName}`;
}

/** Whether `fileName` is this owner's default name for this content (so a namesake on Together is its orphan). */
export function carriesMark(fileName: string, owner: Owner, sha256: string): boolean {
  const part = ownerPart(owner);
  return part !== undefined && fileName.startsWith(`${part}.${sha256.slice(0, HASH_HEX).toLowerCase()}.`);
}
