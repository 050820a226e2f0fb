// Runs real Pulumi programs under the SDK's mocks and forwards every dynamic resource to the real
// dynamic-provider process, doing what the engine does between them: Configure, Check, Diff, Create / Update /
// Replace / Delete, preview with unknowns, refresh and destroy, with state kept in a JSON file between runs.
// What it does not model is listed in HARNESS-LIMITS.md.
//
// An up or a preview (deploy) is: leftovers of the last run deleted (delete-phase.ts), the program run under
// the mock monitor (mock-monitor.ts), one step per registration (step-executor.ts), then resources the program
// dropped and those it replaced deleted, and the state saved (state-store.ts).
import * as pulumi from "@pulumi/pulumi";
import { errorText } from "../provider/shared/error-text";
import { deleteAll, deleteLeftovers, type DeleteRun } from "./delete-phase";
import { forgetPendingRegistrations, installMockMonitor, waitForRegistrations } from "./mock-monitor";
import { realProcess } from "./provider-host";
import { LazyHost } from "./run-host";
import { HarnessRunError, op, type Op, type RunResult } from "./run-report";
import { annotateSecrets, unwrapSecrets } from "./secrets";
import { type HarnessState, type StateEntry, StateStore } from "./state-store";
import { StepExecutor } from "./step-executor";

export { HarnessRunError, type Op, type RunResult } from "./run-report";
export type { HarnessState, StateEntry } from "./state-store";

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

export class LifecycleHarness {
  private readonly project: string;
  private readonly stack: string;
  private readonly cwd: string;
  private readonly store: StateStore;

  constructor(private readonly opts: HarnessOptions) {
    this.project = opts.project ?? "proj";
    this.stack = opts.stack ?? "dev";
    this.cwd = opts.cwd ?? process.cwd();
    this.store = new StateStore(opts.stateFile);
  }

  state(): HarnessState {
    return this.store.read();
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
      this.store.save(kept);
      if (errors.length > 0)
        throw new HarnessRunError(`refresh failed: ${errors.join(" | ")}`, ops, host.log, host.pid);
      return host.result(ops, {});
    } finally {
      await host.stop();
    }
  }

  async destroy(opts: RunOptions): Promise<RunResult> {
    const host = this.host(opts);
    const run: DeleteRun = { host, ops: [], errors: [] };
    try {
      const kept = await deleteAll(run, [...this.state().resources].reverse());
      this.store.save(kept);
      if (run.errors.length > 0)
        throw new HarnessRunError(`destroy failed: ${run.errors.join(" | ")}`, run.ops, host.log, host.pid);
      return host.result(run.ops, {});
    } finally {
      await host.stop();
    }
  }

  private host(opts: RunOptions): LazyHost {
    return new LazyHost({ cwd: this.cwd, project: this.project, env: this.opts.env, config: opts.config });
  }

  private urn(type: string, name: string): string {
    return `urn:pulumi:${this.stack}::${this.project}::${type}::${name}`;
  }

  private async deploy(program: () => unknown, opts: RunOptions, preview: boolean): Promise<RunResult> {
    const old = this.state().resources;
    const current = old.filter((e) => e.pendingDelete !== true);
    const host = this.host(opts);
    const run: DeleteRun = { host, ops: [], errors: [] };
    const { ops, errors } = run;
    const steps = new StepExecutor({
      host,
      ops,
      preview,
      prior: new Map(current.map((e) => [e.key, e])),
      urn: (type, name) => this.urn(type, name),
    });
    const stopCapturing = captureUnhandledRejections(errors);
    try {
      const stillPending = preview
        ? []
        : await deleteLeftovers(
            run,
            old.filter((e) => e.pendingDelete === true),
            "delete(pending)",
          );
      await installMockMonitor({
        project: this.project,
        stack: this.stack,
        preview,
        config: opts.config,
        secretKeys: opts.secretKeys,
        register: (type, name, req) => steps.step(type, name, req),
        read: async (type, name, id, props) => {
          const h = await host.get();
          const started = Date.now();
          const res = await h.read(this.urn(type, name), id, props, props);
          ops.push(op("read", { key: `${type}::${name}`, type, name }, started));
          return { id: res.id, state: res.properties };
        },
        failed: (message) => errors.push(message),
      });
      let outputs: Record<string, unknown> = {};
      try {
        const returned: unknown = await pulumi.runtime.runInPulumiStack(async () => program());
        outputs = (returned ?? {}) as Record<string, unknown>;
      } catch (err) {
        noteError(errors, err);
      }
      await waitForRegistrations();
      await new Promise((resolve) => setImmediate(resolve));

      const entries = steps.entries();
      if (errors.length > 0) {
        if (!preview) {
          // A failed run keeps the state of everything it did not touch.
          const unchanged = current.filter((e) => !steps.recorded(e.key) && !steps.gone.has(e.key));
          this.store.save([
            ...stillPending,
            ...unchanged,
            ...entries,
            ...steps.replaced.map((e) => ({ ...e, pendingDelete: true })),
          ]);
        }
        throw new HarnessRunError(`update failed: ${errors.join(" | ")}`, ops, host.log, host.pid);
      }

      const removed = current.filter((e) => !steps.seen.has(e.key)).reverse();
      const kept = await deleteAll(run, removed, preview);
      stillPending.push(...(await deleteLeftovers(run, steps.replaced, "delete(replaced)")));
      if (!preview) this.store.save([...stillPending, ...kept, ...entries]);
      if (errors.length > 0) {
        throw new HarnessRunError(`update failed: ${errors.join(" | ")}`, ops, host.log, host.pid);
      }
      return host.result(ops, outputs);
    } finally {
      await new Promise((resolve) => setImmediate(resolve));
      stopCapturing();
      forgetPendingRegistrations();
      await host.stop();
    }
  }
}

