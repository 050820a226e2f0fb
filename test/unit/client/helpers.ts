import { EndpointsApi, FineTunesApi, Transport } from "../../../provider/client";
import { parseBaseUrl } from "../../../provider/client/base-url";

export const KEY = "sk-test-0123456789abcdef-SECRET";

/** A transport whose retry sleeps are recorded instead of waited. */
export function testTransport(
  origin: string,
  over: Partial<ConstructorParameters<typeof Transport>[0]> = {},
) {
  const sleeps: number[] = [];
  const logs: string[] = [];
  const transport = new Transport({
    baseUrl: parseBaseUrl(`${origin}/v1/`),
    apiKey: KEY,
    timeoutMs: 5_000,
    maxRetries: 3,
    userAgent: "test",
    sleepScale: 1,
    log: (l) => logs.push(l),
    random: () => 0,
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    ...over,
  });
  return {
    transport,
    sleeps,
    logs,
    fineTunes: new FineTunesApi(transport),
    endpoints: new EndpointsApi(transport),
  };
}

export async function caught(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (err) {
    return err;
  }
  throw new Error("expected a rejection");
}
