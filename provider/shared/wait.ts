export interface WaitOptions<T> {
  /** What is awaited, for messages: "fine-tune job ft-123 to complete". */
  what: string;
  poll: () => Promise<T>;
  done: (t: T) => boolean;
  /** A terminal failure state: returns the reason, which ends the wait at once. */
  failed?: (t: T) => string | undefined;
  /** In real ms; divided by timeScale. */
  timeoutMs: number;
  /** Default 2_000; grows 1.5x per poll (with jitter) up to maxDelayMs. Both divided by timeScale. */
  initialDelayMs?: number;
  /** Default 60_000. */
  maxDelayMs?: number;
  /** Called after each poll that is neither done nor failed; elapsedMs is wall-clock time since the start. */
  progress?: (t: T, elapsedMs: number) => void;
  /** Describes the last observed state in timeout messages ("status running, 40/100 steps"). */
  describe?: (t: T) => string;
  /** Emulated time runs this many times faster (PULUMI_TOGETHER_TIME_SCALE); default 1. */
  timeScale?: number;
}

export class WaitTimeoutError<T = unknown> extends Error {
  readonly code = "wait_timeout";
  constructor(
    message: string,
    readonly last: T,
  ) {
    super(message);
    this.name = "WaitTimeoutError";
  }
}

export class WaitFailedError<T = unknown> extends Error {
  readonly code = "wait_failed";
  constructor(
    message: string,
    readonly reason: string,
    readonly last: T,
  ) {
    super(message);
    this.name = "WaitFailedError";
  }
}

export function isWaitTimeout(e: unknown): e is WaitTimeoutError {
  return e instanceof WaitTimeoutError;
}

export function isWaitFailed(e: unknown): e is WaitFailedError {
  return e instanceof WaitFailedError;
}

const BACKOFF_FACTOR = 1.5;
const JITTER = 0.2;

/** Polls until done, failed or the deadline; the first poll is immediate and the last one lands on the deadline. */
export async function waitFor<T>(o: WaitOptions<T>): Promise<T> {
  const scale = o.timeScale !== undefined && o.timeScale > 0 ? o.timeScale : 1;
  const deadlineMs = o.timeoutMs / scale;
  const maxDelay = (o.maxDelayMs ?? 60_000) / scale;
  let delay = Math.min((o.initialDelayMs ?? 2_000) / scale, maxDelay);
  const start = Date.now();
  for (;;) {
    const t = await o.poll();
    const reason = o.failed?.(t);
    if (reason !== undefined)
      throw new WaitFailedError(`Stopped waiting for ${o.what}: ${reason}`, reason, t);
    if (o.done(t)) return t;
    const elapsed = Date.now() - start;
    o.progress?.(t, elapsed);
    const remaining = deadlineMs - elapsed;
    if (remaining <= 0) {
      const state = o.describe ? ` (last state: ${o.describe(t)})` : "";
      const scaled = scale === 1 ? "" : ` at time scale ${scale}`;
      throw new WaitTimeoutError(
        `Timed out after ${formatDuration(o.timeoutMs)}${scaled} waiting for ${o.what}${state}`,
        t,
      );
    }
    await sleep(Math.min(withJitter(delay, Math.random()), remaining));
    delay = nextDelay(delay, maxDelay);
  }
}

/** The delay after `delayMs`: 1.5x, capped. */
export function nextDelay(delayMs: number, maxDelayMs: number): number {
  return Math.min(delayMs * BACKOFF_FACTOR, maxDelayMs);
}

/** +-20% so many resources polling at once do not fall into step; `random` is in [0, 1). */
export function withJitter(delayMs: number, random: number): number {
  return delayMs * (1 - JITTER + random * 2 * JITTER);
}

export function formatDuration(ms: number): string {
  if (ms < 1_000) return `${Math.round(ms)} ms`;
  const s = Math.round(ms / 1_000);
  if (s < 120) return `${s} s`;
  const m = Math.round(s / 60);
  if (m < 120) return `${m} min`;
  const h = Math.floor(m / 60);
  return m % 60 === 0 ? `${h} h` : `${h} h ${m % 60} min`;
}

/** Elapsed wall-clock time shown on the API's clock: under an accelerated emulator that is real time × the
 *  scale, marked with it ("72 s (time scale 600)"), so every wait line reads in the same emulated time. */
export function formatElapsed(elapsedMs: number, timeScale = 1): string {
  const scale = timeScale > 0 ? timeScale : 1;
  return formatDuration(elapsedMs * scale) + (scale === 1 ? "" : ` (time scale ${scale})`);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
