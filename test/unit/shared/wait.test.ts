import {
  formatDuration,
  nextDelay,
  waitFor,
  WaitFailedError,
  WaitTimeoutError,
  withJitter,
} from "../../../provider/shared/wait";

function sequence<T>(values: T[]): () => Promise<T> {
  let i = 0;
  return async () => values[Math.min(i++, values.length - 1)]!;
}

describe("waitFor", () => {
  it("returns the first done state, reporting progress for the others", async () => {
    const progress: string[] = [];
    const result = await waitFor<string>({
      what: "job to finish",
      poll: sequence(["queued", "running", "done"]),
      done: (s) => s === "done",
      progress: (s) => progress.push(s),
      timeoutMs: 10_000,
      initialDelayMs: 5,
    });
    expect(result).toBe("done");
    expect(progress).toEqual(["queued", "running"]);
  });

  it("fails fast on a terminal state with the reason and the last state", async () => {
    const err = await waitFor<{ s: string; msg?: string }>({
      what: "job ft-1 to finish",
      poll: sequence([{ s: "running" }, { s: "error", msg: "OOM" }]),
      done: (t) => t.s === "done",
      failed: (t) => (t.s === "error" ? t.msg : undefined),
      timeoutMs: 10_000,
      initialDelayMs: 5,
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WaitFailedError);
    const e = err as WaitFailedError<{ s: string }>;
    expect(e.message).toBe("Stopped waiting for job ft-1 to finish: OOM");
    expect(e.reason).toBe("OOM");
    expect(e.last).toEqual({ s: "error", msg: "OOM" });
  });

  it("times out with the last observed state, the configured timeout and the time scale", async () => {
    let polls = 0;
    const err = await waitFor({
      what: "endpoint e-1 to start",
      poll: async () => ({ state: "PENDING", n: ++polls }),
      done: () => false,
      describe: (t) => t.state,
      timeoutMs: 60_000,
      initialDelayMs: 1_000,
      timeScale: 1_000,
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WaitTimeoutError);
    const e = err as WaitTimeoutError<{ state: string; n: number }>;
    expect(e.message).toBe(
      "Timed out after 60 s at time scale 1000 waiting for endpoint e-1 to start (last state: PENDING)",
    );
    expect(e.last.n).toBe(polls);
    expect(polls).toBeGreaterThan(2);
  });

  it("polls immediately, then sleeps no longer than the scaled deadline allows", async () => {
    const started = Date.now();
    let polls = 0;
    await expect(
      waitFor({
        what: "x",
        poll: async () => ++polls,
        done: () => false,
        timeoutMs: 3_600_000,
        initialDelayMs: 600_000,
        timeScale: 100_000,
      }),
    ).rejects.toThrow(WaitTimeoutError);
    // an hour at scale 100000 is 36 ms of real time: the 6 s first delay must have been cut to the deadline
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(polls).toBeGreaterThanOrEqual(2);
  });

  it("propagates poll errors", async () => {
    await expect(
      waitFor({
        what: "x",
        poll: async () => {
          throw new Error("boom");
        },
        done: () => true,
        timeoutMs: 1_000,
      }),
    ).rejects.toThrow("boom");
  });
});

describe("backoff", () => {
  it("grows 1.5x per poll up to the maximum", () => {
    const delays = [2_000];
    while (delays.length < 12) delays.push(nextDelay(delays[delays.length - 1]!, 60_000));
    expect(delays.slice(0, 4)).toEqual([2_000, 3_000, 4_500, 6_750]);
    expect(delays[delays.length - 1]).toBe(60_000);
  });
  it("jitters by at most 20% either way", () => {
    expect(withJitter(1_000, 0)).toBe(800);
    expect(withJitter(1_000, 0.5)).toBe(1_000);
    expect(withJitter(1_000, 0.999999)).toBeCloseTo(1_200, 2);
  });
});

describe("formatDuration", () => {
  it("uses the largest readable unit", () => {
    expect(formatDuration(500)).toBe("500 ms");
    expect(formatDuration(90_000)).toBe("90 s");
    expect(formatDuration(30 * 60_000)).toBe("30 min");
    expect(formatDuration(3 * 3_600_000)).toBe("3 h");
    expect(formatDuration(150 * 60_000)).toBe("2 h 30 min");
  });
});
