import { containsUnknown, isUnknown, type DiffResult } from "./types";

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
 * "may replace/update" instead of "same". A changed field that the resource's `replaceOnChanges` option covers
 * (passed in `news` under REPLACE_ON_CHANGES_KEY) replaces even where the table says update.
 */
export function diffByTable(
  table: DiffTable,
  olds: Record<string, unknown>,
  news: Record<string, unknown>,
  opts?: { deleteBeforeReplace?: boolean },
): DiffResult {
  const replaces: string[] = [];
  const replaceOnChanges = replaceOnChangesOf(news);
  let changes = false;
  for (const [field, change] of Object.entries(table)) {
    const next = news[field];
    if (!containsUnknown(next) && canonicalEqual(olds[field], next)) continue;
    changes = true;
    if (change === "replace" || replaceOnChanges.some((p) => pathChanged(p, field, olds, news))) {
      replaces.push(field);
    }
  }
  const result: DiffResult = { changes };
  if (replaces.length > 0) {
    result.replaces = replaces;
    if (opts?.deleteBeforeReplace === true) result.deleteBeforeReplace = true;
  }
  return result;
}

/**
 * The input under which the SDK hands a resource's `replaceOnChanges` option to the provider. The engine applies
 * that option to the keys a provider's diff reports as changed (DiffResponse `diffs` and `detailedDiff`), but
 * Pulumi's Node.js dynamic-provider server sends neither (only `changes`, `replaces` and `deleteBeforeReplace`),
 * so on a dynamic resource the option never fired: a change the table updates in place stayed an update. The
 * SDK passes the paths as this input (runtime.ts keeps it out of every lifecycle method but diff), and
 * diffByTable turns a changed field they cover into a replace, as the engine would.
 */
export const REPLACE_ON_CHANGES_KEY = "__replaceOnChanges";

/** The SDK's half: `{ __replaceOnChanges: paths }` when the resource sets the option, else nothing. */
export function replaceOnChangesInput(opts: { replaceOnChanges?: string[] } | undefined): {
  [REPLACE_ON_CHANGES_KEY]?: string[];
} {
  const paths = opts?.replaceOnChanges;
  return paths !== undefined && paths.length > 0 ? { [REPLACE_ON_CHANGES_KEY]: [...paths] } : {};
}

function replaceOnChangesOf(news: Record<string, unknown>): Segment[][] {
  const raw = news[REPLACE_ON_CHANGES_KEY];
  if (!Array.isArray(raw)) return [];
  return raw.flatMap((p) => {
    const parsed = typeof p === "string" ? parsePropertyPath(p) : undefined;
    return parsed === undefined ? [] : [parsed];
  });
}

const WILDCARD = Symbol("*");
type Segment = string | number | typeof WILDCARD;

/**
 * A Pulumi property path (`displayName`, `autoscaling.maxReplicas`, `tags[0]`, `a["b.c"]`, `*`, `items[*].x`)
 * as segments; undefined when malformed (the engine rejects those itself).
 */
export function parsePropertyPath(path: string): Segment[] | undefined {
  const segments: Segment[] = [];
  let i = 0;
  while (i < path.length) {
    if (path[i] === "[") {
      let close: number;
      if (path[i + 1] === '"') {
        close = path.indexOf('"]', i + 2);
        if (close < 0) return undefined;
        segments.push(JSON.parse(path.slice(i + 1, close + 1)) as string);
        close += 1;
      } else {
        close = path.indexOf("]", i);
        const inner = close < 0 ? "" : path.slice(i + 1, close);
        if (inner === "*") segments.push(WILDCARD);
        else if (/^\d+$/.test(inner)) segments.push(Number(inner));
        else return undefined;
      }
      i = close + 1;
    } else {
      let end = i;
      while (end < path.length && path[end] !== "." && path[end] !== "[") end++;
      const name = path.slice(i, end);
      if (name === "") return undefined;
      segments.push(name === "*" ? WILDCARD : name);
      i = end;
    }
    if (path[i] === ".") {
      i++;
      if (i === path.length) return undefined;
    }
  }
  return segments.length > 0 ? segments : undefined;
}

/** Whether `path` covers a change of top-level `field`: it names the field (or `*`) and what it leads to differs. */
function pathChanged(
  path: Segment[],
  field: string,
  olds: Record<string, unknown>,
  news: Record<string, unknown>,
): boolean {
  const [head, ...rest] = path;
  if (head !== field && head !== WILDCARD) return false;
  const next = valuesAt(news[field], rest);
  return containsUnknown(next) || !canonicalEqual(valuesAt(olds[field], rest), next);
}

/** The values `path` reaches from `value` (a wildcard fans out over elements, keeping object keys). */
function valuesAt(value: unknown, path: Segment[]): unknown[] {
  if (path.length === 0 || isUnknown(value)) return [value];
  const [head, ...rest] = path;
  const container =
    value !== null && typeof value === "object" ? (value as Record<string, unknown>) : undefined;
  if (head === WILDCARD) {
    if (container === undefined) return [];
    if (Array.isArray(container)) return [container.length, ...container.flatMap((v) => valuesAt(v, rest))];
    return Object.keys(container)
      .sort()
      .flatMap((k) => [k, ...valuesAt(container[k], rest)]);
  }
  return valuesAt(container?.[head as string], rest);
}
