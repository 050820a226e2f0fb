import { z } from "zod";
import { containsUnknown, isUnknown, type CheckFailure } from "./types";

type Path = (string | number)[];
type Issue = z.core.$ZodIssue;
interface Skipped {
  path: Path;
  value: unknown;
}

export function failure(property: string, reason: string): CheckFailure {
  return { property, reason };
}

export interface SchemaCheck<T> {
  /** The parsed inputs, with every skipped unknown field put back as the sentinel; absent on failure. */
  value?: T;
  /**
   * What `check` should return as inputs: `value` when parsing succeeded, else the news unchanged (also in
   * preview when a required field is unknown: then no defaults are applied, and diff sees the unknown anyway).
   */
  inputs: Record<string, unknown>;
  failures: CheckFailure[];
}

/**
 * Validates with zod, skipping any field whose value is (or, for arrays, contains) the preview unknown sentinel:
 * such fields are removed before parsing, issues about them (or about the objects holding them) are dropped, and
 * they are put back into the returned inputs so diff sees them. One failure per property path, in plain words:
 * `<Kind> "<name>": <path> = <value>: <what is wrong>, allowed <range>. Fix: <fix>`.
 */
export function checkWithSchema<T>(
  kind: string,
  schema: z.ZodType<T>,
  news: Record<string, unknown>,
): SchemaCheck<T> {
  const skipped: Skipped[] = [];
  const stripped = stripUnknowns(news, [], skipped) as Record<string, unknown>;
  const unknownPaths = skipped.map((s) => s.path);
  const parsed = schema.safeParse(stripped);
  if (parsed.success) {
    const value = restoreUnknowns(parsed.data, skipped);
    return { value, inputs: value as Record<string, unknown>, failures: [] };
  }
  const onlyUnknowns = parsed.error.issues.every((issue) =>
    unknownPaths.some((u) => isPrefix(u, issue.path as Path) || isPrefix(issue.path as Path, u)),
  );
  if (onlyUnknowns) {
    // Every issue is about a field not known yet (a required `trainingFile` in a fresh stack's preview): the
    // rest must still be checked, so parse again without the fields that hold unknowns.
    const value = parseAroundUnknowns(schema, news, stripped, unknownPaths);
    if (value !== undefined) return { value, inputs: value as Record<string, unknown>, failures: [] };
  }
  const name =
    typeof news.logicalName === "string" && !isUnknown(news.logicalName) ? news.logicalName : undefined;
  const prefix = name === undefined ? kind : `${kind} "${name}"`;
  const byPath = new Map<string, { path: Path; problems: string[] }>();
  for (const issue of parsed.error.issues) {
    for (const { path, problem } of describeIssue(issue, stripped)) {
      if (unknownPaths.some((u) => isPrefix(u, path) || isPrefix(path, u))) continue;
      const key = formatPath(path);
      const entry = byPath.get(key) ?? { path, problems: [] };
      if (!entry.problems.includes(problem)) entry.problems.push(problem);
      byPath.set(key, entry);
    }
  }
  const failures = [...byPath.entries()].map(([key, { path, problems }]) => {
    const shown = key === "" ? "arguments" : key;
    return failure(
      key,
      `${prefix}: ${shown} = ${formatValue(path, valueAt(stripped, path))}: ${problems.join("; ")}`,
    );
  });
  return { inputs: news, failures };
}

/**
 * Parses with every top-level field that holds an unknown made optional and left out (a nested unknown takes
 * its whole top-level field with it: its siblings are checked once it is known). Those fields go back into the
 * result as they came, unknowns included. Undefined when the schema is not an object or still fails.
 */
function parseAroundUnknowns<T>(
  schema: z.ZodType<T>,
  news: Record<string, unknown>,
  stripped: Record<string, unknown>,
  unknownPaths: Path[],
): T | undefined {
  // zod refuses partial() on objects with refinements: those keep the old behaviour (no value).
  if (!(schema instanceof z.ZodObject) || schema._zod.def.checks?.length) return undefined;
  const keys = [...new Set(unknownPaths.map((p) => String(p[0])))];
  const rest = Object.fromEntries(Object.entries(stripped).filter(([k]) => !keys.includes(k)));
  const mask = Object.fromEntries(keys.map((k) => [k, true as const]));
  const lenient = schema.partial(mask as Parameters<z.ZodObject["partial"]>[0]);
  const parsed = lenient.safeParse(rest);
  if (!parsed.success) return undefined;
  const value = { ...parsed.data } as Record<string, unknown>;
  for (const k of keys) value[k] = news[k];
  return value as T;
}

function describeIssue(issue: Issue, root: unknown): { path: Path; problem: string }[] {
  const path = issue.path.map((p) => (typeof p === "number" ? p : String(p)));
  const where = formatPath(path) || "the arguments";
  switch (issue.code) {
    case "invalid_type": {
      const input = valueAt(root, path);
      if (issue.expected === "nonoptional" || input === undefined) {
        return [{ path, problem: `is required but not set. Fix: set ${where}` }];
      }
      return [
        {
          path,
          problem: `is ${describeType(input)}, allowed ${article(issue.expected)}. Fix: give ${where} ${article(issue.expected)} value`,
        },
      ];
    }
    case "too_small":
      return [{ path, problem: sizeProblem(issue, "small", where) }];
    case "too_big":
      return [{ path, problem: sizeProblem(issue, "big", where) }];
    case "invalid_format":
      return [{ path, problem: formatProblem(issue, where) }];
    case "not_multiple_of":
      return [
        {
          path,
          problem: `is not a multiple of ${issue.divisor}, allowed multiples of ${issue.divisor}. Fix: round ${where} to a multiple of ${issue.divisor}`,
        },
      ];
    case "unrecognized_keys":
      return issue.keys.map((key) => ({
        path: [...path, key],
        problem: "is not a known argument. Fix: remove it or correct its spelling",
      }));
    case "invalid_value": {
      const allowed = issue.values.map((v) => JSON.stringify(v)).join(", ");
      const one = issue.values.length === 1 ? allowed : `one of ${allowed}`;
      return [{ path, problem: `is not allowed, allowed ${one}. Fix: set ${where} to ${one}` }];
    }
    default:
      return [{ path, problem: withFix(issue.message, where) }];
  }
}

