// Emulated time: runs `timeScale` times faster than the wall clock and can be pushed forward by tests,
// so every state machine (jobs, endpoints, file processing) is computed from timestamps on this clock.
export class EmulatedClock {
  private readonly startWall = Date.now();
  private readonly startMono = performance.now();
  private advancedMs = 0;

  constructor(readonly timeScale: number) {
    if (!(timeScale > 0) || !Number.isFinite(timeScale)) {
      throw new RangeError(`timeScale must be a positive finite number, got ${timeScale}`);
    }
  }

  /** Emulated epoch milliseconds. */
  now(): number {
    return Math.floor(
      this.startWall + (performance.now() - this.startMono) * this.timeScale + this.advancedMs,
    );
  }

  advance(ms: number): void {
    if (!(ms >= 0)) throw new RangeError(`clock.advance needs a non-negative duration, got ${ms}`);
    this.advancedMs += ms;
  }

  iso(ms: number = this.now()): string {
    return new Date(ms).toISOString();
  }
}
