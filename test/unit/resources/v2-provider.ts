// An emulator with a known project and a provider context on it, for the DedicatedEndpoint v2 tests that call
// the lifecycle in-process. `context(null)` is a stack without a project (v1).
import { TogetherClient } from "../../../provider/client";
import { lifecycle } from "../../../provider/resources/dedicated-endpoint/lifecycle";
import type { CheckFailure, ProviderContext } from "../../../provider/shared/types";
import { startEmulator, type Emulator } from "../../../emulator";

export const TIME_SCALE = 600;

export interface V2Provider {
  emu: Emulator;
  client: TogetherClient;
  /** A context on `projectId` (default: the emulator's project; null: none), its log lines captured. */
  context(projectId?: string | null): { ctx: ProviderContext; logs: string[] };
  /** DedicatedEndpoint's checked inputs, expecting no failure (`olds`: the previous inputs, for an update). */
  checked(
    news: Record<string, unknown>,
    ctx?: ProviderContext,
    olds?: Record<string, unknown>,
  ): Promise<Record<string, unknown>>;
  /** DedicatedEndpoint's check failures for a new resource. */
  failures(news: Record<string, unknown>, ctx?: ProviderContext): Promise<CheckFailure[]>;
}

/** Registers beforeAll/afterAll hooks; the returned object is filled in once beforeAll ran. */
export function useV2Provider(project: string): V2Provider {
  const env = {} as V2Provider;
  beforeAll(async () => {
    env.emu = await startEmulator({ timeScale: TIME_SCALE, projectId: project });
    env.client = new TogetherClient({
      baseUrl: env.emu.baseUrl,
      apiKey: env.emu.apiKey,
      sleepScale: 1 / TIME_SCALE,
    });
  });
  afterAll(() => env.emu.close());
  env.context = (projectId: string | null = project) => {
    const logs: string[] = [];
    const ctx: ProviderContext = {
      client: () => env.client,
      log: { info: (m) => logs.push(m), warn: (m) => logs.push(m), error: (m) => logs.push(m) },
      timeScale: TIME_SCALE,
      secrets: { add: () => undefined },
      projectId: () => projectId ?? undefined,
    };
    return { ctx, logs };
  };
  env.checked = async (news, ctx = env.context().ctx, olds = {}) => {
    const r = await lifecycle.check(olds, news, ctx);
    expect(r.failures).toEqual([]);
    return r.inputs ?? {};
  };
  env.failures = async (news, ctx = env.context().ctx) =>
    (await lifecycle.check({}, news, ctx)).failures ?? [];
  return env;
}
