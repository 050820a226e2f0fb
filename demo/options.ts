// Command line of `npm run demo -- [--keep] [--program DIR] [--stack NAME] [--harness] [--time-scale N]
// [--emulator URL --api-key KEY] [--state DIR]`.
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
  /** Base URL (`http://127.0.0.1:<port>/v1`) of a running emulator to use instead of starting one. */
  emulatorUrl?: string | undefined;
  /** The API key the running emulator accepts (with emulatorUrl). */
  apiKey?: string | undefined;
  /** Absolute path of a directory that keeps Pulumi's state between runs (then nothing is destroyed). */
  stateDir?: string | undefined;
}

function positiveNumber(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError("expected a positive number");
  return n;
}

function emulatorUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new InvalidArgumentError("expected a URL such as http://127.0.0.1:8787/v1");
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new InvalidArgumentError("expected an http:// URL such as http://127.0.0.1:8787/v1");
  }
  // `pulumi-together emulator` prints the base URL with /v1; accept its origin too.
  const base = url.pathname.replace(/\/+$/, "");
  return `${url.origin}${base === "" ? "/v1" : base}`;
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
    .option(
      "--emulator <url>",
      "use a running emulator (`npx pulumi-together emulator` prints its base URL) instead of starting one",
      emulatorUrl,
    )
    .option("--api-key <key>", "the API key the running emulator accepts (with --emulator)")
    .option(
      "--state <dir>",
      "keep Pulumi's state in DIR between runs and do not destroy (needs --emulator), to try updates and replaces",
    )
    .showHelpAfterError()
    .parse(argv);
  const o = cmd.opts<{
    program: string;
    stack: string;
    keep: boolean;
    harness: boolean;
    timeScale: number;
    emulator?: string;
    apiKey?: string | undefined;
    state?: string;
  }>();
  if (o.emulator !== undefined && o.apiKey === undefined) {
    cmd.error("error: --emulator needs --api-key KEY (the key the running emulator prints)");
  }
  if (o.apiKey !== undefined && o.emulator === undefined) {
    cmd.error("error: --api-key goes with --emulator URL (the demo's own emulator makes its own key)");
  }
  if (o.state !== undefined && o.emulator === undefined) {
    cmd.error(
      "error: --state needs --emulator URL: the objects the kept state names live in the emulator, and the " +
        "demo's own emulator stops when it ends (start one with `npx pulumi-together emulator --api-key KEY`)",
    );
  }
  // npm runs scripts from the package root; relative paths are meant from where npm was invoked.
  const from = process.env.INIT_CWD ?? process.cwd();
  return {
    programDir: path.resolve(from, o.program),
    stack: o.stack,
    keep: o.keep,
    harness: o.harness,
    timeScale: o.timeScale,
    emulatorUrl: o.emulator,
    apiKey: o.apiKey,
    stateDir: o.state === undefined ? undefined : path.resolve(from, o.state),
  };
}
