// What every way of running the demo shares: options, the program, the emulator and a scratch directory.
import type { Emulator } from "../emulator";
import type { DemoOptions } from "./options";
import type { ProgramProject } from "./stack-config";

export interface DemoContext {
  options: DemoOptions;
  program: ProgramProject;
  emulator: Emulator;
  /** Scratch directory for state (removed at the end unless --keep). */
  workDir: string;
  /** Repository root (holds package.json and dist/). */
  repoRoot: string;
  print: (line?: string) => void;
}

/** The environment a user sets to point the provider at the emulator. */
export function emulatorEnv(ctx: DemoContext): Record<string, string> {
  return {
    TOGETHER_BASE_URL: ctx.emulator.baseUrl,
    TOGETHER_API_KEY: ctx.emulator.apiKey,
    PULUMI_TOGETHER_TIME_SCALE: String(ctx.options.timeScale),
  };
}