/** Records an error unless one already recorded says the same (a registration's failure surfaces twice). */
function noteError(errors: string[], reason: unknown): void {
  const text = errorText(reason);
  if (!errors.some((e) => text.includes(e) || e.includes(text))) errors.push(text);
}

type RejectionListener = (reason: unknown) => void;

/** The runs under way in this process and the listeners they parked, shared by every copy of this module (jest
 *  loads one per test file) through the real process, like provider-host's exit hook. */
interface RejectionCapture {
  runs: Set<RejectionListener>;
  parked: RejectionListener[];
  dispatch: RejectionListener;
}

const REJECTION_CAPTURE = Symbol.for("pulumi-together/testing/harness/unhandled-rejections");

/**
 * A failed registration rejects every output of the resource and of its dependents; nobody awaits most of them,
 * so they surface as unhandled rejections (the language host counts them as program errors too). While runs are
 * under way they are their errors (runs at the same time cannot tell whose: each gets them); the listeners they
 * replace are put back when the last one ends. Parking per run instead left one listener behind for every two
 * runs that overlapped (the second parked the first's and put it back after the first had ended): at eleven Node
 * warned "MaxListenersExceededWarning: ... 11 unhandledRejection listeners added to [process]", and each kept
 * its run's errors and its test file's modules alive to the end of the worker.
 */
function captureUnhandledRejections(errors: string[]): () => void {
  const holder = realProcess as unknown as Record<symbol, RejectionCapture | undefined>;
  let capture = holder[REJECTION_CAPTURE];
  if (capture === undefined) {
    const runs = new Set<RejectionListener>();
    const parked = realProcess.rawListeners("unhandledRejection") as RejectionListener[];
    realProcess.removeAllListeners("unhandledRejection");
    const dispatch: RejectionListener = (reason) => {
      for (const run of runs) run(reason);
    };
    realProcess.on("unhandledRejection", dispatch);
    capture = { runs, parked, dispatch };
    holder[REJECTION_CAPTURE] = capture;
  }
  const { runs, parked, dispatch } = capture;
  const onRejection: RejectionListener = (reason) => noteError(errors, reason);
  runs.add(onRejection);
  return () => {
    runs.delete(onRejection);
    if (runs.size > 0 || holder[REJECTION_CAPTURE] !== capture) return;
    delete holder[REJECTION_CAPTURE];
    realProcess.removeListener("unhandledRejection", dispatch);
    for (const listener of parked) realProcess.on("unhandledRejection", listener);
  };
}
