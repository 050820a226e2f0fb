// How close preview's local token count comes to the tokenizer's exact count, and what it costs: on every
// example dataset (small enough to count every line: exact by construction) and on a 200 MB conversational
// file, where preview samples 1,000 lines. The exact count of the big file tokenizes every line once (minutes).
// Size: BENCH_TOKENS_MB (default 200). Run: `npm run bench -- tokens`.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { datasetTokens } from "../provider/estimate/dataset-tokens";
import { exampleLine, prng } from "./check-bench";

const MODEL = "Qwen/Qwen3-0.6B";
const EXAMPLES = path.join(__dirname, "..", "..", "examples");

export interface TokenEstimateRow {
  file: string;
  mb: number;
  lines: string;
  estimate: number;
  exact: number;
  /** (estimate - exact) / exact. */
  error: number;
  /** The estimate's own 95% bound (2 standard errors), relative. */
  stated95: number;
  estimateMs: number;
  exactMs: number;
}

export interface TokenEstimateFigures {
  rows: TokenEstimateRow[];
}

async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const t0 = performance.now();
  const v = await fn();
  return [v, performance.now() - t0];
}

function exampleDatasets(): string[] {
  return fs
    .readdirSync(EXAMPLES)
    .flatMap((ex) => {
      const dir = path.join(EXAMPLES, ex, "data");
      return fs.existsSync(dir) ? fs.readdirSync(dir).map((f) => path.join(dir, f)) : [];
    })
    .filter((f) => f.endsWith(".jsonl"));
}

function bigFile(mb: number): string {
  const file = path.join(os.tmpdir(), `pt-tokens-${mb}mb.jsonl`);
  if (fs.existsSync(file) && fs.statSync(file).size >= mb * 1e6) return file;
  const fd = fs.openSync(`${file}.partial`, "w");
  const rand = prng(7);
  let written = 0;
  try {
    while (written < mb * 1e6) {
      const chunk = Buffer.from(Array.from({ length: 2000 }, () => exampleLine(rand)).join("\n") + "\n");
      fs.writeSync(fd, chunk);
      written += chunk.length;
    }
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(`${file}.partial`, file);
  return file;
}

async function measure(file: string): Promise<TokenEstimateRow> {
  const size = fs.statSync(file).size;
  const [estimate, estimateMs] = await timed(() => datasetTokens(file, MODEL));
  const [exact, exactMs] = await timed(() => datasetTokens(file, MODEL, Infinity));
  const lines =
    estimate.lines.total !== undefined ? `all ${estimate.lines.total}` : `${estimate.lines.counted} sampled`;
  return {
    file: path.basename(file),
    mb: size / 1e6,
    lines,
    estimate: estimate.tokens,
    exact: exact.tokens,
    error: (estimate.tokens - exact.tokens) / exact.tokens,
    stated95: 2 * estimate.relativeStdError,
    estimateMs,
    exactMs,
  };
}

export async function runTokenEstimateBench(): Promise<TokenEstimateFigures> {
  const mb = Number(process.env.BENCH_TOKENS_MB ?? 200);
  const rows: TokenEstimateRow[] = [];
  for (const file of [...exampleDatasets(), bigFile(mb)]) {
    const row = await measure(file);
    rows.push(row);
    console.log(
      `${row.file}: ${row.mb.toFixed(row.mb < 1 ? 3 : 0)} MB, ${row.lines} lines: estimate ${row.estimate.toLocaleString("en-US")} ` +
        `vs exact ${row.exact.toLocaleString("en-US")} tokens (${(100 * row.error).toFixed(2)}%, stated ±${(100 * row.stated95).toFixed(2)}%); ` +
        `estimate ${row.estimateMs.toFixed(0)} ms, exact ${(row.exactMs / 1000).toFixed(1)} s`,
    );
  }
  return { rows };
}