function sizeProblem(
  issue: z.core.$ZodIssueTooSmall | z.core.$ZodIssueTooBig,
  dir: "small" | "big",
  where: string,
) {
  const bound = issue.code === "too_small" ? issue.minimum : issue.maximum;
  const units: Record<string, string> = {
    string: " characters",
    array: " items",
    set: " items",
    file: " bytes",
  };
  const unit = units[issue.origin] ?? "";
  const measured = unit === "" ? `is too ${dir}` : `is too ${dir === "small" ? "short" : "long"}`;
  let range: string;
  if (issue.exact === true) range = `exactly ${bound}${unit}`;
  else if (dir === "small")
    range = issue.inclusive === false ? `more than ${bound}${unit}` : `at least ${bound}${unit}`;
  else range = issue.inclusive === false ? `less than ${bound}${unit}` : `at most ${bound}${unit}`;
  return `${measured}, allowed ${range}. Fix: make ${where} ${range}`;
}

function formatProblem(issue: z.core.$ZodIssueInvalidStringFormat, where: string): string {
  const extra = issue as z.core.$ZodIssueInvalidStringFormat & {
    prefix?: string;
    suffix?: string;
    includes?: string;
  };
  if (issue.format === "regex" && issue.pattern !== undefined) {
    return `${withoutFix(issue.message)}, allowed values matching ${issue.pattern}. Fix: change ${where} to match ${issue.pattern}`;
  }
  if (extra.prefix !== undefined) return `must start with "${extra.prefix}". Fix: change ${where}`;
  if (extra.suffix !== undefined) return `must end with "${extra.suffix}". Fix: change ${where}`;
  if (extra.includes !== undefined) return `must contain "${extra.includes}". Fix: change ${where}`;
  return `is not a valid ${issue.format}. Fix: give ${where} a valid ${issue.format}`;
}

/** Schema authors write refine messages in plain words; add a generic fix only when they gave none. */
function withFix(message: string, where: string): string {
  return /\bFix:/.test(message) ? message : `${message}. Fix: change ${where}`;
}

function withoutFix(message: string): string {
  return message.replace(/^Invalid string: /, "").replace(/\.$/, "");
}

function describeType(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "a list";
  if (typeof v === "object") return "an object";
  return article(typeof v);
}

function article(type: string): string {
  return /^[aeiou]/i.test(type) ? `an ${type}` : `a ${type}`;
}

const SENSITIVE = /(token|secret|password|api[_-]?key|^key$)/i;
const MAX_VALUE_CHARS = 80;

function formatValue(path: Path, v: unknown): string {
  const last = path[path.length - 1];
  if (typeof last === "string" && SENSITIVE.test(last) && v !== undefined) return "(secret, not shown)";
  if (v === undefined) return "(not set)";
  let text: string;
  try {
    text = JSON.stringify(v) ?? typeof v;
  } catch {
    text = typeof v;
  }
  return text.length > MAX_VALUE_CHARS ? `${text.slice(0, MAX_VALUE_CHARS - 3)}...` : text;
}

export function formatPath(path: Path): string {
  let out = "";
  for (const seg of path) {
    if (typeof seg === "number") out += `[${seg}]`;
    else out += out === "" ? seg : `.${seg}`;
  }
  return out;
}

function isPrefix(prefix: Path, path: Path): boolean {
  return prefix.length <= path.length && prefix.every((seg, i) => String(seg) === String(path[i]));
}

function valueAt(root: unknown, path: Path): unknown {
  let cur = root;
  for (const seg of path) {
    if (cur === null || typeof cur !== "object") return undefined;
    cur = (cur as Record<string | number, unknown>)[seg];
  }
  return cur;
}

/** Removes object fields that are unknown (or lists containing an unknown element: their indices would shift). */
function stripUnknowns(v: unknown, path: Path, found: Skipped[]): unknown {
  if (v === null || typeof v !== "object" || Array.isArray(v)) return v;
  const out: Record<string, unknown> = {};
  for (const [k, child] of Object.entries(v)) {
    const childPath = [...path, k];
    if (isUnknown(child) || (Array.isArray(child) && containsUnknown(child))) {
      found.push({ path: childPath, value: child });
      continue;
    }
    out[k] = stripUnknowns(child, childPath, found);
  }
  return out;
}

function restoreUnknowns<T>(value: T, skipped: Skipped[]): T {
  if (skipped.length === 0) return value;
  const copy = structuredClone(value) as unknown;
  for (const { path, value: original } of skipped) {
    let cur = copy as Record<string | number, unknown>;
    for (const seg of path.slice(0, -1)) {
      const next = cur[seg];
      if (next === null || typeof next !== "object") cur[seg] = {};
      cur = cur[seg] as Record<string | number, unknown>;
    }
    const last = path[path.length - 1];
    if (last !== undefined) cur[last] = original;
  }
  return copy as T;
}
