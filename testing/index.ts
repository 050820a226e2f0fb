// `pulumi-together/testing`: test your own Pulumi programs offline, without the Pulumi CLI or Together.
//
//   const stack = await startOfflineStack({ config: { model: "Qwen/Qwen3-0.6B" } });
//   const up = await stack.up(program);           // program: () => outputs, as for pulumi.runtime.setMocks
//   expect(up.outputs.jobId).toMatch(/^ft-/);
//   expect(stack.emulator.summary().endpointsLive).toBe(1);
//   await stack.destroy();
//   await stack.close();
//
// What the stack sent is in `up.requests` (or `stack.emulator.requests`); against an emulator in another process
// (`pulumi-together emulator` under the real CLI) `readRequestLog(baseUrl, { method: "POST", path: "/v1/fine-tunes" })`
// reads it over `GET /_emulator/requests`. Credentials are redacted in both.
//
// The program runs under Pulumi's mocks in this process and every TrainingFile / FineTuneJob /
// DedicatedEndpoint goes to the real dynamic-provider process (the one `pulumi up` starts), which calls the
// in-process Together API emulator. The engine's part (Check, Diff, create / update / replace / delete,
// preview unknowns, refresh, destroy, state between runs) is done by the lifecycle harness; what it does not
// model is listed in HARNESS-LIMITS.md next to this file (`HARNESS_LIMITS` below).
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import {
  startEmulator,
  type Emulator,
  type EmulatorOptions,
  type EmulatorSummary,
  type RequestRecord,
} from "../emulator";
import { LifecycleHarness, type HarnessState, type RunResult } from "./harness";
import { releasePulumiInspector } from "./pulumi-inspector";

export { HarnessRunError, type HarnessState, type Op, type RunResult, type StateEntry } from "./harness";
export {
  readRequestLog,
  startEmulator,
  type Emulator,
  type EmulatorOptions,
  type EmulatorSummary,
  type FaultRule,
  type RequestLogEntry,
  type RequestLogFilter,
  type RequestRecord,
} from "../emulator";

/** Path of HARNESS-LIMITS.md: what the offline runs do not model (step scheduling, ignoreChanges, …). */
export const HARNESS_LIMITS = path.join(__dirname, "HARNESS-LIMITS.md");

/** Emulated time runs this much faster by default: a fine-tuning job takes about a second, an endpoint start less. */
export const DEFAULT_TIME_SCALE = 600;

export interface OfflineStackOptions {
  /** Pulumi project name; un-namespaced config keys go under it. Default "offline". */
  project?: string;
  /** Stack name (`pulumi.getStack()`). Default "test". */
  stack?: string;
  /** Stack config: `model` means `<project>:model`; namespaced keys (`together:…`) are kept as given. */
  config?: Record<string, string>;
  /** Config marked secret (same key rules). `together:apiKey` is always set to the emulator's key, as a secret. */
  secretConfig?: Record<string, string>;
  /** Emulated time speed-up, for the emulator's clock and the provider's waits alike. Default 600. */
  timeScale?: number;
  /** More emulator options (port, API key, data dir). */
  emulator?: Omit<EmulatorOptions, "timeScale">;
  /** The program directory: the provider process's working directory. Default process.cwd(). */
  cwd?: string;
  /** Extra environment for the provider process. */
  env?: Record<string, string>;
  /** Where the stack's state is kept between runs. Default: a temp file, removed by close(). */
  stateFile?: string;
}

/** A run's result: what the harness reports, plus what the emulator saw during the run. */
export interface OfflineRun extends RunResult {
  /** Requests the provider sent to the (emulated) Together API during this run, in order; secrets redacted. */
  requests: RequestRecord[];
  /** The emulator's counts after the run (files, jobs, endpoints created / live / billing). */
  summary: EmulatorSummary;
}

export interface OfflineStack {
  /** The in-process Together API emulator: `summary()`, `store`, `requests` (whole log), `faults`, `control`. */
  readonly emulator: Emulator;
  /** The namespaced config every run gets (with `together:baseUrl` and `together:apiKey`). */
  readonly config: Readonly<Record<string, string>>;
  readonly stateFile: string;
  /** `pulumi preview`: nothing is created or changed; unknown outputs are undefined. */
  preview(program: () => unknown): Promise<OfflineRun>;
  /** `pulumi up`. A failed run throws HarnessRunError (its `ops` and `providerLog` say what happened). */
  up(program: () => unknown): Promise<OfflineRun>;
  /** `pulumi refresh`: reads every resource in state; ops say `refresh(same|drift|deleted)`. */
  refresh(): Promise<OfflineRun>;
  /** `pulumi destroy`. */
  destroy(): Promise<OfflineRun>;
  /** The stack's state (the stand-in for the checkpoint): one entry per resource with inputs and outputs. */
  state(): HarnessState;
  /** Stops the emulator, removes temp files and ends the inspector session Pulumi opened to serialize the
   *  program's providers (under jest, one per test file, kept to the end of the worker otherwise: see
   *  pulumi-inspector.ts). Does not destroy the stack's resources. */
  close(): Promise<void>;
}

/** Starts an emulator and an empty stack wired to it. */
export async function startOfflineStack(opts: OfflineStackOptions = {}): Promise<OfflineStack> {
  const project = opts.project ?? "offline";
  const timeScale = opts.timeScale ?? DEFAULT_TIME_SCALE;
  const emulator = await startEmulator({ ...opts.emulator, timeScale });
  const tempDir =
    opts.stateFile === undefined
      ? fs.mkdtempSync(path.join(os.tmpdir(), "pulumi-together-offline-"))
      : undefined;
  const stateFile = opts.stateFile ?? path.join(tempDir!, "state.json");
  const harness = new LifecycleHarness({
    stateFile,
    project,
    stack: opts.stack ?? "test",
    ...(opts.cwd !== undefined ? { cwd: opts.cwd } : {}),
    env: { ...opts.env, PULUMI_TOGETHER_TIME_SCALE: String(timeScale) },
  });
  const key = (k: string): string => (k.includes(":") ? k : `${project}:${k}`);
  const config: Record<string, string> = {};
  for (const [k, v] of Object.entries(opts.config ?? {})) config[key(k)] = v;
  for (const [k, v] of Object.entries(opts.secretConfig ?? {})) config[key(k)] = v;
  config["together:baseUrl"] = emulator.baseUrl;
  config["together:apiKey"] = emulator.apiKey;
  const secretKeys = [...Object.keys(opts.secretConfig ?? {}).map(key), "together:apiKey"];
  const run = { config, secretKeys };

  const observed = async (go: () => Promise<RunResult>): Promise<OfflineRun> => {
    const since = emulator.requests.length;
    const result = await go();
    await emulator.idle();
    return { ...result, requests: emulator.requests.slice(since), summary: emulator.summary() };
  };

  return {
    emulator,
    config,
    stateFile,
    preview: (program) => observed(() => harness.preview(program, run)),
    up: (program) => observed(() => harness.up(program, run)),
    refresh: () => observed(() => harness.refresh(run)),
    destroy: () => observed(() => harness.destroy(run)),
    state: () => harness.state(),
    async close() {
      await emulator.close();
      if (tempDir !== undefined) fs.rmSync(tempDir, { recursive: true, force: true });
      await releasePulumiInspector();
    },
  };
}
