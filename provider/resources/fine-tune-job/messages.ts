// One shape for every FineTuneJob message, matching provider/shared/check.ts:
// `FineTuneJob "<name>": <path> = <value>: <what is wrong>. Fix: <fix>`.
import { UNKNOWN, type CheckFailure } from "../../shared/types";
import { KIND } from "./schema";

export function showValue(v: unknown): string {
  if (typeof v === "string") return JSON.stringify(v);
  if (v === undefined) return "(not set)";
  return JSON.stringify(v) ?? typeof v;
}

/** `FineTuneJob "train"`, or just `FineTuneJob` when the resource name is not known. */
export function subject(name: string | undefined): string {
  return name === undefined ? KIND : `${KIND} "${name}"`;
}

/** The Pulumi resource name the SDK passes as `logicalName`. */
export function nameOf(inputs: Record<string, unknown>): string | undefined {
  const n = inputs.logicalName;
  return typeof n === "string" && n !== UNKNOWN ? n : undefined;
}

export function problem(
  name: string | undefined,
  path: string,
  value: unknown,
  what: string,
  fix: string,
): CheckFailure {
  return { property: path, reason: `${subject(name)}: ${path} = ${showValue(value)}: ${what}. Fix: ${fix}` };
}
