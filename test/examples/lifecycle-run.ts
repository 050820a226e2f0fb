// Runs an example through the lifecycle harness (the real dynamic-provider process, state kept between runs)
// against the Together emulator on an accelerated clock.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { startEmulator, type Emulator } from "../../emulator";
import { LifecycleHarness, type RunOptions, type RunResult } from "../../testing/harness";

/** Emulated minutes per real 100 ms: a job (~4 emulated minutes) and an endpoint start (~3) take about 1 s. */
export const TIME_SCALE = 600;

export interface ExampleStack {
  emulator: Emulator;
  harness: LifecycleHarness;
  run: RunOptions;
  stateFile: string;
  close(): Promise<void>;
}

export async function exampleStack(opts: {
  project: string;
  stack: string;
  config?: Record<string, string>;
}): Promise<ExampleStack> {
  const emulator = await startEmulator({ timeScale: TIME_SCALE });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `example-${opts.project}-`));
  const stateFile = path.join(dir, "state.json");
  const harness = new LifecycleHarness({
    stateFile,
    project: opts.project,
    stack: opts.stack,
    env: { PULUMI_TOGETHER_TIME_SCALE: String(TIME_SCALE) },
  });
  const config: Record<string, string> = {
    "together:apiKey": emulator.apiKey,
    "together:baseUrl": emulator.baseUrl,
  };
  for (const [k, v] of Object.entries(opts.config ?? {})) config[`${opts.project}:${k}`] = v;
  return {
    emulator,
    harness,
    run: { config, secretKeys: ["together:apiKey"] },
    stateFile,
    async close() {
      await emulator.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** `[kind, op]` per resource in run order, e.g. `["FineTuneJob", "create"]`. */
export function opsOf(r: RunResult): [string, string][] {
  return r.ops.map((o) => [o.type.slice(o.type.lastIndexOf(":") + 1), o.op]);
}
