// Runs the program with the real Pulumi CLI: a local file backend in the scratch directory, the provider
// pointed at the emulator through the environment, and a copy of the program whose node_modules links this
// package and its dependencies (so nothing is installed and the program directory stays untouched).
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { emulatorEnv, type DemoContext } from "./context";

/** The `pulumi` executable on PATH, if any. */
export function findPulumi(): string | undefined {
  for (const dir of (process.env.PATH ?? "").split(path.delimiter)) {
    if (dir === "") continue;
    const candidate = path.join(dir, process.platform === "win32" ? "pulumi.exe" : "pulumi");
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      return candidate;
    } catch {
      continue;
    }
  }
  return undefined;
}

const SKIPPED = new Set(["node_modules", "bin", ".git"]);

/** The program copied without its build or dependency folders, with node_modules linking to this repository's. */
function stageProgram(ctx: DemoContext): string {
  const dir = path.join(ctx.workDir, "program");
  fs.cpSync(ctx.options.programDir, dir, {
    recursive: true,
    filter: (src) => !SKIPPED.has(path.basename(src)) || src === ctx.options.programDir,
  });
  const modules = path.join(dir, "node_modules");
  fs.mkdirSync(modules);
  const repoModules = path.join(ctx.repoRoot, "node_modules");
  for (const name of fs.readdirSync(repoModules)) {
    if (name.startsWith(".")) continue;
    fs.symlinkSync(path.join(repoModules, name), path.join(modules, name));
  }
  fs.symlinkSync(ctx.repoRoot, path.join(modules, "pulumi-together"), "dir");
  return dir;
}

function pulumi(
  bin: string,
  args: string[],
  cwd: string,
  env: NodeJS.ProcessEnv,
  capture = false,
): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { cwd, env, stdio: ["ignore", capture ? "pipe" : "inherit", "inherit"] });
    let out = "";
    child.stdout?.on("data", (chunk: Buffer) => (out += chunk.toString()));
    child.on("error", reject);
    child.on("close", (code) => {
      if (code === 0) resolve(out);
      else reject(new Error(`pulumi ${args.join(" ")} exited with code ${code ?? "null"}`));
    });
  });
}

export interface CliRun {
  /** How to destroy the stack later (with --keep). */
  destroyHint: string;
}

export async function runWithCli(ctx: DemoContext, bin: string): Promise<CliRun> {
  const { options, print } = ctx;
  const cwd = stageProgram(ctx);
  const backend = path.join(ctx.workDir, "backend");
  fs.mkdirSync(backend);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ...emulatorEnv(ctx),
    PULUMI_BACKEND_URL: `file://${backend}`,
    PULUMI_CONFIG_PASSPHRASE: "pulumi-together-demo",
    PULUMI_SKIP_UPDATE_CHECK: "true",
    // Type checking is the build's job; the demo only runs the program.
    PULUMI_NODEJS_TRANSPILE_ONLY: "true",
    // The serialized providers require pulumi-together by name from the provider process.
    NODE_PATH: [path.join(cwd, "node_modules"), process.env.NODE_PATH].filter((p) => p).join(path.delimiter),
  };
  const stack = ["--stack", options.stack];
  print(`Pulumi CLI ${bin}, program copied to ${cwd}, backend ${env.PULUMI_BACKEND_URL}`);
  print();
  await pulumi(bin, ["stack", "init", options.stack, "--non-interactive"], cwd, env);
  const up = ["up", "--yes", "--non-interactive", ...stack];
  const destroy = async (): Promise<void> => {
    await pulumi(bin, ["destroy", "--yes", "--non-interactive", ...stack], cwd, env);
    await pulumi(bin, ["stack", "rm", "--yes", "--non-interactive", ...stack], cwd, env);
  };
  try {
    await pulumi(bin, up, cwd, env);
    // A second up shows that nothing changes when nothing was edited.
    await pulumi(bin, up, cwd, env);
    const outputs = await pulumi(bin, ["stack", "output", "--json", ...stack], cwd, env, true);
    print("Stack outputs (pulumi stack output --json):");
    print(outputs.trimEnd());
    print();
  } catch (err) {
    if (!options.keep) {
      print("The run failed: destroying what it created.");
      await destroy().catch(() => undefined);
    }
    throw err;
  }
  const destroyHint =
    `cd ${cwd} && PULUMI_BACKEND_URL=${env.PULUMI_BACKEND_URL} PULUMI_CONFIG_PASSPHRASE=${env.PULUMI_CONFIG_PASSPHRASE} ` +
    `TOGETHER_BASE_URL=${ctx.emulator.baseUrl} TOGETHER_API_KEY=${ctx.emulator.apiKey} ` +
    `PULUMI_TOGETHER_TIME_SCALE=${options.timeScale} NODE_PATH=${env.NODE_PATH} pulumi destroy --yes ${stack.join(" ")}`;
  if (!options.keep) await destroy();
  return { destroyHint };
}
