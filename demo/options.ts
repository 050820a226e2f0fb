// Command line of `npm run demo -- [--keep] [--program DIR] [--stack NAME] [--harness] [--time-scale N]`.
import * as path from "node:path";
import { Command, InvalidArgumentError } from "commander";

export interface DemoOptions {
  /** Absolute path of the Pulumi TypeScript program directory. */
  programDir: string;
  stack: string;
  keep: boolean;
  /** Use the lifecycle harness even when a Pulumi CLI is installed. */
  harness: boolean;
  timeScale: number;
}

function positiveNumber(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError("expected a positive number");
  return n;
}

export function parseOptions(argv: string[], defaultProgramDir: string): DemoOptions {
  const cmd = new Command()
    .name("npm run demo --")
    .description(
      "Runs a Pulumi program against the bundled Together emulator: with the Pulumi CLI when one is on PATH, " +
        "otherwise through the project's lifecycle harness (the real dynamic-provider process).",
    )
    .option("--program <dir>", "Pulumi TypeScript program directory", defaultProgramDir)
    .option(
      "--stack <name>",
      "stack name; config is read from Pulumi.<stack>.yaml in the program directory",
      "dev",
    )
    .option("--keep", "leave the stack up and the emulator running (Ctrl-C stops it)", false)
    .option("--harness", "use the lifecycle harness even if the Pulumi CLI is installed", false)
    .option(
      "--time-scale <n>",
      "how many times faster than real time the emulator's clock runs",
      positiveNumber,
      600,
    )
    .showHelpAfterError()
    .parse(argv);
  const o = cmd.opts<{
    program: string;
    stack: string;
    keep: boolean;
    harness: boolean;
    timeScale: number;
  }>();
  return {
    // npm runs scripts from the package root; a relative --program is meant from where npm was invoked.
    programDir: path.resolve(process.env.INIT_CWD ?? process.cwd(), o.program),
    stack: o.stack,
    keep: o.keep,
    harness: o.harness,
    timeScale: o.timeScale,
  };
}
