// `pulumi-together check FILE...`: Together's file check, locally, before anything is uploaded.
// Type-only: commander is ESM-only and loads through the caller's program, so this module stays loadable
// where ESM cannot be required (jest on Node 22).
import { Option, type Command } from "commander";
import type { TrainingFilePurpose } from "../provider/resources/training-file/schema";
import { type FileReport, inspectTrainingFile } from "../provider/validate";

/** The TrainingFile schema's purposes, copied: importing its module loads zod, a third of the start-up time
 *  of `check`. The two checks below make the compiler fail when the copy and the schema differ. */
const PURPOSES = ["fine-tune", "eval", "batch-api"] as const satisfies readonly TrainingFilePurpose[];
const DEFAULT_PURPOSE: TrainingFilePurpose = "fine-tune";
type Uncopied = Exclude<TrainingFilePurpose, (typeof PURPOSES)[number]>;
const _allCopied: [Uncopied] extends [never] ? true : Uncopied = true;

/** Where the command writes and how it reports its exit status; tests capture both. */
export interface CheckIo {
  out(text: string): void;
  setExitCode(code: number): void;
}

const processIo: CheckIo = {
  out: (text) => process.stdout.write(text),
  setExitCode: (code) => {
    process.exitCode = code;
  },
};

export interface CheckCommandOptions {
  json?: boolean;
  purpose: string;
  maxErrors: number;
  cache: boolean;
}

export function registerCheckCommand(program: Command, io: CheckIo = processIo): void {
  program
    .command("check")
    .description(
      "Check training files with Together's file rules (JSONL formats, Parquet columns) and hash them.",
    )
    .argument("<files...>", "training files (.jsonl, .parquet; .csv for --purpose eval)")
    .option("--json", "print one JSON report per file, one per line")
    .addOption(
      new Option("--purpose <purpose>", "Together file purpose")
        .choices([...PURPOSES])
        .default(DEFAULT_PURPOSE),
    )
    .option("--max-errors <n>", "failures to report per file (a positive integer)", "20")
    .option("--no-cache", "re-read files even when a cached report matches")
    .action(
      async (
        files: string[],
        raw: Omit<CheckCommandOptions, "maxErrors"> & { maxErrors: string },
        command: Command,
      ) => {
        const maxErrors = Number(raw.maxErrors);
        if (!Number.isInteger(maxErrors) || maxErrors < 1) {
          command.error(
            `error: option '--max-errors <n>' argument '${raw.maxErrors}' is invalid. Expected a positive integer.`,
          );
        }
        io.setExitCode(await runCheck(files, { ...raw, maxErrors }, io));
      },
    );
}

/** Checks the files, prints their reports and returns the exit code: 1 when any file fails. */
export async function runCheck(
  files: string[],
  options: CheckCommandOptions,
  io: Pick<CheckIo, "out">,
): Promise<number> {
  const reports: FileReport[] = [];
  for (const file of files) {
    reports.push(
      await inspectTrainingFile(file, {
        purpose: options.purpose,
        maxErrors: options.maxErrors,
        ...(options.cache ? {} : { cacheDir: false }),
      }),
    );
  }
  io.out(options.json ? formatJson(reports) : formatHuman(reports));
  return reports.every((r) => r.ok) ? 0 : 1;
}

function formatHuman(reports: FileReport[]): string {
  return reports
    .map((r) => {
      if (r.ok) {
        return `ok ${r.file}: ${r.format ?? r.fileType ?? "data"}, ${r.numSamples} ${r.numSamples === 1 ? "sample" : "samples"}\n`;
      }
      const lines = [`FAIL ${r.file}`, ...r.errors.map((e) => `  ${e.message}`)];
      return `${lines.join("\n")}\n`;
    })
    .join("\n");
}

function formatJson(reports: FileReport[]): string {
  const wire = reports.map((r) => ({
    file: r.file,
    ok: r.ok,
    format: r.format ?? null,
    num_samples: r.numSamples,
    bytes: r.bytes,
    sha256: r.sha256,
    errors: r.errors.map((e) => ({ line: e.line ?? null, message: e.message })),
  }));
  return wire.map((w) => `${JSON.stringify(w)}\n`).join("");
}
