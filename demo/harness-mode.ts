// Drives the program through the project's lifecycle harness: the program runs in this process under
// Pulumi's mocks, and every resource goes to the real dynamic-provider process, which talks to the emulator.
// Preview, up, a second up (nothing to change) and, unless --keep, destroy.
import * as fs from "node:fs";
import * as path from "node:path";
import { HarnessRunError, LifecycleHarness, type RunOptions, type RunResult } from "../testing/harness";
import { emulatorEnv, type DemoContext } from "./context";
import { formatCounts, formatOps, formatOutputs } from "./report";
import { registerTsLoader } from "./ts-loader";
import { errorText } from "../provider/shared/error-text";

/** The program's entry: package.json `main` when it names a file, else index.ts. */
function programEntry(dir: string): string {
  const pkgFile = path.join(dir, "package.json");
  if (fs.existsSync(pkgFile)) {
    const main = (JSON.parse(fs.readFileSync(pkgFile, "utf8")) as { main?: unknown }).main;
    if (typeof main === "string" && fs.existsSync(path.join(dir, main))) return path.join(dir, main);
  }
  const index = path.join(dir, "index.ts");
  if (!fs.existsSync(index)) throw new Error(`${dir} has no index.ts (and no package.json main) to run`);
  return index;
}

function elapsed(started: number): string {
  return `${((Date.now() - started) / 1000).toFixed(1)}s`;
}

export async function runWithHarness(ctx: DemoContext): Promise<void> {
  const { options, program, print } = ctx;
  const loader = registerTsLoader(options.programDir);
  const previousCwd = process.cwd();
  try {
    const entry = programEntry(options.programDir);
    // One file per stack, so --state DIR can hold several stacks between runs.
    const stateFile = path.join(ctx.stateDir, `harness-${options.stack}.json`);
    const harness = new LifecycleHarness({
      stateFile,
      project: program.project,
      stack: options.stack,
      cwd: options.programDir,
      env: emulatorEnv(ctx),
    });
    const run: RunOptions = { config: program.config };
    const runProgram = (): Record<string, unknown> => {
      loader.forgetProgram();
      return { ...(require(entry) as Record<string, unknown>) };
    };
    print(`Program ${entry}, stack ${options.stack}, state in ${stateFile}`);
    print();
    // Like the Pulumi CLI: the program (and its relative paths) runs from its own directory.
    process.chdir(options.programDir);

    const step = async (
      title: string,
      preview: boolean,
      go: () => Promise<RunResult>,
    ): Promise<RunResult> => {
      print(`${title}:`);
      const started = Date.now();
      try {
        const r = await go();
        for (const line of formatOps(r.ops, r.providerLog, preview)) print(line);
        print();
        for (const line of formatOutputs(r.outputs)) print(line);
        print("Resources:");
        for (const line of formatCounts(r.ops, preview)) print(line);
        print(`Duration: ${elapsed(started)}`);
        print();
        return r;
      } catch (err) {
        if (err instanceof HarnessRunError) {
          for (const line of formatOps(err.ops, err.providerLog, preview)) print(line);
        }
        print(`error: ${errorText(err)}`);
        throw err;
      }
    };

    const destroy = () => step(`Destroying (${options.stack})`, false, () => harness.destroy(run));
    // --state keeps the stack between runs: preview and up only, nothing destroyed, even on failure.
    const keepStack = options.keep || options.stateDir !== undefined;
    try {
      await step(`Previewing update (${options.stack})`, true, () => harness.preview(runProgram, run));
      await step(`Updating (${options.stack})`, false, () => harness.up(runProgram, run));
      if (options.stateDir === undefined) {
        await step(`Updating (${options.stack}) again, nothing changed`, false, () =>
          harness.up(runProgram, run),
        );
      }
    } catch (err) {
      if (!keepStack && harness.state().resources.length > 0) {
        print("The run failed: destroying what it created.");
        await destroy().catch(() => undefined);
      }
      throw err;
    }
    if (!keepStack) await destroy();
  } finally {
    process.chdir(previousCwd);
    loader.dispose();
  }
}
