// inspectTrainingFile: stat, consult the cache, then one streaming pass that hashes and validates.
import { createHash } from "node:crypto";
import { promises as fs, type Stats } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { cacheEntryPath, readCachedReport, writeCachedReport } from "./cache";
import { CsvChecker } from "./csv-check";
import { IssueCollector, problem, type Problem } from "./issues";
import { JsonlChecker } from "./jsonl-check";
import {
  DEFAULT_MAX_ERRORS,
  GIB,
  CHECK_BLOCK_BYTES,
  MAX_CHECK_THREADS,
  MAX_FILE_SIZE_BYTES,
  MAX_FILE_SIZE_GIB,
  PARALLEL_MIN_BYTES,
  READ_CHUNK_BYTES,
} from "./limits";
import { checkJsonlInParallel, type JsonlFacts } from "./parallel-jsonl";
import type * as ParquetCheck from "./parquet-check";
import { RANGE_WORKER_SCRIPT, RUNNING_FROM_SOURCES } from "./range-workers";
import { readThrough } from "./read-through";
import { splitAtNewlines } from "./split-ranges";
import { type DatasetFormat, type FileReport, type InspectOptions } from "./types";

/**
 * Per user, never the shared temp directory: the reports hold each dataset's SHA-256, and another user must neither
 * read them nor plant a report that passes a bad file (the folder is made 0700, the entries 0600).
 */
export const DEFAULT_CACHE_DIR = defaultCacheDir();

function defaultCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  const xdg = env.XDG_CACHE_HOME?.trim();
  const base = xdg && path.isAbsolute(xdg) ? xdg : path.join(os.homedir(), ".cache");
  return path.join(base, "pulumi-together", "inspect-cache");
}

interface Settings {
  purpose: string;
  check: boolean;
  maxErrors: number;
}

export async function inspectTrainingFile(filePath: string, opts: InspectOptions = {}): Promise<FileReport> {
  const settings: Settings = {
    purpose: opts.purpose ?? "fine-tune",
    check: opts.check ?? true,
    maxErrors: opts.maxErrors ?? DEFAULT_MAX_ERRORS,
  };
  if (!Number.isInteger(settings.maxErrors) || settings.maxErrors < 1) {
    throw new RangeError(`maxErrors must be a positive integer, got ${settings.maxErrors}`);
  }
  let stats: Stats;
  try {
    stats = await fs.stat(filePath);
  } catch (err) {
    return unreadable(filePath, err);
  }
  if (!stats.isFile()) {
    return failedBeforeReading(
      filePath,
      problem(`${path.resolve(filePath)} is not a regular file`, "name a file"),
    );
  }
  const cacheDir = opts.cacheDir ?? DEFAULT_CACHE_DIR;
  const entry =
    cacheDir === false
      ? undefined
      : cacheEntryPath(cacheDir, {
          realpath: await fs.realpath(filePath),
          size: stats.size,
          mtimeMs: stats.mtimeMs,
          // A change that restores size and mtime (touch -r, a copy with --preserve) still moves ctime.
          ctimeMs: stats.ctimeMs,
          ino: stats.ino,
          ...settings,
        });
  if (entry !== undefined) {
    const cached = await readCachedReport(entry);
    if (cached) return { ...cached, file: filePath };
  }
  let fh: fs.FileHandle;
  try {
    fh = await fs.open(filePath, "r");
  } catch (err) {
    return unreadable(filePath, err);
  }
  try {
    const report = await scan(fh, filePath, stats.size, settings, opts.parallel);
    const after = await fh.stat();
    // A file written to while it was read gives a report of no particular version: do not keep it.
    if (
      entry !== undefined &&
      after.size === stats.size &&
      after.mtimeMs === stats.mtimeMs &&
      after.ctimeMs === stats.ctimeMs
    ) {
      await writeCachedReport(entry, report);
    }
    return report;
  } finally {
    await fh.close();
  }
}

function unreadable(filePath: string, err: unknown): FileReport {
  const code = (err as NodeJS.ErrnoException).code;
  const what =
    code === "ENOENT" || code === "ENOTDIR"
      ? `file not found at ${path.resolve(filePath)}`
      : `${path.resolve(filePath)} cannot be read (${code ?? String(err)})`;
  return failedBeforeReading(
    filePath,
    problem(what, `check the path and its permissions (relative paths start at ${process.cwd()})`),
  );
}

function failedBeforeReading(filePath: string, p: Problem): FileReport {
  const issues = new IssueCollector(path.basename(filePath), 1);
  issues.add(p);
  return {
    file: filePath,
    ok: false,
    bytes: 0,
    sha256: "",
    fileType: fileTypeOf(filePath),
    format: undefined,
    numSamples: 0,
    errors: issues.finish(),
    omittedErrors: 0,
  };
}

function fileTypeOf(filePath: string): FileReport["fileType"] {
  switch (path.extname(filePath)) {
    case ".jsonl":
      return "jsonl";
    case ".parquet":
      return "parquet";
    case ".csv":
      return "csv";
    default:
      return undefined;
  }
}

