// Server-side dataset validation as Together runs it after an upload: one streaming pass, JSONL lines
// checked as JSON objects in exactly one of the four text formats (keys decide the format, extra keys
// are rejected, every line must share the first line's format), Parquet checked by magic bytes and
// its footer schema. Never loads the file into memory: a 6 GiB upload is read chunk by chunk and the
// first bad byte ends the pass.
import * as fs from "node:fs";
import { parquetMetadataAsync, parquetSchema } from "hyparquet";
import type { FilePurpose, FileType } from "./store";
import { errorText } from "../provider/shared/error-text";

export type DatasetFormat = "GENERAL" | "CONVERSATION" | "INSTRUCTION" | "PREFERENCE" | "TOKENIZED";

export interface FileCheckResult {
  valid: boolean;
  format?: DatasetFormat;
  nlines: number;
  error?: string;
  hasMessageWeights: boolean;
  hasTools: boolean;
}

/** A single JSON line longer than this is refused rather than buffered (images inline are <= 10 MiB each). */
const MAX_LINE_CHARS = 128 * 1024 * 1024;
const ROLES = new Set(["system", "user", "assistant", "tool"]);
const PARQUET_COLUMNS = new Set(["input_ids", "attention_mask", "labels"]);

class LineError extends Error {}

/** `stillWanted` is asked between chunks: once the file is deleted, a multi-GiB pass stops early. */
export async function checkFileContent(
  path: string,
  fileType: FileType,
  purpose: FilePurpose,
  stillWanted: () => boolean = () => true,
): Promise<FileCheckResult> {
  const size = (await fs.promises.stat(path)).size;
  if (size === 0) return invalid("File is empty", 0);
  if (fileType === "parquet") return checkParquet(path, size, purpose);
  if (fileType === "csv") {
    return purpose === "eval"
      ? checkLines(path, () => undefined, stillWanted)
      : invalid("CSV files are not supported for fine-tuning; use .jsonl or .parquet", 0);
  }
  return checkJsonl(path, purpose, stillWanted);
}

function invalid(error: string, nlines: number): FileCheckResult {
  return { valid: false, error, nlines, hasMessageWeights: false, hasTools: false };
}

interface LineState {
  format?: DatasetFormat;
  hasMessageWeights: boolean;
  hasTools: boolean;
}

async function checkJsonl(
  path: string,
  purpose: FilePurpose,
  stillWanted: () => boolean,
): Promise<FileCheckResult> {
  const state: LineState = { hasMessageWeights: false, hasTools: false };
  const result = await checkLines(path, (line, n) => checkJsonLine(line, n, purpose, state), stillWanted);
  return {
    ...result,
    ...(state.format ? { format: state.format } : {}),
    hasMessageWeights: state.hasMessageWeights,
    hasTools: state.hasTools,
  };
}

/** Streams the file as UTF-8 lines; `onLine` throws LineError to reject. */
async function checkLines(
  path: string,
  onLine: (line: string, lineNo: number) => void,
  stillWanted: () => boolean,
): Promise<FileCheckResult> {
  const decoder = new TextDecoder("utf-8", { fatal: true });
  let partial = "";
  let lineNo = 0;
  const take = (line: string): void => {
    lineNo += 1;
    onLine(line.endsWith("\r") ? line.slice(0, -1) : line, lineNo);
  };
  try {
    for await (const chunk of fs.createReadStream(path, {
      highWaterMark: 1024 * 1024,
    }) as AsyncIterable<Buffer>) {
      if (!stillWanted())
        return invalid(`Processing stopped at line ${lineNo + 1}: the file was deleted.`, lineNo);
      let text: string;
      try {
        text = decoder.decode(chunk, { stream: true });
      } catch (err) {
        return invalid(`File is not UTF-8 encoded. Error raised: ${errorText(err)}`, lineNo);
      }
      if (text.includes("\u0000")) {
        return invalid(`Error parsing json payload. Unexpected format on line ${lineNo + 1}.`, lineNo);
      }
      const pieces = (partial + text).split("\n");
      partial = pieces.pop() ?? "";
      for (const line of pieces) take(line);
      if (partial.length > MAX_LINE_CHARS) {
        return invalid(`Line ${lineNo + 1} is longer than ${MAX_LINE_CHARS} characters.`, lineNo);
      }
    }
    partial += decoder.decode();
    if (partial.length > 0) take(partial);
  } catch (err) {
    if (err instanceof LineError) return invalid(err.message, lineNo);
    if (err instanceof TypeError)
      return invalid(`File is not UTF-8 encoded. Error raised: ${err.message}`, lineNo);
    throw err;
  }
  if (lineNo === 0) return invalid("File is empty", 0);
  return { valid: true, nlines: lineNo, hasMessageWeights: false, hasTools: false };
}

