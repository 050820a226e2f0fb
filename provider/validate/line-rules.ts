// One JSONL row: detect its dataset format by its keys and apply that format's rules.
import { checkContent, type ImagePolicy } from "./content-rules";
import { describeJson, isPlainObject, quoteJson, quoteKeys } from "./describe";
import { problem, type Problem } from "./issues";
import { checkMessages } from "./message-rules";
import { type DatasetFormat } from "./types";

export type JsonlFormat = Exclude<DatasetFormat, "tokenized">;

/** Required keys per format; a row must have exactly one format's keys and nothing else. */
export const FORMAT_KEYS: Readonly<Record<JsonlFormat, readonly string[]>> = {
  general: ["text"],
  conversation: ["messages"],
  instruction: ["prompt", "completion"],
  preference: ["input", "preferred_output", "non_preferred_output"],
};
const FORMATS = Object.keys(FORMAT_KEYS) as JsonlFormat[];

const FORMAT_HELP =
  'use "messages" (conversation), "prompt" + "completion" (instruction), "text" (general) or ' +
  '"input" + "preferred_output" + "non_preferred_output" (preference)';

const IN_PROMPT = { allowed: true, allowedWhere: "prompt or text" };
const NOT_IN_COMPLETION = { allowed: false, allowedWhere: "prompt or text" };
const NOT_IN_OUTPUT = { allowed: false, allowedWhere: "user messages" };

const TRAINING_MESSAGES = { requireAssistant: true, lastNotAssistant: false };
const PREFERENCE_INPUT = { requireAssistant: false, lastNotAssistant: true };

export function notAnObject(value: unknown): Problem {
  return problem(
    `the line is ${describeJson(value)}, not a JSON object`,
    'write one JSON object per line, e.g. {"messages": [...]}',
  );
}

/** Which format each key belongs to (the formats share no key). */
const FORMAT_OF_KEY = new Map<string, JsonlFormat>(
  FORMATS.flatMap((format) => FORMAT_KEYS[format].map((k) => [k, format] as const)),
);

/** The row's format, or the first rule it breaks. */
export function detectFormat(row: Record<string, unknown>): JsonlFormat | Problem {
  return exactFormat(row) ?? judgeKeys(row);
}

/** Fast path, one look-up per key: the format whose keys are exactly the row's, if any. Every row of a good
 *  file takes it, and it agrees with judgeKeys there, which a row with other keys still goes through. */
function exactFormat(row: Record<string, unknown>): JsonlFormat | undefined {
  let format: JsonlFormat | undefined;
  let keys = 0;
  for (const k in row) {
    const owner = FORMAT_OF_KEY.get(k);
    if (owner === undefined || (format !== undefined && owner !== format)) return undefined;
    format = owner;
    keys++;
  }
  return format !== undefined && keys === FORMAT_KEYS[format].length ? format : undefined;
}

function judgeKeys(row: Record<string, unknown>): JsonlFormat | Problem {
  let found: JsonlFormat | undefined;
  for (const format of FORMATS) {
    const keys = FORMAT_KEYS[format];
    let all = true;
    for (const k of keys) {
      if (!(k in row)) {
        all = false;
        break;
      }
    }
    if (!all) continue;
    if (found !== undefined) {
      return problem(
        `the keys mix the ${found} and ${format} formats (${quoteKeys(Object.keys(row))})`,
        `keep only the keys of one format: ${FORMAT_HELP}`,
      );
    }
    found = format;
  }
  if (found === undefined) return undetected(row);
  const allowed = FORMAT_KEYS[found];
  for (const k in row) {
    if (!allowed.includes(k)) {
      return problem(
        `unexpected key "${k}" for the ${found} format (allowed: ${allowed.join(", ")})`,
        `remove "${k}"`,
      );
    }
  }
  return found;
}

function undetected(row: Record<string, unknown>): Problem {
  const keys = Object.keys(row);
  for (const format of FORMATS) {
    const required = FORMAT_KEYS[format];
    const present = required.filter((k) => keys.includes(k));
    if (present.length > 0) {
      const missing = required.filter((k) => !keys.includes(k));
      return problem(
        `has ${quoteKeys(present)} but no ${quoteKeys(missing)} (the ${format} format needs ${required.join(", ")})`,
        `add ${quoteKeys(missing)} or ${FORMAT_HELP}`,
      );
    }
  }
  return problem(
    keys.length === 0
      ? "the object has no keys, so no dataset format matches"
      : `no dataset format matches the keys ${quoteKeys(keys)}`,
    FORMAT_HELP,
  );
}

export function checkRow(row: Record<string, unknown>, format: JsonlFormat): Problem | undefined {
  switch (format) {
    case "conversation":
      return checkMessages(row.messages, "messages", TRAINING_MESSAGES);
    case "general":
      return contentProblem(row.text, "text", IN_PROMPT);
    case "instruction":
      return (
        contentProblem(row.prompt, "prompt", IN_PROMPT) ??
        contentProblem(row.completion, "completion", NOT_IN_COMPLETION)
      );
    case "preference":
      return checkPreference(row);
  }
}

function contentProblem(value: unknown, path: string, images: ImagePolicy): Problem | undefined {
  const found = checkContent(value, path, images);
  return typeof found === "number" ? undefined : found;
}

function checkPreference(row: Record<string, unknown>): Problem | undefined {
  const input = row.input;
  if (!isPlainObject(input)) {
    return problem(`input is ${describeJson(input)}, not an object`, `write "input": {"messages": [...]}`);
  }
  if (!("messages" in input)) {
    return problem(`input has no "messages"`, `write "input": {"messages": [...]}`);
  }
  const inputProblem = checkMessages(input.messages, "input.messages", PREFERENCE_INPUT);
  if (inputProblem) return inputProblem;
  return (
    checkOutput(row.preferred_output, "preferred_output") ??
    checkOutput(row.non_preferred_output, "non_preferred_output")
  );
}

function checkOutput(value: unknown, path: string): Problem | undefined {
  const fix = `write "${path}": [{"role": "assistant", "content": "..."}]`;
  if (!Array.isArray(value)) {
    return problem(`${path} is ${describeJson(value)}, not a list with one assistant message`, fix);
  }
  if (value.length !== 1) {
    return problem(`${path} has ${value.length} messages, not exactly one`, fix);
  }
  const message: unknown = value[0];
  if (!isPlainObject(message)) {
    return problem(`${path}[0] is ${describeJson(message)}, not a message object`, fix);
  }
  if (message.role !== "assistant") {
    return problem(
      message.role === undefined
        ? `${path}[0] has no "role"`
        : `${path}[0].role ${quoteJson(message.role)} is not "assistant"`,
      fix,
    );
  }
  if (!("content" in message)) {
    return problem(`${path}[0] has no "content"`, fix);
  }
  return contentProblem(message.content, `${path}[0].content`, NOT_IN_OUTPUT);
}
