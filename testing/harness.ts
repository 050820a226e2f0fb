// Runs real Pulumi programs under the SDK's mocks and forwards every dynamic resource to the real
// dynamic-provider process, doing what the engine does between them: Configure, Check, Diff, Create / Update /
// Replace / Delete, preview with unknowns, refresh and destroy, with state kept in a JSON file between runs.
// What it does not model is listed in HARNESS-LIMITS.md.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { DynamicProviderHost, ProviderRpcError, realProcess, type Props } from "./provider-host";
import { annotateSecrets, unwrapSecrets } from "./secrets";
import { errorText } from "../provider/shared/error-text";

const settings = require("@pulumi/pulumi/runtime/settings");
const debuggable = require("@pulumi/pulumi/runtime/debuggable");

/** The package root: the nearest folder up with our package.json (the harness also runs compiled, from dist/). */
const REPO_ROOT = findPackageRoot(__dirname);
const RUNTIME_DIST = path.join(REPO_ROOT, "dist/provider/runtime.js");
const DYNAMIC_PREFIX = "pulumi-nodejs:dynamic";

export interface HarnessOptions {
  stateFile: string;
  project?: string;
  stack?: string;
  /** The program directory: the provider process's cwd. Default process.cwd(). */
  cwd?: string;
  /** Extra environment for the provider process (e.g. PULUMI_TOGETHER_TIME_SCALE). */
  env?: Record<string, string>;
}

export interface RunOptions {
  /** Namespaced stack config (`together:apiKey`); passed whole to setAllConfig and Configure, as the engine does. */
  config: Record<string, string>;
  /** Config keys that are secret. */
  secretKeys?: string[];
}

export interface Op {
  op: string;
  key: string;
  type: string;
  name: string;
  durationMs: number;
  detail?: string;
}

export interface RunResult {
  ops: Op[];
  /** Stack outputs (the program's returned object); undefined where unknown in preview. */
  outputs: Record<string, unknown>;
  /** The provider process's stdout+stderr ("" when no provider was needed). */
  providerLog: string;
  /** The provider process of this run, ended before the run returned. */
  providerPid?: number;
  /** Wall-clock figures of the run: the whole run, and spawning + configuring the provider process. */
  timings: { totalMs: number; providerStartMs?: number };
}

export interface StateEntry {
  key: string;
  urn: string;
  type: string;
  name: string;
  id: string;
  /** Checked inputs; secrets as envelopes. */
  inputs: Props;
  /** Outputs (including `__provider`); secrets as envelopes. */
  outputs: Props;
  additionalSecretOutputs?: string[];
  deleteBeforeReplace?: boolean;
  retainOnDelete?: boolean;
  protect?: boolean;
  /** Set when create/update threw a partial failure: the next up updates the resource even without a diff. */
  initErrors?: string[];
  /** A create-before-delete leftover whose delete failed: deleted first thing next run. */
  pendingDelete?: boolean;
}

export interface HarnessState {
  version: 1;
  resources: StateEntry[];
}

export class HarnessRunError extends Error {
  constructor(
    message: string,
    readonly ops: Op[],
    readonly providerLog: string,
    readonly providerPid?: number,
  ) {
    super(message);
    this.name = "HarnessRunError";
  }
}

/** One run's provider: started on first need, configured once, always stopped. */
class LazyHost {
  private started: Promise<DynamicProviderHost> | undefined;
  private host: DynamicProviderHost | undefined;

  constructor(
    private readonly start: () => Promise<DynamicProviderHost>,
    private readonly config: Record<string, string>,
  ) {}

  /** Spawn + Configure time, once started. */
  startMs: number | undefined;
  private readonly created = Date.now();

