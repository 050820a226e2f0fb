// `pulumi-together cost-report [file]`: the output of `pulumi preview --json` (a file, or standard input)
// as a Markdown table of what the change costs, for a pull-request comment.
// Type-only: commander is ESM-only and loads through the caller's program (see check-command.ts).
import type { Command } from "commander";
import * as fs from "node:fs/promises";
import type * as CostReportParse from "./cost-report/parse";
import type * as CostReportRender from "./cost-report/render";
import { errorText } from "../provider/shared/error-text";

/** Where the command reads and writes; tests replace both. */
export interface CostReportIo {
  out(text: string): void;
  /** Standard input, read to its end. */
  readStdin(): Promise<string>;
  /** Whether standard input is a terminal (then there is nothing piped to read). */
  stdinIsTty(): boolean;
}

const processIo: CostReportIo = {
  out: (text) => process.stdout.write(text),
  readStdin: async () => {
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString("utf8");
  },
  stdinIsTty: () => process.stdin.isTTY === true,
};

export function registerCostReportCommand(program: Command, io: CostReportIo = processIo): void {
  program
    .command("cost-report")
    .description(
      "Print a Markdown table of what a `pulumi preview --json` would cost: jobs it starts, endpoints' hourly price before and after.",
    )
    .argument("[file]", "the output of `pulumi preview --json` (standard input when omitted or -)")
    .action(async (file: string | undefined) => {
      io.out(await runCostReport(file, io));
    });
}

/** The report for `file` (standard input when undefined or "-"); throws on unreadable or wrong input. */
export async function runCostReport(
  file: string | undefined,
  io: Pick<CostReportIo, "readStdin" | "stdinIsTty">,
): Promise<string> {
  let text: string;
  let source: string;
  if (file === undefined || file === "-") {
    if (io.stdinIsTty()) {
      throw new Error(
        "cost-report: no input. Fix: pass a file (`pulumi preview --json > preview.json`, then " +
          "`pulumi-together cost-report preview.json`) or pipe the preview into it",
      );
    }
    source = "standard input";
    text = await io.readStdin();
  } else {
    source = file;
    try {
      text = await fs.readFile(file, "utf8");
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      throw new Error(
        code === "ENOENT" ? `${file}: no such file` : `${file}: cannot read it (${errorText(err)})`,
        { cause: err },
      );
    }
  }
  // Loaded when the command runs: their zod schemas are most of the CLI's start-up time, which every
  // `check` would pay otherwise.
  const { readCostReport } = require("./cost-report/parse") as typeof CostReportParse;
  const { renderCostReport } = require("./cost-report/render") as typeof CostReportRender;
  return renderCostReport(readCostReport(text, source));
}
