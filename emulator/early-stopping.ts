// Early stopping without a model: the emulated validation loss halves its distance to a floor of 1.0 at every
// evaluation (1.5, 1.25, 1.125, ...), so whether and where a job stops follows from its settings alone:
// an evaluation improves when its loss is below the best so far by more than min_delta; the warm-up
// evaluations set the baseline without counting; patience evaluations in a row without an improvement stop
// training. With min_delta 0 the loss always improves and training runs to the end.
import type { EarlyStoppingSettings } from "./store";

/** Validation loss at evaluation `k` (1-based). */
export function validationLoss(k: number): number {
  return 1 + 0.5 ** k;
}

/** The evaluation that stops training and the best one before it; undefined when training runs to the end. */
export function earlyStopEval(
  nEvals: number,
  s: EarlyStoppingSettings,
): { stopEval: number; bestEval: number } | undefined {
  let best = Infinity;
  let bestEval = 0;
  let stale = 0;
  for (let k = 1; k <= nEvals; k++) {
    const loss = validationLoss(k);
    const improved = loss < best - s.minDelta;
    if (improved || best === Infinity) {
      best = loss;
      bestEval = k;
      stale = 0;
    } else if (k > s.warmupEvals) {
      stale += 1;
    }
    // Stopping at the last evaluation is no earlier than the planned end.
    if (stale >= s.patience) return k < nEvals ? { stopEval: k, bestEval } : undefined;
  }
  return undefined;
}