  get(): Promise<DynamicProviderHost> {
    const began = Date.now();
    this.started ??= this.start().then(async (host) => {
      this.host = host;
      await host.configure(this.config);
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

interface RawRequest {
  object: Props;
  additionalSecretOutputs: string[];
  deleteBeforeReplace: boolean;
  retainOnDelete: boolean;
  protect: boolean;
  importId: string;
}

export class LifecycleHarness {
  private readonly project: string;
  private readonly stack: string;
  private readonly cwd: string;

  constructor(private readonly opts: HarnessOptions) {
    this.project = opts.project ?? "proj";
    this.stack = opts.stack ?? "dev";
    this.cwd = opts.cwd ?? process.cwd();
  }

  state(): HarnessState {
    if (!fs.existsSync(this.opts.stateFile)) return { version: 1, resources: [] };
    return JSON.parse(fs.readFileSync(this.opts.stateFile, "utf8")) as HarnessState;
  }

  preview(program: () => unknown, opts: RunOptions): Promise<RunResult> {
    return this.deploy(program, opts, true);
  }

  up(program: () => unknown, opts: RunOptions): Promise<RunResult> {
    return this.deploy(program, opts, false);
  }

  async refresh(opts: RunOptions): Promise<RunResult> {
    const host = this.host(opts);
    const ops: Op[] = [];
    const errors: string[] = [];
    const kept: StateEntry[] = [];
    try {
      for (const entry of this.state().resources) {
        let started = Date.now();
        try {
          const h = await host.get();
          started = Date.now();
          const res = await h.read(
            entry.urn,
            entry.id,
            unwrapSecrets(entry.outputs),
            unwrapSecrets(entry.inputs),
          );
          if (res.id === "") {
            ops.push(op("refresh(deleted)", entry, started));
            continue;
          }
          const outputs = annotateSecrets(res.properties, entry.inputs, entry.additionalSecretOutputs);
          const inputs = res.inputs ? annotateSecrets(res.inputs, entry.inputs) : entry.inputs;
          const drift =
            JSON.stringify(unwrapSecrets(outputs)) !== JSON.stringify(unwrapSecrets(entry.outputs));
          ops.push(op(drift ? "refresh(drift)" : "refresh(same)", entry, started));
          kept.push({ ...entry, id: res.id, inputs, outputs });
        } catch (err) {
          errors.push(`${entry.key}: ${errorText(err)}`);
          ops.push(op("refresh", entry, started, `failed: ${errorText(err)}`));
          kept.push(entry);
        }
      }
      this.save(kept);
      if (errors.length > 0)
        throw new HarnessRunError(`refresh failed: ${errors.join(" | ")}`, ops, host.log, host.pid);
      return host.result(ops, {});
    } finally {
      await host.stop();
    }
  }

  async destroy(opts: RunOptions): Promise<RunResult> {
    const host = this.host(opts);
    const ops: Op[] = [];
    const errors: string[] = [];
    const kept: StateEntry[] = [];
    try {
      for (const entry of [...this.state().resources].reverse()) {
        try {
          ops.push(await this.deleteEntry(host, entry, "delete"));
        } catch (err) {
          errors.push(`${entry.key}: ${errorText(err)}`);
          kept.unshift(entry);
        }
      }
      this.save(kept);
      if (errors.length > 0)
        throw new HarnessRunError(`destroy failed: ${errors.join(" | ")}`, ops, host.log, host.pid);
      return host.result(ops, {});
    } finally {
      await host.stop();
    }
  }

  private host(opts: RunOptions): LazyHost {
    const env = { ...this.opts.env, NODE_PATH: nodePath() };
    return new LazyHost(
      () => DynamicProviderHost.start({ cwd: this.cwd, project: this.project, env }),
      opts.config,
    );
  }

  private save(resources: StateEntry[]): void {
    const state: HarnessState = { version: 1, resources };
    fs.mkdirSync(path.dirname(this.opts.stateFile), { recursive: true });
    fs.writeFileSync(this.opts.stateFile, `${JSON.stringify(state, null, 2)}\n`);
  }

  private urn(type: string, name: string): string {
    return `urn:pulumi:${this.stack}::${this.project}::${type}::${name}`;
  }

  private async deleteEntry(host: LazyHost, entry: StateEntry, opName: string): Promise<Op> {
    let started = Date.now();
    if (entry.protect === true) {
      throw new Error(`resource ${entry.urn} cannot be deleted because it is protected`);
    }
    if (entry.retainOnDelete === true) return op(`${opName}(retained)`, entry, started);
    const h = await host.get();
    started = Date.now();
    await h.delete(entry.urn, entry.id, unwrapSecrets(entry.outputs), unwrapSecrets(entry.inputs));
    return op(opName, entry, started);
  }

  private async deploy(program: () => unknown, opts: RunOptions, preview: boolean): Promise<RunResult> {
    const old = this.state().resources;
    const oldByKey = new Map(old.filter((e) => e.pendingDelete !== true).map((e) => [e.key, e]));
    const host = this.host(opts);
    const ops: Op[] = [];
    const errors: string[] = [];
    const fresh = new Map<string, { order: number; entry: StateEntry }>();
    const replaced: StateEntry[] = [];
    const stillPending: StateEntry[] = [];
    const requests = new Map<string, RawRequest>();
    const seen = new Set<string>();
    /** Keys whose prior resource was deleted this run (delete-before-create). */
    const gone = new Set<string>();
    const record = (key: string, order: number, entry: StateEntry): void => {
      fresh.set(key, { order, entry });
    };
    let registrations = 0;

    const step = async (type: string, name: string): Promise<{ id: string; state: Props }> => {
      const key = `${type}::${name}`;
      const order = registrations++;
      seen.add(key);
      const req = requests.get(key);
      if (!req) throw new Error(`${key}: no registration request was recorded`);
      const urn = this.urn(type, name);
      const raw = req.object;
      requireBuiltRuntime(raw);
      const news = unwrapSecrets(raw);
      const prior = oldByKey.get(key);
      const h = await host.get();
      // Op durations cover the resource's own RPCs, not the provider start the first op waits for.
      const started = Date.now();
      const base = {
        key,
        urn,
        type,
        name,
        additionalSecretOutputs: req.additionalSecretOutputs,
        deleteBeforeReplace: req.deleteBeforeReplace,
        retainOnDelete: req.retainOnDelete,
        protect: req.protect,
      };

      if (req.importId !== "" && !prior) {
        // The engine's ImportStep reads with neither inputs nor state: no __provider reaches the server (#16175).
        await h.read(urn, req.importId);
      }

      const checked = await h.check(urn, prior ? unwrapSecrets(prior.inputs) : {}, news);
      if (checked.failures.length > 0) {
        const reasons = checked.failures.map((f) => `${f.property}: ${f.reason}`).join("; ");
        ops.push(op("check", base, started, `failed: ${reasons}`));
        throw new Error(`${key}: check failed: ${reasons}`);
      }
      const inputs = annotateSecrets(checked.inputs, raw);
      const outputsOf = (props: Props): Props => annotateSecrets(props, raw, req.additionalSecretOutputs);

      const create = async (opName: string): Promise<{ id: string; state: Props }> => {
        try {
          const res = await h.create(urn, checked.inputs);
          const entry = { ...base, id: res.id, inputs, outputs: outputsOf(res.properties) };
          record(key, order, entry);
          ops.push(op(opName, base, started));
          return { id: res.id, state: entry.outputs };
        } catch (err) {
          const failed = err instanceof ProviderRpcError ? err.initFailure : undefined;
          if (failed) {
            record(key, order, {
              ...base,
              id: failed.id,
              inputs,
              outputs: outputsOf(failed.properties),
              initErrors: failed.reasons,
            });
          }
          ops.push(op(opName, base, started, `${failed ? "partial failure" : "failed"}: ${errorText(err)}`));
          throw err;
        }
      };

      if (!prior) {
        if (preview) {
          ops.push(op("create(preview)", base, started));
          return { id: "", state: inputs };
        }
        return create("create");
      }

      const diff = await h.diff(
        urn,
        prior.id,
        unwrapSecrets(prior.outputs),
        checked.inputs,
        unwrapSecrets(prior.inputs),
      );
      const detail = `changes=${diff.changes}${diff.replaces.length > 0 ? ` replaces=${diff.replaces.join(",")}` : ""}`;
      if (diff.replaces.length > 0) {
        if (preview) {
          ops.push(op("replace(preview)", base, started, detail));
          return { id: "", state: inputs };
        }
        record(key, order, prior);
        if (diff.deleteBeforeReplace || req.deleteBeforeReplace) {
          await this.deleteEntry(host, prior, "delete");
          fresh.delete(key);
          gone.add(key);
          return create("replace(delete-before-create)");
        }
        try {
          const result = await create("replace(create-before-delete)");
          replaced.push(prior);
          return result;
        } catch (err) {
          // A partially created replacement took the key; the old resource still exists and must be deleted.
          if (fresh.get(key)?.entry !== prior) replaced.push(prior);
          throw err;
        }
      }
      const inputsChanged = JSON.stringify(checked.inputs) !== JSON.stringify(unwrapSecrets(prior.inputs));
      const initErrors = (prior.initErrors ?? []).length > 0;
      if (diff.changes === "some" || (diff.changes === "unknown" && inputsChanged) || initErrors) {
        const why = initErrors && diff.changes !== "some" ? `${detail} initErrors` : detail;
        if (preview) {
          ops.push(op("update(preview)", base, started, why));
          return { id: prior.id, state: inputs };
        }
        try {
          const res = await h.update(
            urn,
            prior.id,
            unwrapSecrets(prior.outputs),
            checked.inputs,
            unwrapSecrets(prior.inputs),
          );
          const entry = { ...base, id: prior.id, inputs, outputs: outputsOf(res.properties) };
          record(key, order, entry);
          ops.push(op("update", base, started, why));
          return { id: prior.id, state: entry.outputs };
        } catch (err) {
          const failed = err instanceof ProviderRpcError ? err.initFailure : undefined;
          record(key, order, {
            ...prior,
            ...(failed ? { outputs: outputsOf(failed.properties), initErrors: failed.reasons, inputs } : {}),
          });
          ops.push(
            op("update", base, started, `${failed ? "partial failure" : "failed"}: ${errorText(err)}`),
          );
          throw err;
        }
      }
      // additionalSecretOutputs apply to whatever outputs the step yields, a same step's too.
      const outputs = outputsOf(prior.outputs);
      record(key, order, { ...prior, ...base, inputs, outputs });
      ops.push(op("same", base, started));
      return { id: prior.id, state: outputs };
    };

    const mocks: pulumi.runtime.Mocks = {
      call: (args) => args.inputs,
      newResource: async (args) => {
        if (!args.type.startsWith(DYNAMIC_PREFIX)) {
          return { id: args.custom ? `${args.name}_id` : undefined, state: args.inputs };
        }
        if (args.id !== undefined && args.id !== "" && !requests.has(`${args.type}::${args.name}`)) {
          // `new Resource(name, props, { id })`: the engine's ReadStep sends the program's props as both.
          const h = await host.get();
          const started = Date.now();
          const res = await h
            .read(this.urn(args.type, args.name), args.id, args.inputs, args.inputs)
            .catch((err: unknown) => {
              throw forSdk(err);
            });
          ops.push(
            op("read", { key: `${args.type}::${args.name}`, type: args.type, name: args.name }, started),
          );
          return { id: res.id, state: res.properties };
        }
        try {
          return await step(args.type, args.name);
        } catch (err) {
          const plain = forSdk(err);
          errors.push(errorText(plain));
          throw plain;
        }
      },
    };

    // A failed registration rejects every output of the resource and of its dependents; nobody awaits most of
    // them, so they surface as unhandled rejections (the language host counts them as program errors too).
    const parked = realProcess.rawListeners("unhandledRejection") as ((...args: unknown[]) => void)[];
    realProcess.removeAllListeners("unhandledRejection");
    const onRejection = (reason: unknown): void => {
      const text = errorText(reason);
      if (!errors.some((e) => text.includes(e) || e.includes(text))) errors.push(text);
    };
    realProcess.on("unhandledRejection", onRejection);
    let outputs: Record<string, unknown> = {};
    try {
      if (!preview) {
        for (const entry of old.filter((e) => e.pendingDelete === true)) {
          try {
            ops.push(await this.deleteEntry(host, entry, "delete(pending)"));
          } catch (err) {
            errors.push(`${entry.key}: ${errorText(err)}`);
            stillPending.push(entry);
          }
        }
      }
      pulumi.runtime.setAllConfig(opts.config, opts.secretKeys);
      await pulumi.runtime.setMocks(mocks, this.project, this.stack, preview);
      recordRequests(settings.getMonitor(), requests);
      try {
        const returned: unknown = await pulumi.runtime.runInPulumiStack(async () => program());
        outputs = (returned ?? {}) as Record<string, unknown>;
      } catch (err) {
        onRejection(err);
      }
      await settings.waitForRPCs();
      await new Promise((resolve) => setImmediate(resolve));

      const entries = [...fresh.values()].sort((a, b) => a.order - b.order).map((f) => f.entry);
      if (errors.length > 0) {
        if (!preview) {
          const unchanged = old.filter(
            (e) => e.pendingDelete !== true && !fresh.has(e.key) && !gone.has(e.key),
          );
          this.save([
            ...stillPending,
            ...unchanged,
            ...entries,
            ...replaced.map((e) => ({ ...e, pendingDelete: true })),
          ]);
        }
        throw new HarnessRunError(`update failed: ${errors.join(" | ")}`, ops, host.log, host.pid);
      }

      const removed = old.filter((e) => e.pendingDelete !== true && !seen.has(e.key)).reverse();
      const kept: StateEntry[] = [];
      for (const entry of removed) {
        if (preview) {
          ops.push(op("delete(preview)", entry, Date.now()));
          continue;
        }
        try {
          ops.push(await this.deleteEntry(host, entry, "delete"));
        } catch (err) {
          errors.push(`${entry.key}: ${errorText(err)}`);
          kept.unshift(entry);
        }
      }
      for (const entry of replaced) {
        try {
          ops.push(await this.deleteEntry(host, entry, "delete(replaced)"));
        } catch (err) {
          errors.push(`${entry.key}: ${errorText(err)}`);
          stillPending.push({ ...entry, pendingDelete: true });
        }
      }
      if (!preview) this.save([...stillPending, ...kept, ...entries]);
      if (errors.length > 0) {
        throw new HarnessRunError(`update failed: ${errors.join(" | ")}`, ops, host.log, host.pid);
      }
      return host.result(ops, outputs);
    } finally {
      await new Promise((resolve) => setImmediate(resolve));
      realProcess.removeListener("unhandledRejection", onRejection);
      for (const listener of parked) realProcess.on("unhandledRejection", listener);
      // A failed run leaves registrations pending; forget them so the SDK's exit hook does not count them.
      debuggable.leakedPromises();
      await host.stop();
    }
  }
}

const GRPC_UNAVAILABLE = 14;

/**
 * What the mock's newResource may throw. The SDK reads a `code` on a registration error as the monitor's gRPC
 * status: UNAVAILABLE means "the engine is shutting down", so it calls terminateRpcs() and never settles the
 * program. A provider process that died answers exactly that, so the SDK gets a plain Error with the message.
 */
function forSdk(err: unknown): unknown {
  if (!(err instanceof ProviderRpcError)) return err;
  return new Error(err.code === GRPC_UNAVAILABLE ? `provider process exited: ${err.message}` : err.message);
}

/** Keeps each raw RegisterResourceRequest: the mock's newResource sees neither options nor the wire values. */
/* eslint-disable @typescript-eslint/no-explicit-any -- the mock monitor and the request are untyped internals */
function recordRequests(monitor: any, requests: Map<string, RawRequest>): void {
  const register = monitor.registerResource.bind(monitor);
  monitor.registerResource = (req: any, callback: unknown) => {
    requests.set(`${req.getType()}::${req.getName()}`, {
      object: req.getObject()?.toJavaScript() ?? {},
      additionalSecretOutputs: req.getAdditionalsecretoutputsList(),
      deleteBeforeReplace: req.getDeletebeforereplace(),
      retainOnDelete: req.getRetainondelete?.() ?? false,
      protect: req.getProtect?.() ?? false,
      importId: req.getImportid(),
    });
    return register(req, callback);
  };
}
/* eslint-enable @typescript-eslint/no-explicit-any */

function requireBuiltRuntime(raw: Props): void {
  const text = raw.__provider;
  if (typeof text === "string" && text.includes("pulumi-together/runtime") && !fs.existsSync(RUNTIME_DIST)) {
    throw new Error(
      `${RUNTIME_DIST} is missing: the provider process loads the built runtime. Run \`npm run build\`.`,
    );
  }
}

let nodeModulesDir: string | undefined;

/** A node_modules folder holding only `pulumi-together` -> the repo, so the shell's require resolves to dist/. */
function nodePath(): string {
  if (!nodeModulesDir) {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "pulumi-together-harness-"));
    nodeModulesDir = path.join(root, "node_modules");
    fs.mkdirSync(nodeModulesDir);
    fs.symlinkSync(REPO_ROOT, path.join(nodeModulesDir, "pulumi-together"), "dir");
    realProcess.on("exit", () => fs.rmSync(root, { recursive: true, force: true }));
  }
  return [nodeModulesDir, process.env.NODE_PATH].filter((p) => p).join(path.delimiter);
}

function op(
  name: string,
  r: { key: string; type: string; name: string },
  started: number,
  detail?: string,
): Op {
  const entry: Op = { op: name, key: r.key, type: r.type, name: r.name, durationMs: Date.now() - started };
  if (detail !== undefined) entry.detail = detail;
  return entry;
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
