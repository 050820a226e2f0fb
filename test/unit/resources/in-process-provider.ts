// One emulator and the provider context the runtime builds from stack config, for lifecycle tests that call
// check/create/read/update/delete in-process. Log lines are captured instead of printed.
import { configure, providerContext, resetRuntimeForTests } from "../../../provider/runtime";
import type { ProviderContext } from "../../../provider/shared/types";
import { startEmulator, type Emulator } from "../../../emulator";

export interface InProcessProvider {
  emu: Emulator;
  ctx: ProviderContext;
  /** Every provider log line so far, prefixed with its level (`info …`, `warn …`). */
  logged: string[];
}

/** Registers beforeAll/afterAll hooks; the returned object is filled in once beforeAll ran. */
export function useInProcessProvider(timeScale: number): InProcessProvider {
  const env = { logged: [] as string[] } as InProcessProvider;
  beforeAll(async () => {
    env.emu = await startEmulator({ timeScale });
    process.env.PULUMI_TOGETHER_TIME_SCALE = String(timeScale);
    resetRuntimeForTests();
    const config: Record<string, string> = {
      "together:apiKey": env.emu.apiKey,
      "together:baseUrl": env.emu.baseUrl,
    };
    await configure({ get: (key) => config[key] });
    const capture = (level: string) => (msg: string) => {
      env.logged.push(`${level} ${msg}`);
    };
    env.ctx = {
      ...providerContext(),
      log: { info: capture("info"), warn: capture("warn"), error: capture("error") },
    };
  });
  afterAll(async () => {
    await env.emu.close();
    resetRuntimeForTests();
    delete process.env.PULUMI_TOGETHER_TIME_SCALE;
  });
  return env;
}
