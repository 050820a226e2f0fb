// `npm run demo`: the quickstart (or any Pulumi TypeScript program, --program DIR) deployed against the bundled
// Together emulator on an accelerated clock, then destroyed, ending with the emulator's own account of what is
// left running. With the Pulumi CLI on PATH it runs the real CLI on a local file backend; without it, the
// project's lifecycle harness drives the real dynamic-provider process.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { startEmulator, type EmulatorSummary } from "../emulator";
import { findPulumi, runWithCli } from "./cli-mode";
import type { DemoContext, DemoEmulator } from "./context";
import { runWithHarness } from "./harness-mode";
import { parseOptions } from "./options";
import { readProgramProject, type ProgramProject } from "./stack-config";
import { errorText } from "../provider/shared/error-text";

const REPO_ROOT = path.resolve(__dirname, "../..");

function print(line = ""): void {
  process.stdout.write(`${line}\n`);
}

/** The demo's own emulator, on a free loopback port. */
async function ownEmulator(timeScale: number): Promise<DemoEmulator> {
  const emulator = await startEmulator({ timeScale });
  return {
    baseUrl: emulator.baseUrl,
    apiKey: emulator.apiKey,
    timeScale,
    own: true,
    summary: () => Promise.resolve(emulator.summary()),
    close: () => emulator.close(),
  };
}

/** A running emulator (`pulumi-together emulator`), read through its `GET /_emulator/state`. */
async function runningEmulator(baseUrl: string, apiKey: string): Promise<DemoEmulator> {
  const stateUrl = `${new URL(baseUrl).origin}/_emulator/state`;
  const state = async (): Promise<{ summary: EmulatorSummary; timeScale: number }> => {
    let res: Response;
    try {
      res = await fetch(stateUrl);
    } catch (err) {
      throw new Error(
        `no emulator answers at ${baseUrl} (${errorText((err as { cause?: unknown }).cause ?? err)}). ` +
          "Fix: start one with `npx pulumi-together emulator --port 8787 --api-key KEY`, or drop --emulator.",
        { cause: err },
      );
    }
    if (!res.ok) throw new Error(`${stateUrl} answered ${res.status}: is ${baseUrl} a Together emulator?`);
    return (await res.json()) as { summary: EmulatorSummary; timeScale: number };
  };
  const { timeScale } = await state();
  return {
    baseUrl,
    apiKey,
    timeScale,
    own: false,
    summary: async () => (await state()).summary,
    close: () => Promise.resolve(),
  };
}

function printSummary(s: EmulatorSummary): void {
  // v2 (a stack with together:projectId) is named only when it was used, so the v1 line stays as it was.
  const v2 =
    s.deploymentsCreated > 0
      ? `; v2: ${s.v2EndpointsLive} endpoint(s) live, ${s.deploymentsLive} deployment(s) live of ` +
        `${s.deploymentsCreated} created, ${s.deploymentsBilling} billing`
      : "";
  print(
    `Emulator: ${s.filesLive} file(s) live of ${s.filesCreated} uploaded; ${s.jobsActive} job(s) active of ` +
      `${s.jobsCreated} started; ${s.endpointsLive} endpoint(s) live of ${s.endpointsCreated} created, ` +
      `${s.endpointsBilling} billing${v2}.`,
  );
}

/** True when the emulator holds nothing that runs or bills. */
async function confirmNothingLeft(emulator: DemoEmulator): Promise<boolean> {
  const s = await emulator.summary();
  printSummary(s);
  const clean =
    s.jobsActive === 0 &&
    s.endpointsLive === 0 &&
    s.endpointsBilling === 0 &&
    s.filesLive === 0 &&
    s.v2EndpointsLive === 0 &&
    s.deploymentsLive === 0 &&
    s.deploymentsBilling === 0;
  print(
    clean
      ? "Nothing is left running or billing in the emulator."
      : "Something is still live in the emulator.",
  );
  return clean;
}

