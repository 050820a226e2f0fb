// Runs the program with the real Pulumi CLI: a local file backend, the provider pointed at the emulator through
// the environment, and a copy of the program whose node_modules links this package and its dependencies (so
// nothing is installed, the program directory stays untouched, and everything resolves from the program's own
// node_modules, as in a user's program: no NODE_PATH). Commands that run the program (preview, up, destroy)
// go through scripts/run-program.cjs when the CLI has no Node.js language host (a CLI built by
// scripts/pulumi-cli.sh has none); with one, `pulumi` runs as a user runs it.
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { languageHostBeside, onPath } from "../scripts/real-cli/find-cli";
import { emulatorEnv, type DemoContext } from "./context";

/** The `pulumi` executable on PATH, if any. */
export function findPulumi(): string | undefined {
  return onPath("pulumi");
}

const SKIPPED = new Set(["node_modules", "bin", ".git"]);
const PROGRAM_COMMANDS = new Set(["preview", "up", "update", "refresh", "destroy"]);

/** The program copied without its build or dependency folders, with node_modules linking to this repository's.
 *  With --state it goes beside the state (copied afresh each run), so the printed destroy command still works. */
function stageProgram(ctx: DemoContext): string {
  const dir = path.join(ctx.options.stateDir !== undefined ? ctx.stateDir : ctx.workDir, "program");
  fs.rmSync(dir, { recursive: true, force: true });
  fs.cpSync(ctx.options.programDir, dir, {
    recursive: true,
    filter: (src) => !SKIPPED.has(path.basename(src)) || src === ctx.options.programDir,
  });
  // run-program.cjs and Pulumi's language host read package.json for the entry point.
  if (!fs.existsSync(path.join(dir, "package.json"))) {
    fs.writeFileSync(
      path.join(dir, "package.json"),
      JSON.stringify({ name: ctx.program.project, main: "index.ts" }),
    );
  }
  const modules = path.join(dir, "node_modules");
  fs.mkdirSync(modules);
  const repoModules = path.join(ctx.repoRoot, "node_modules");
  for (const name of fs.readdirSync(repoModules)) {
    if (name.startsWith(".")) continue;
    fs.symlinkSync(path.join(repoModules, name), path.join(modules, name));
  }
  // The provider process resolves `pulumi-together/runtime` from its working directory, the program's.
  fs.symlinkSync(ctx.repoRoot, path.join(modules, "pulumi-together"), "dir");
  return dir;
}

export interface CliRun {
  /** How to destroy the stack later (with --keep or --state). */
  destroyHint: string;
}

export async function runWithCli(ctx: DemoContext, bin: string): Promise<CliRun> {
  const { options, print } = ctx;
  const cwd = stageProgram(ctx);
  const backend = `file://${ctx.stateDir}`;
  const runProgram = path.join(ctx.repoRoot, "scripts", "run-program.cjs");
  const languageHost = languageHostBeside(bin);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ...emulatorEnv(ctx),
    PULUMI_BACKEND_URL: backend,
    PULUMI_CONFIG_PASSPHRASE: "pulumi-together-demo",
    PULUMI_SKIP_UPDATE_CHECK: "true",
    // Type checking is the build's job; the demo only runs the program.
    PULUMI_NODEJS_TRANSPILE_ONLY: "true",
    // The CLI run-program.cjs starts (it runs `pulumi` from PATH otherwise).
    PULUMI_TOGETHER_E2E_PULUMI: bin,
    // Everything resolves from the staged program's node_modules, as in a user's program.
    PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
    // The program is compiled by this repository's TypeScript (6), not the one it was written for, and Pulumi's
    // TypeScript template says `"moduleResolution": "node"`, which TypeScript 6 refuses as deprecated (TS5107).
    TS_NODE_COMPILER_OPTIONS:
      process.env.TS_NODE_COMPILER_OPTIONS ?? JSON.stringify({ ignoreDeprecations: "6.0" }),
  };
  delete env.NODE_PATH;

  const pulumi = (args: string[], capture = false): Promise<string> =>
    new Promise((resolve, reject) => {
      const viaRunner = !languageHost && PROGRAM_COMMANDS.has(args[0] ?? "");
      const [command, argv] = viaRunner ? [process.execPath, [runProgram, ...args]] : [bin, args];
      const child = spawn(command, argv, {
        cwd,
        env,
        stdio: ["ignore", capture ? "pipe" : "inherit", "inherit"],
      });
      let out = "";
      child.stdout?.on("data", (chunk: Buffer) => (out += chunk.toString()));
      child.on("error", reject);
      child.on("close", (code) => {
        if (code === 0) resolve(out);
        else reject(new Error(`pulumi ${args.join(" ")} exited with code ${code ?? "null"}`));
      });
    });

  const stack = ["--stack", options.stack];
  print(
    `Pulumi CLI ${bin}` +
      (languageHost
        ? ""
        : " (no pulumi-language-nodejs beside it: preview, up and destroy run through scripts/run-program.cjs)") +
      `, program copied to ${cwd}, backend ${backend}`,
  );
  print();
  // With --state the stack may exist from an earlier run.
  await pulumi(["stack", "select", "--create", options.stack, "--non-interactive"]);
  const nonInteractive = ["--non-interactive", ...stack];
  const keepStack = options.keep || options.stateDir !== undefined;
  const destroy = async (): Promise<void> => {
    await pulumi(["destroy", "--yes", ...nonInteractive]);
    await pulumi(["stack", "rm", "--yes", ...nonInteractive]);
  };
  try {
    await pulumi(["preview", ...nonInteractive]);
    await pulumi(["up", "--yes", ...nonInteractive]);
    // A second up shows that nothing changes when nothing was edited.
    if (options.stateDir === undefined) await pulumi(["up", "--yes", ...nonInteractive]);
    const outputs = await pulumi(["stack", "output", "--json", ...stack], true);
    print("Stack outputs (pulumi stack output --json):");
    print(outputs.trimEnd());
    print();
  } catch (err) {
    if (!keepStack) {
      print("The run failed: destroying what it created.");
      await destroy().catch(() => undefined);
    }
    throw err;
  }
  const command = languageHost
    ? "pulumi destroy"
    : `PULUMI_TOGETHER_E2E_PULUMI=${bin} node ${runProgram} destroy`;
  const destroyHint =
    `cd ${cwd} && PULUMI_BACKEND_URL=${backend} PULUMI_CONFIG_PASSPHRASE=${env.PULUMI_CONFIG_PASSPHRASE} ` +
    `TOGETHER_BASE_URL=${ctx.emulator.baseUrl} TOGETHER_API_KEY=${ctx.emulator.apiKey} ` +
    `PULUMI_TOGETHER_TIME_SCALE=${ctx.emulator.timeScale} ${command} --yes ${stack.join(" ")}`;
  if (!keepStack) await destroy();
  return { destroyHint };
}
