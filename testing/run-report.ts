// What a harness run reports: one op per step it took, the stack outputs and the provider's log; a failed run
// throws HarnessRunError carrying the same.

export interface Op {
  op: string;
  key: string;
  type: string;
  name: string;
  durationMs: number;
  detail?: string;
}

export interface RunResult {
  ops: Op[];
  /** Stack outputs (the program's returned object); undefined where unknown in preview. */
  outputs: Record<string, unknown>;
  /** The provider process's stdout+stderr ("" when no provider was needed). */
  providerLog: string;
  /** The provider process of this run, ended before the run returned. */
  providerPid?: number;
  /** Wall-clock figures of the run: the whole run, and spawning + configuring the provider process. */
  timings: { totalMs: number; providerStartMs?: number };
}

export class HarnessRunError extends Error {
  constructor(
    message: string,
    readonly ops: Op[],
    readonly providerLog: string,
    readonly providerPid?: number,
  ) {
    super(message);
    this.name = "HarnessRunError";
  }
}

/** The op `name` on resource `r`, timed from `started`. */
export function op(
  name: string,
  r: { key: string; type: string; name: string },
  started: number,
  detail?: string,
): Op {
  const entry: Op = { op: name, key: r.key, type: r.type, name: r.name, durationMs: Date.now() - started };
  if (detail !== undefined) entry.detail = detail;
  return entry;
}
