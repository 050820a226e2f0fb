// A scratch Pulumi program for the e2e suite: its own directory and installed node_modules, a file
// backend, a private PULUMI_HOME, and `pulumi` commands run with the real CLI. Commands that run the
// program (preview, up, refresh, destroy) go through scripts/run-program.cjs, which gives the CLI the
// program's language runtime with `--client`, unless the CLI has Pulumi's Node.js language host
// beside it (a full installation), in which case `pulumi` runs as a user runs it.
import { spawn, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { PulumiCli } from "./find-cli";
import { installInto, REPO } from "./installed-package";

const RUN_PROGRAM = path.join(REPO, "scripts", "run-program.cjs");
const PROGRAM_COMMANDS = new Set(["preview", "up", "update", "refresh", "destroy"]);
export const PASSPHRASE = "e2e-passphrase";

export interface CommandResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** stdout and stderr, interleaved as they arrived. */
  output: string;
}

export class CommandFailed extends Error {
  constructor(
    readonly args: string[],
    readonly result: CommandResult,
  ) {
    super(`pulumi ${args.join(" ")} exited with ${result.code ?? result.signal}:\n${result.output}`);
  }
}

export interface ScratchProgramOptions {
  /** Files of the program, relative path -> content (index.ts at least, unless copied from `from`). */
  files?: Record<string, string>;
  /** A directory to copy the program from (an example); node_modules and package files are not copied. */
  from?: string;
  /** Pulumi project name (Pulumi.yaml is written unless `from` has one). */
  project?: string;
  /** The backend directory: share one between programs to put two projects or stacks on one backend. */
  backendDir?: string;
  /** Extra environment for every command. */
  env?: Record<string, string>;
}

export class ScratchProgram {
  readonly dir: string;
  readonly backendDir: string;
  readonly home: string;
  env: NodeJS.ProcessEnv;

  private constructor(
    readonly cli: PulumiCli,
    readonly root: string,
    opts: ScratchProgramOptions,
  ) {
    this.dir = path.join(root, "program");
    this.home = path.join(root, "pulumi-home");
    this.backendDir = opts.backendDir ?? path.join(root, "backend");
    fs.mkdirSync(this.dir, { recursive: true });
    fs.mkdirSync(this.home, { recursive: true });
    fs.mkdirSync(this.backendDir, { recursive: true });
    this.env = {
      ...process.env,
      PATH: [cli.binDir, process.env.PATH].join(path.delimiter),
      PULUMI_HOME: this.home,
      PULUMI_BACKEND_URL: `file://${this.backendDir}`,
      PULUMI_CONFIG_PASSPHRASE: PASSPHRASE,
      PULUMI_SKIP_UPDATE_CHECK: "true",
      PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
      PULUMI_TOGETHER_E2E_PULUMI: cli.bin,
      PULUMI_TOGETHER_JOURNAL_DIR: path.join(root, "journal"),
      // A user's environment has none of these; the tests' does.
      NODE_PATH: "",
      NODE_OPTIONS: "",
      ...opts.env,
    };
    delete this.env.TOGETHER_API_KEY;
    delete this.env.TOGETHER_BASE_URL;
  }

  /** A new program under `root` (made if missing) with its own installed copy of the package. */
  static async create(cli: PulumiCli, root: string, opts: ScratchProgramOptions): Promise<ScratchProgram> {
    const program = new ScratchProgram(cli, root, opts);
    if (opts.from !== undefined) {
      fs.cpSync(opts.from, program.dir, {
        recursive: true,
        filter: (src) => !["node_modules", "package.json", "package-lock.json"].includes(path.basename(src)),
      });
    }
    for (const [file, content] of Object.entries(opts.files ?? {})) {
      fs.mkdirSync(path.dirname(path.join(program.dir, file)), { recursive: true });
      fs.writeFileSync(path.join(program.dir, file), content);
    }
    const yaml = path.join(program.dir, "Pulumi.yaml");
    if (!fs.existsSync(yaml)) {
      fs.writeFileSync(
        yaml,
        `name: ${opts.project ?? "e2e"}\nruntime:\n  name: nodejs\n  options:\n    typescript: true\n`,
      );
    }
    if (!fs.existsSync(path.join(program.dir, "tsconfig.json"))) {
      fs.writeFileSync(
        path.join(program.dir, "tsconfig.json"),
        JSON.stringify({
          compilerOptions: { module: "commonjs", target: "es2022", strict: true, esModuleInterop: true },
        }),
      );
    }
    await installInto(program.dir);
    return program;
  }

