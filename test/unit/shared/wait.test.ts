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

  describe("on a fake clock", () => {
    beforeEach(() => {
      jest.useFakeTimers({ now: 0 });
    });
    afterEach(() => {
      jest.useRealTimers();
    });

    it("times out with the last observed state, the configured timeout and the time scale", async () => {
      const pollTimes: number[] = [];
      const settled = waitFor({
        what: "endpoint e-1 to start",
        poll: async () => {
          pollTimes.push(Date.now());
          return { state: "PENDING", n: pollTimes.length };
        },
        done: () => false,
        describe: (t) => t.state,
        timeoutMs: 60_000,
        initialDelayMs: 1_000,
        timeScale: 1_000,
      }).catch((e: unknown) => e);
      await jest.runAllTimersAsync();
      const err = await settled;
      expect(err).toBeInstanceOf(WaitTimeoutError);
      const e = err as WaitTimeoutError<{ state: string; n: number }>;
      expect(e.message).toBe(
        "Timed out after 60 s at time scale 1000 waiting for endpoint e-1 to start (last state: PENDING)",
      );
      // The error carries the last poll's state; 60 s at x1000 is 60 ms of (fake) time, polled from 0 ms
      // with backoff from 1 ms, the last poll landing on the deadline.
      expect(e.last.n).toBe(pollTimes.length);
      expect(pollTimes.length).toBeGreaterThan(2);
      expect(pollTimes[0]).toBe(0);
      expect(pollTimes[pollTimes.length - 1]).toBe(60);
      expect(Date.now()).toBe(60);
    });

    it("polls immediately, then sleeps no longer than the scaled deadline allows", async () => {
      const pollTimes: number[] = [];
      const settled = waitFor({
        what: "x",
        poll: async () => pollTimes.push(Date.now()),
        done: () => false,
        timeoutMs: 3_600_000,
        initialDelayMs: 7_200_000,
        maxDelayMs: 7_200_000,
        timeScale: 100_000,
      }).catch((e: unknown) => e);
      // The first poll runs before any time passes.
      await jest.advanceTimersByTimeAsync(0);
      expect(pollTimes).toEqual([0]);
      // An hour at scale 100000 is 36 ms: the first delay, two hours (72 ms scaled, ±20% jitter), is cut to
      // the deadline, so the second and last poll comes at 36 ms, and the wait then ends.
      await jest.advanceTimersByTimeAsync(36);
      expect(pollTimes).toEqual([0, 36]);
      expect(await settled).toBeInstanceOf(WaitTimeoutError);
      expect(jest.getTimerCount()).toBe(0);
    });
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
