// What every way of running the demo shares: options, the program, the emulator and a scratch directory.
import type { EmulatorSummary } from "../emulator";
import type { DemoOptions } from "./options";
import type { ProgramProject } from "./stack-config";

/** The emulator the demo runs against: its own (in process) or a running one (--emulator URL). */
export interface DemoEmulator {
  /** `http://127.0.0.1:<port>/v1` */
  readonly baseUrl: string;
  readonly apiKey: string;
  /** How many times faster than real time the emulator's clock runs. */
  readonly timeScale: number;
  /** Whether the demo started it (and stops it at the end). */
  readonly own: boolean;
  summary(): Promise<EmulatorSummary>;
  close(): Promise<void>;
}

export interface DemoContext {
  options: DemoOptions;
  program: ProgramProject;
  emulator: DemoEmulator;
  /** Scratch directory (removed at the end unless --keep). */
  workDir: string;
  /** Where Pulumi's state lives: --state DIR (kept between runs), else inside workDir. */
  stateDir: string;
  /** Repository root (holds package.json and dist/). */
  repoRoot: string;
  print: (line?: string) => void;
}

/** The environment a user sets to point the provider at the emulator. */
export function emulatorEnv(ctx: DemoContext): Record<string, string> {
  return {
    TOGETHER_BASE_URL: ctx.emulator.baseUrl,
    TOGETHER_API_KEY: ctx.emulator.apiKey,
    PULUMI_TOGETHER_TIME_SCALE: String(ctx.emulator.timeScale),
  };
}