function checkJsonLine(line: string, n: number, purpose: FilePurpose, state: LineState): void {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    throw new LineError(`Error parsing json payload. Unexpected format on line ${n}.`);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new LineError(
      `Line ${n} is not a JSON object; every line must follow the text, conversational, instruction or preference format.`,
    );
  }
  if (purpose === "eval") return;
  const row = value as Record<string, unknown>;
  const format = detectFormat(row, n);
  if (state.format === undefined) state.format = format;
  else if (state.format !== format) {
    throw new LineError(
      `All samples in the dataset must have the same dataset format. Line ${n} is ${format.toLowerCase()} but line 1 is ${state.format.toLowerCase()}.`,
    );
  }
  switch (format) {
    case "GENERAL":
      requireContent(row.text, `line ${n}: text`);
      break;
    case "INSTRUCTION":
      requireContent(row.prompt, `line ${n}: prompt`);
      requireContent(row.completion, `line ${n}: completion`);
      break;
    case "CONVERSATION":
      if ("tools" in row) state.hasTools = true;
      if (checkMessages(row.messages, `line ${n}`, true)) state.hasMessageWeights = true;
      break;
    case "PREFERENCE":
      checkPreference(row, n);
      break;
    case "TOKENIZED":
      break;
  }
}

const FORMAT_KEYS: [DatasetFormat, string[], string[]][] = [
  ["CONVERSATION", ["messages"], ["tools"]],
  ["INSTRUCTION", ["prompt", "completion"], []],
  ["PREFERENCE", ["input", "preferred_output", "non_preferred_output"], []],
  ["GENERAL", ["text"], []],
];

function detectFormat(row: Record<string, unknown>, n: number): DatasetFormat {
  const keys = Object.keys(row);
  for (const [format, required, optional] of FORMAT_KEYS) {
    if (!required.every((k) => k in row)) continue;
    const extra = keys.find((k) => !required.includes(k) && !optional.includes(k));
    if (extra !== undefined) throw new LineError(`Found extra column "${extra}" in the line ${n}.`);
    return format;
  }
  throw new LineError(`Could not detect a format for the line ${n} with the columns [${keys.join(", ")}].`);
}

function requireContent(v: unknown, where: string): void {
  if (typeof v === "string") return;
  if (Array.isArray(v) && v.length > 0 && v.every((p) => typeof p === "object" && p !== null && "type" in p))
    return;
  throw new LineError(`${where} must be a string or a list of content parts.`);
}

