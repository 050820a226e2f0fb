// The provider process of one run, as the engine runs it: spawned on first need, configured once, always
// stopped; it loads this package's built runtime by name.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { DynamicProviderHost, realProcess, type Props } from "./provider-host";
import type { Op, RunResult } from "./run-report";

/** The package root: the nearest folder up with our package.json (the harness also runs compiled, from dist/). */
const REPO_ROOT = findPackageRoot(__dirname);
const RUNTIME_DIST = path.join(REPO_ROOT, "dist/provider/runtime.js");

export interface RunHostOptions {
  /** The program directory: the provider process's cwd. */
  cwd: string;
  project: string;
  /** Extra environment for the provider process. */
  env: Record<string, string> | undefined;
  /** Namespaced stack config, sent whole with Configure. */
  config: Record<string, string>;
}

/** One run's provider process. */
export class LazyHost {
  private started: Promise<DynamicProviderHost> | undefined;
  private host: DynamicProviderHost | undefined;
  /** Spawn + Configure time, once started. */
  private startMs: number | undefined;
  private readonly created = Date.now();

  constructor(private readonly opts: RunHostOptions) {}

  get(): Promise<DynamicProviderHost> {
    const began = Date.now();
    this.started ??= DynamicProviderHost.start({
      cwd: this.opts.cwd,
      project: this.opts.project,
      env: { ...this.opts.env, NODE_PATH: nodePath() },
    }).then(async (host) => {
      this.host = host;
      await host.configure(this.opts.config);
      this.startMs = Date.now() - began;
      return host;
    });
    return this.started;
  }

  result(ops: Op[], outputs: Record<string, unknown>): RunResult {
    const timings: RunResult["timings"] = { totalMs: Date.now() - this.created };
    if (this.startMs !== undefined) timings.providerStartMs = this.startMs;
    const res: RunResult = { ops, outputs, providerLog: this.log, timings };
    if (this.pid !== undefined) res.providerPid = this.pid;
    return res;
  }

  get log(): string {
    return this.host?.log ?? "";
  }

  get pid(): number | undefined {
    return this.host?.pid;
  }

  async stop(): Promise<void> {
    if (!this.started) return;
    const host = await this.started.catch(() => undefined);
    await host?.stop();
  }
}

/** A program using this package serializes a shell that loads the runtime from dist/: fail early, with the fix. */
export function requireBuiltRuntime(raw: Props): void {
  const text = raw.__provider;
  if (typeof text === "string" && text.includes("pulumi-together/runtime") && !fs.existsSync(RUNTIME_DIST)) {
    throw new Error(
      `${RUNTIME_DIST} is missing: the provider process loads the built runtime. Run \`npm run build\`.`,
    );
  }
}

/** Shared by every copy of this module in the process (jest loads one per test file), like its `exit` hook. */
const NODE_MODULES_DIR = Symbol.for("pulumi-together/testing/run-host/node-modules");

/** A node_modules folder holding only `pulumi-together` -> the repo, so the shell's require resolves to dist/.
 *  One per process, removed when it exits. */
function nodePath(): string {
  const holder = realProcess as unknown as Record<symbol, string | undefined>;
  let nodeModulesDir = holder[NODE_MODULES_DIR];
  if (nodeModulesDir === undefined) {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "pulumi-together-harness-"));
    nodeModulesDir = path.join(root, "node_modules");
    fs.mkdirSync(nodeModulesDir);
    fs.symlinkSync(REPO_ROOT, path.join(nodeModulesDir, "pulumi-together"), "dir");
    holder[NODE_MODULES_DIR] = nodeModulesDir;
    realProcess.on("exit", () => fs.rmSync(root, { recursive: true, force: true }));
  }
  return [nodeModulesDir, process.env.NODE_PATH].filter((p) => p).join(path.delimiter);
}

function findPackageRoot(start: string): string {
  for (let dir = start; ; dir = path.dirname(dir)) {
    const manifest = path.join(dir, "package.json");
    if (
      fs.existsSync(manifest) &&
      (JSON.parse(fs.readFileSync(manifest, "utf8")) as { name?: string }).name === "pulumi-together"
    ) {
      return dir;
    }
    if (path.dirname(dir) === dir) throw new Error(`no pulumi-together package.json above ${start}`);
  }
}