function printKeepHelp(emulator: DemoEmulator, destroyHint: string | undefined): void {
  const origin = new URL(emulator.baseUrl).origin;
  print("--keep: the stack is still up and the emulator keeps running until Ctrl-C.");
  print(`  Base URL: ${emulator.baseUrl}`);
  print(`  API key:  ${emulator.apiKey}`);
  print(`  State:    curl -s ${origin}/_emulator/state`);
  print(
    `  API:      curl -s -H "Authorization: Bearer ${emulator.apiKey}" "${emulator.baseUrl}/endpoints?type=dedicated"`,
  );
  if (destroyHint) print(`  Destroy:  ${destroyHint}`);
}

/** Ctrl-C ends the demo (exit hooks still remove the scratch directory and stop provider processes); with
 *  --keep, once the stack is up, it is what the demo waits for. */
let onSignal = (): void => process.exit(130);
process.on("SIGINT", () => onSignal());
process.on("SIGTERM", () => onSignal());

function waitForSignal(): Promise<void> {
  // With --emulator the demo holds no server of its own: without a timer the event loop would empty, Node would
  // exit at once, and the exit hooks would remove the scratch directory that holds the kept stack's state.
  const alive = setInterval(() => undefined, 2 ** 30);
  return new Promise((resolve) => {
    onSignal = () => {
      clearInterval(alive);
      resolve();
    };
  });
}

async function main(): Promise<number> {
  const started = Date.now();
  const options = parseOptions(process.argv, path.join(REPO_ROOT, "examples", "quickstart"));
  let program: ProgramProject;
  try {
    program = readProgramProject(options.programDir, options.stack);
  } catch (err) {
    print(`Demo failed: ${errorText(err)}`);
    return 1;
  }
  let emulator: DemoEmulator;
  try {
    emulator =
      options.emulatorUrl !== undefined && options.apiKey !== undefined
        ? await runningEmulator(options.emulatorUrl, options.apiKey)
        : await ownEmulator(options.timeScale);
  } catch (err) {
    print(`Demo failed: ${errorText(err)}`);
    return 1;
  }
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), "pulumi-together-demo-"));
  process.on("exit", () => fs.rmSync(workDir, { recursive: true, force: true }));
  const stateDir = options.stateDir ?? path.join(workDir, "state");
  fs.mkdirSync(stateDir, { recursive: true });
  const ctx: DemoContext = { options, program, emulator, workDir, stateDir, repoRoot: REPO_ROOT, print };
  try {
    print(
      `Together emulator on ${emulator.baseUrl} (${emulator.own ? "started by the demo" : "already running"}, ` +
        `clock ${emulator.timeScale}x faster than real time)`,
    );
    if (options.stateDir !== undefined) {
      print(`State kept in ${options.stateDir} between runs: nothing is destroyed at the end.`);
    }
    print(
      `Program ${program.project} in ${options.programDir}` +
        (program.stackFile ? `, config from ${path.basename(program.stackFile)}` : ""),
    );
    const bin = options.harness ? undefined : findPulumi();
    let destroyHint: string | undefined;
    if (bin) {
      destroyHint = (await runWithCli(ctx, bin)).destroyHint;
    } else {
      print(
        options.harness
          ? "--harness: driving the program through the project's lifecycle harness."
          : "Pulumi CLI not found on PATH: driving the same program through the project's lifecycle harness " +
              "(the real dynamic-provider process; the engine's steps are played by testing/harness.ts).",
      );
      await runWithHarness(ctx);
    }
    if (options.stateDir !== undefined) {
      printSummary(await emulator.summary());
      print(
        `The stack is still up; its state is in ${options.stateDir}. Edit the program and run the same command ` +
          "again to see an update or a replace.",
      );
      if (destroyHint) print(`Destroy it with: ${destroyHint}`);
      print(`Demo finished in ${((Date.now() - started) / 1000).toFixed(1)}s.`);
      return 0;
    }
    if (options.keep) {
      printKeepHelp(emulator, destroyHint);
      await waitForSignal();
      return 0;
    }
    const clean = await confirmNothingLeft(emulator);
    print(`Demo finished in ${((Date.now() - started) / 1000).toFixed(1)}s.`);
    return clean ? 0 : 1;
  } catch (err) {
    print(`Demo failed: ${errorText(err)}`);
    await confirmNothingLeft(emulator).catch(() => false);
    return 1;
  } finally {
    await emulator.close();
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
