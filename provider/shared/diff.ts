import { containsUnknown, type DiffResult } from "./types";

export type FieldChange = "replace" | "update";
/** Which input fields replace the resource and which update it in place; fields absent from it are ignored. */
export type DiffTable = Record<string, FieldChange>;

/** Deep equality as state sees it: object key order is irrelevant and an `undefined` field equals an absent one. */
export function canonicalEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a === "number" && typeof b === "number") return Number.isNaN(a) && Number.isNaN(b);
  if (a === null || b === null || typeof a !== "object" || typeof b !== "object") return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((item, i) => canonicalEqual(item, b[i]));
  }
  const ra = a as Record<string, unknown>;
  const rb = b as Record<string, unknown>;
  const keys = new Set([...Object.keys(ra), ...Object.keys(rb)]);
  for (const key of keys) {
    if (!canonicalEqual(ra[key], rb[key])) return false;
  }
  return true;
}

/**
 * Compares the previous outputs with the new checked inputs, field by field of the table. A field whose new value
 * is (or contains) the preview unknown sentinel counts as changed: the engine then shows the honest
 * "may replace/update" instead of "same".
 */
export function diffByTable(
  table: DiffTable,
  olds: Record<string, unknown>,
  news: Record<string, unknown>,
  opts?: { deleteBeforeReplace?: boolean },
): DiffResult {
  const replaces: string[] = [];
  let changes = false;
  for (const [field, change] of Object.entries(table)) {
    const next = news[field];
    if (!containsUnknown(next) && canonicalEqual(olds[field], next)) continue;
    changes = true;
    if (change === "replace") replaces.push(field);
  }
  const result: DiffResult = { changes };
  if (replaces.length > 0) {
    result.replaces = replaces;
    if (opts?.deleteBeforeReplace === true) result.deleteBeforeReplace = true;
  }
  return result;
}