  /** Replaces (or adds) program files, e.g. a new index.ts for the next `up`. */
  write(files: Record<string, string>): void {
    for (const [file, content] of Object.entries(files)) {
      fs.writeFileSync(path.join(this.dir, file), content);
    }
  }

  /** Starts `pulumi <args>` (through run-program.cjs when it runs the program) in its own process group. */
  start(
    args: string[],
    extraEnv: Record<string, string> = {},
  ): { child: ChildProcess; done: Promise<CommandResult> } {
    const [command, argv] =
      PROGRAM_COMMANDS.has(args[0] ?? "") && !this.cli.hasLanguageHost
        ? [process.execPath, [RUN_PROGRAM, ...args, "--non-interactive"]]
        : [this.cli.bin, [...args, "--non-interactive"]];
    const child = spawn(command, argv, {
      cwd: this.dir,
      env: { ...this.env, ...extraEnv },
      stdio: ["ignore", "pipe", "pipe"],
      // A group of its own, so a test can kill the CLI and the program runner together. Not the provider: the
      // engine starts plugins in groups of their own (Setpgid); the provider exits once its engine is gone.
      detached: true,
    });
    let stdout = "";
    let stderr = "";
    let output = "";
    child.stdout.setEncoding("utf8").on("data", (c: string) => ((stdout += c), (output += c)));
    child.stderr.setEncoding("utf8").on("data", (c: string) => ((stderr += c), (output += c)));
    const done = new Promise<CommandResult>((resolve, reject) => {
      child.on("error", reject);
      child.on("close", (code, signal) => resolve({ code, signal, stdout, stderr, output }));
    });
    return { child, done };
  }

  /** Runs `pulumi <args>`; throws CommandFailed unless it exits 0 (or `allowFailure`). */
  async pulumi(
    args: string[],
    opts: { allowFailure?: boolean; env?: Record<string, string> } = {},
  ): Promise<CommandResult> {
    const result = await this.start(args, opts.env).done;
    if (result.code !== 0 && !opts.allowFailure) throw new CommandFailed(args, result);
    return result;
  }

  /** `pulumi stack init` + the config a stack needs to reach the emulator. */
  async initStack(
    stack: string,
    config: Record<string, string>,
    secrets: Record<string, string> = {},
  ): Promise<void> {
    await this.pulumi(["stack", "init", stack]);
    for (const [key, value] of Object.entries(config))
      await this.pulumi(["config", "set", "--stack", stack, key, value]);
    for (const [key, value] of Object.entries(secrets)) {
      await this.pulumi(["config", "set", "--secret", "--stack", stack, key, value]);
    }
  }

  async outputs(stack: string): Promise<Record<string, unknown>> {
    const { stdout } = await this.pulumi(["stack", "output", "--json", "--stack", stack]);
    return JSON.parse(stdout) as Record<string, unknown>;
  }

  /** `pulumi stack export` (secrets stay encrypted). */
  async exportState(stack: string): Promise<StackExport> {
    const { stdout } = await this.pulumi(["stack", "export", "--stack", stack]);
    return JSON.parse(stdout) as StackExport;
  }
}

export interface StackResource {
  urn: string;
  type: string;
  id?: string;
  inputs?: Record<string, unknown>;
  outputs?: Record<string, unknown>;
  initErrors?: string[];
  protect?: boolean;
  retainOnDelete?: boolean;
}

export interface StackExport {
  deployment: {
    resources?: StackResource[];
    pending_operations?: { resource: StackResource; type: string }[];
  };
}

/** Our resources in an export, by resource name. */
export function resourcesByName(state: StackExport): Map<string, StackResource> {
  const out = new Map<string, StackResource>();
  for (const r of state.deployment.resources ?? []) {
    if (!r.type.startsWith("pulumi-nodejs:dynamic/together:")) continue;
    out.set(r.urn.split("::").pop()!, r);
  }
  return out;
}

/** A fresh root directory for a test file's programs. */
export function scratchRoot(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `pt-e2e-${prefix}-`));
}
