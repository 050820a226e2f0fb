// How many tokens Together will bill for one pass over a local JSONL dataset: every line counted
// when the file is small, else a fixed random sample of lines scaled by bytes (a ratio estimate,
// with its standard error), so a 200 MB file costs a second, not minutes.
import * as fs from "node:fs";
import {
  loadTokenizer,
  tokenizerFamily,
  vocabularyPackage,
  type ChatMessage,
  type SampleTokenizer,
} from "./chat-tokenizer";

/** Files up to this size are counted line by line. */
export const FULL_COUNT_BYTES = 8 * 1024 * 1024;
/** Lines tokenized from a larger file. */
export const SAMPLE_LINES = 1000;
/** Without the model's vocabulary, a token is counted per this many bytes: fewer than the 4.7-5.5
 *  bytes per token measured through real chat templates, so the fallback overestimates, never under. */
export const FALLBACK_BYTES_PER_TOKEN = 4;

export interface DatasetTokens {
  tokens: number;
  /** How they were counted, for messages: `qwen3 tokenizer` or `4 bytes per token`. */
  method: string;
  /** Set when no vocabulary package was installed for the model: the package that would give a tokenizer count. */
  missingVocabulary?: string;
  lines: { counted: number; total?: number };
  /** Relative standard error of `tokens` (0 when every line was counted). */
  relativeStdError: number;
}

/** Tokens of one JSONL line in the formats Together trains on; undefined for a line we cannot read. */
export function lineTokens(tok: SampleTokenizer, line: string): number | undefined {
  let row: unknown;
  try {
    row = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (row === null || typeof row !== "object") return undefined;
  const r = row as Record<string, unknown>;
  if (Array.isArray(r.messages)) return tok.conversation(messages(r.messages));
  if (typeof r.prompt === "string" && typeof r.completion === "string")
    return tok.text(r.prompt + r.completion);
  if (typeof r.text === "string") return tok.text(r.text);
  const input = r.input as { messages?: unknown } | undefined;
  if (
    input &&
    Array.isArray(input.messages) &&
    Array.isArray(r.preferred_output) &&
    Array.isArray(r.non_preferred_output)
  ) {
    // DPO trains on the prompt with each answer.
    const prompt = messages(input.messages);
    return (
      tok.conversation([...prompt, ...messages(r.preferred_output)]) +
      tok.conversation([...prompt, ...messages(r.non_preferred_output)])
    );
  }
  return undefined;
}

function messages(v: unknown[]): ChatMessage[] {
  return v.map((m) => {
    const o = (m ?? {}) as Record<string, unknown>;
    return {
      role: typeof o.role === "string" ? o.role : "user",
      content: typeof o.content === "string" ? o.content : JSON.stringify(o.content ?? ""),
    };
  });
}

const cache = new Map<string, DatasetTokens>();

/** Tokens of `file` for `model`; memoised per file version (size, times, inode) within the process.
 *  `fullCountBytes` (default FULL_COUNT_BYTES): larger files are sampled. */
export async function datasetTokens(
  file: string,
  model: string,
  fullCountBytes = FULL_COUNT_BYTES,
): Promise<DatasetTokens> {
  const st = await fs.promises.stat(file);
  const family = tokenizerFamily(model);
  const key = [file, st.size, st.mtimeMs, st.ctimeMs, st.ino, family, fullCountBytes].join(":");
  const hit = cache.get(key);
  if (hit !== undefined) return hit;
  const tok = family === undefined ? undefined : loadTokenizer(family);
  const count = (line: string): number =>
    (tok === undefined ? undefined : lineTokens(tok, line)) ??
    Math.ceil(Buffer.byteLength(line) / FALLBACK_BYTES_PER_TOKEN);
  const result =
    st.size <= fullCountBytes ? await countAll(file, count) : await countSample(file, st.size, count);
  result.method =
    tok === undefined ? `${FALLBACK_BYTES_PER_TOKEN} bytes per token` : `${tok.family} tokenizer`;
  if (tok === undefined && family !== undefined) result.missingVocabulary = vocabularyPackage(family);
  cache.set(key, result);
  return result;
}

async function countAll(file: string, count: (line: string) => number): Promise<DatasetTokens> {
  const text = await fs.promises.readFile(file, "utf8");
  let tokens = 0;
  let lines = 0;
  for (const line of text.split("\n")) {
    if (line.trim() === "") continue;
    tokens += count(line);
    lines += 1;
  }
  return { tokens, method: "", lines: { counted: lines, total: lines }, relativeStdError: 0 };
}

/** A deterministic generator (mulberry32): the same file gives the same estimate on every preview. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The whole line that starts after the first newline at or after `offset` (undefined past the end). */
async function lineAfter(
  fd: fs.promises.FileHandle,
  offset: number,
  size: number,
  buf: Buffer,
): Promise<string | undefined> {
  let pos = offset;
  let start = -1;
  const parts: Buffer[] = [];
  while (pos < size) {
    const { bytesRead } = await fd.read(buf, 0, buf.length, pos);
    if (bytesRead === 0) break;
    let from = 0;
    if (start < 0) {
      const nl = buf.indexOf(10, 0);
      if (nl < 0 || nl >= bytesRead) {
        pos += bytesRead;
        continue;
      }
      start = pos + nl + 1;
      from = nl + 1;
    }
    const end = buf.indexOf(10, from);
    if (end >= 0 && end < bytesRead) {
      parts.push(Buffer.from(buf.subarray(from, end)));
      return Buffer.concat(parts).toString("utf8");
    }
    parts.push(Buffer.from(buf.subarray(from, bytesRead)));
    pos += bytesRead;
  }
  return parts.length > 0 ? Buffer.concat(parts).toString("utf8") : undefined;
}

async function countSample(
  file: string,
  size: number,
  count: (line: string) => number,
): Promise<DatasetTokens> {
  const next = random(size);
  const fd = await fs.promises.open(file, "r");
  const buf = Buffer.alloc(64 * 1024);
  const tokens: number[] = [];
  const bytes: number[] = [];
  try {
    for (let i = 0; i < SAMPLE_LINES * 2 && tokens.length < SAMPLE_LINES; i++) {
      const line = await lineAfter(fd, Math.floor(next() * size), size, buf);
      if (line === undefined || line.trim() === "") continue;
      tokens.push(count(line));
      bytes.push(Buffer.byteLength(line) + 1);
    }
  } finally {
    await fd.close();
  }
  const n = tokens.length;
  const sumT = tokens.reduce((a, b) => a + b, 0);
  const sumB = bytes.reduce((a, b) => a + b, 0);
  const ratio = sumT / sumB;
  // Standard error of a ratio estimator: the spread of each line's tokens around ratio x its bytes.
  const residual = tokens.reduce((acc, t, i) => acc + (t - ratio * bytes[i]!) ** 2, 0);
  const se = n > 1 ? Math.sqrt(residual / (n - 1) / n) / (sumB / n) : 1;
  return {
    tokens: Math.round(ratio * size),
    method: "",
    lines: { counted: n },
    relativeStdError: se / ratio,
  };
}