async function scan(
  fh: fs.FileHandle,
  filePath: string,
  size: number,
  settings: Settings,
  parallel: InspectOptions["parallel"],
): Promise<FileReport> {
  const issues = new IssueCollector(path.basename(filePath), settings.maxErrors);
  const fileType = fileTypeOf(filePath);
  const plan = settings.check ? planChecks(fileType, size, settings.purpose, issues) : {};
  if (plan.tooLarge) return tooLargeReport(filePath, size, fileType, issues);
  const jsonl = plan.jsonl && (await inParallel(fh, filePath, size, plan.jsonl, settings, parallel, issues));
  let facts: JsonlFacts;
  if (jsonl) {
    facts = jsonl;
  } else {
    const hash = createHash("sha256");
    const bytes = await readThrough(fh, hash, plan.jsonl?.consume ?? plan.csv?.consume, READ_CHUNK_BYTES);
    facts = { bytes, sha256: hash.digest("hex"), lines: 0, format: undefined };
  }

  let format: DatasetFormat | undefined;
  let numSamples = 0;
  if (jsonl) {
    format = jsonl.format;
    numSamples = jsonl.lines;
  } else if (plan.jsonl) {
    format = plan.jsonl.format;
    numSamples = plan.jsonl.lines;
  } else if (plan.csv) {
    numSamples = plan.csv.records;
  } else if (plan.parquet) {
    // Loaded here, not at start-up: hyparquet costs every `check` of a JSONL file ~10 ms otherwise.
    const { checkParquet } = require("./parquet-check") as typeof ParquetCheck;
    const found = await checkParquet(fh, facts.bytes, issues);
    if (found.readable) format = "tokenized";
    numSamples = found.rows;
  }
  const errors = issues.finish();
  return {
    file: filePath,
    ok: issues.count === 0,
    bytes: facts.bytes,
    sha256: facts.sha256,
    fileType,
    format,
    numSamples,
    errors,
    omittedErrors: issues.omitted,
  };
}

/** The check of a big JSONL file on several cores, or undefined where one pass it is: a small file, one core,
 *  or lines too long to cut the file anywhere. */
async function inParallel(
  fh: fs.FileHandle,
  filePath: string,
  size: number,
  checker: JsonlChecker,
  settings: Settings,
  parallel: InspectOptions["parallel"],
  issues: IssueCollector,
): Promise<JsonlFacts | undefined> {
  // This thread is one of the cores: it hashes the file and checks blocks from the front.
  const workers = parallel?.workers ?? Math.min(os.availableParallelism(), MAX_CHECK_THREADS) - 1;
  if (workers < 1 || size < (parallel?.minBytes ?? PARALLEL_MIN_BYTES)) return undefined;
  const blockBytes = parallel?.blockBytes ?? CHECK_BLOCK_BYTES;
  const blocks = await splitAtNewlines(fh, size, Math.ceil(size / blockBytes));
  if (blocks.length < 2) return undefined;
  return checkJsonlInParallel(
    fh,
    {
      file: filePath,
      blocks,
      formats: checker.formats,
      maxErrors: settings.maxErrors,
      workers,
      script: RUNNING_FROM_SOURCES ? undefined : RANGE_WORKER_SCRIPT,
    },
    issues,
  );
}

interface Plan {
  jsonl?: JsonlChecker;
  csv?: CsvChecker;
  parquet?: true;
  /** Together cannot take the file at all: reading tens of GiB to list further problems would help no one. */
  tooLarge?: true;
}

function tooLargeReport(
  filePath: string,
  size: number,
  fileType: FileReport["fileType"],
  issues: IssueCollector,
): FileReport {
  return {
    file: filePath,
    ok: false,
    bytes: size,
    sha256: "",
    fileType,
    format: undefined,
    numSamples: 0,
    errors: issues.finish(),
    omittedErrors: 0,
  };
}

/** Whole-file rules (size, extension, purpose), and which content checker runs during the pass. */
function planChecks(
  fileType: FileReport["fileType"],
  size: number,
  purpose: string,
  issues: IssueCollector,
): Plan {
  if (size > MAX_FILE_SIZE_BYTES) {
    issues.add(
      problem(
        `the file is ${(size / GIB).toFixed(3)} GiB, over Together's ${MAX_FILE_SIZE_GIB} GiB limit`,
        "split the data into smaller files",
      ),
    );
    return { tooLarge: true };
  }
  if (size === 0) {
    issues.add(problem("the file is empty", "write at least one training example"));
    return {};
  }
  const evalPurpose = purpose === "eval";
  switch (fileType) {
    case "jsonl":
      // Training formats apply to fine-tuning data only; eval and batch-api files are one JSON object per line.
      return { jsonl: new JsonlChecker(issues, purpose === "fine-tune") };
    case "parquet":
      if (evalPurpose) {
        issues.add(
          problem("Parquet files are not supported for purpose eval", "use .jsonl or .csv for eval data"),
        );
        return {};
      }
      return { parquet: true };
    case "csv":
      if (!evalPurpose) {
        issues.add(
          problem(
            `CSV files are not supported for purpose ${purpose}`,
            "convert the data to .jsonl (or tokenized .parquet); CSV is accepted only for purpose eval",
          ),
        );
        return {};
      }
      return { csv: new CsvChecker(issues) };
    default:
      issues.add(
        problem(
          `unsupported file extension "${path.extname(issues.fileName) || "(none)"}"; supported: .jsonl, .parquet${evalPurpose ? ", .csv" : ""}`,
          "save text datasets as .jsonl or tokenized data as .parquet, with that extension",
        ),
      );
      return {};
  }
}