/** Returns whether any message carries a weight. */
function checkMessages(messages: unknown, where: string, needAssistant: boolean): boolean {
  if (!Array.isArray(messages) || messages.length === 0) {
    throw new LineError(`${where}: messages must be a non-empty list.`);
  }
  let previous: string | undefined;
  let weights = false;
  let assistant = false;
  messages.forEach((m: unknown, i) => {
    if (typeof m !== "object" || m === null)
      throw new LineError(`${where}: messages[${i}] must be an object.`);
    const msg = m as Record<string, unknown>;
    if (typeof msg.role !== "string" || !ROLES.has(msg.role)) {
      throw new LineError(
        `${where}: messages[${i}].role ${JSON.stringify(msg.role)} is not one of system, user, assistant, tool.`,
      );
    }
    if (!("content" in msg)) throw new LineError(`${where}: messages[${i}] has no content.`);
    if (msg.content !== null) requireContent(msg.content, `${where}: messages[${i}].content`);
    if (msg.role === previous && msg.role !== "tool") {
      throw new LineError(
        `${where}: after the optional system message, conversation roles must alternate between user and assistant.`,
      );
    }
    if ("weight" in msg) {
      if (msg.weight !== 0 && msg.weight !== 1)
        throw new LineError(`${where}: messages[${i}].weight must be 0 or 1.`);
      weights = true;
    }
    if (msg.role === "assistant") assistant = true;
    previous = msg.role;
  });
  if (needAssistant && !assistant)
    throw new LineError(`${where}: at least one assistant message is required.`);
  return weights;
}

function checkPreference(row: Record<string, unknown>, n: number): void {
  const input = row.input;
  if (typeof input !== "object" || input === null || !("messages" in input)) {
    throw new LineError(`line ${n}: input must be an object with messages.`);
  }
  const messages = input.messages;
  checkMessages(messages, `line ${n}: input`, false);
  const last = (messages as { role?: unknown }[]).at(-1);
  if (last?.role === "assistant")
    throw new LineError(`line ${n}: the last input message must not be from the assistant.`);
  for (const key of ["preferred_output", "non_preferred_output"]) {
    const out = row[key];
    if (!Array.isArray(out) || out.length !== 1)
      throw new LineError(`line ${n}: ${key} must be a list of exactly one message.`);
    const m = out[0] as Record<string, unknown> | null;
    if (typeof m !== "object" || m === null || m.role !== "assistant" || !("content" in m)) {
      throw new LineError(`line ${n}: ${key}[0] must be an assistant message with content.`);
    }
  }
}

async function checkParquet(path: string, size: number, purpose: FilePurpose): Promise<FileCheckResult> {
  if (purpose === "eval") return invalid("Parquet files are not supported for evaluation.", 0);
  const fh = await fs.promises.open(path, "r");
  try {
    const read = async (start: number, end: number): Promise<ArrayBuffer> => {
      const buf = Buffer.alloc(end - start);
      await fh.read(buf, 0, buf.length, start);
      return buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.length);
    };
    const magic = (b: ArrayBuffer): string => Buffer.from(b).toString("latin1");
    if (size < 12 || magic(await read(0, 4)) !== "PAR1" || magic(await read(size - 4, size)) !== "PAR1") {
      return invalid("File is not a valid Parquet file (missing PAR1 magic bytes).", 0);
    }
    let columns: string[];
    let rows: number;
    try {
      const metadata = await parquetMetadataAsync({
        byteLength: size,
        slice: (s: number, e?: number) => read(s, e ?? size),
      });
      columns = parquetSchema(metadata).children.map((c) => c.element.name);
      rows = Number(metadata.num_rows);
    } catch (err) {
      return invalid(`Unable to read the Parquet footer: ${errorText(err)}`, 0);
    }
    if (!columns.includes("input_ids"))
      return invalid('Parquet file must contain an "input_ids" column.', rows);
    const extra = columns.find((c) => !PARQUET_COLUMNS.has(c));
    if (extra !== undefined) {
      return invalid(
        `Parquet file contains unsupported column "${extra}"; allowed: input_ids, attention_mask, labels.`,
        rows,
      );
    }
    if (rows < 1) return invalid("Parquet file has no rows.", 0);
    return { valid: true, format: "TOKENIZED", nlines: rows, hasMessageWeights: false, hasTools: false };
  } finally {
    await fh.close();
  }
}
