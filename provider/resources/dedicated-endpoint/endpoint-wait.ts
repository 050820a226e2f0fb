// Waiting for an endpoint to reach a rest state, and for it to disappear after DELETE.
import type { TogetherClient } from "../../client";
import type { ProviderContext } from "../../shared/types";
import { formatElapsed, waitFor } from "../../shared/wait";
import { getEndpoint } from "./get-endpoint";
import { isFailedState, type LiveEndpoint, toLive } from "./live";
import type { DesiredState } from "./schema";

/** Timeouts are declared in minutes; waits take milliseconds. */
export const MINUTE_MS = 60_000;

// Starts are minutes long: poll soon at first, then back off to once a minute, which keeps a long wait at
// fewer than 120 requests an hour (the budget the benchmark measures).
const POLL_INITIAL_MS = 5_000;
const POLL_MAX_MS = 60_000;

export interface StateWait {
  client: TogetherClient;
  ctx: ProviderContext;
  who: string;
  id: string;
  target: DesiredState;
  timeoutMs: number;
}

export function failureReason(live: LiveEndpoint): string {
  return `Together reports ${live.state}: ${live.errorMessage ?? "no reason given by the API"}`;
}

/** Polls with backoff until `target`; ERROR ends the wait at once (WaitFailedError), as does a 404. */
export function waitForState(w: StateWait): Promise<LiveEndpoint> {
  return waitFor<LiveEndpoint>({
    what: `endpoint ${w.id} to reach ${w.target}`,
    poll: async () => toLive(await w.client.endpoints.get(w.id)),
    done: (l) => l.state === w.target,
    failed: (l) => (isFailedState(l.state) ? failureReason(l) : undefined),
    timeoutMs: w.timeoutMs,
    initialDelayMs: POLL_INITIAL_MS,
    maxDelayMs: POLL_MAX_MS,
    progress: (l, elapsed) =>
      w.ctx.log.info(
        `${w.who}: endpoint ${w.id} is ${l.state}, waiting for ${w.target}, elapsed ${formatElapsed(elapsed, w.ctx.timeScale)}`,
      ),
    describe: (l) => l.state,
    timeScale: w.ctx.timeScale,
  });
}

/** Polls until GET answers 404. Throws WaitTimeoutError if the endpoint is still listed at the deadline. */
export async function waitUntilGone(w: Omit<StateWait, "target">): Promise<void> {
  await waitFor<"present" | "gone">({
    what: `endpoint ${w.id} to be deleted`,
    poll: async () =>
      (await getEndpoint(w.client, w.id, () => undefined)) === undefined ? "gone" : "present",
    done: (s) => s === "gone",
    timeoutMs: w.timeoutMs,
    initialDelayMs: 2_000,
    maxDelayMs: 15_000,
    timeScale: w.ctx.timeScale,
  });
}
