// Runs range checks in worker threads, one thread per range, and gives back their results in range order.
// A worker that fails, or stops without a result, rejects the whole run with a message naming its range; the
// other workers are stopped, never left running, and nothing waits forever.
import * as path from "node:path";
import { Worker } from "node:worker_threads";
import { checkJsonlRange, type RangeReply, type RangeResult, type RangeTask } from "./range-check";

/** The compiled worker beside this module (dist/provider/validate/ in the package). */
export const RANGE_WORKER_SCRIPT = path.join(__dirname, "jsonl-range-worker.js");

/** Run from TypeScript sources (ts-jest, ts-node) there is no compiled worker to start, and a worker thread
 *  cannot load .ts: the ranges are then checked one after another in this thread, same results, no speed-up. */
export const RUNNING_FROM_SOURCES = __filename.endsWith(".ts");

export async function checkRanges(tasks: RangeTask[], script: string | undefined): Promise<RangeResult[]> {
  if (script === undefined) return tasks.map(checkJsonlRange);
  const workers: Worker[] = [];
  try {
    return await Promise.all(
      tasks.map((task) => {
        const worker = new Worker(script, { workerData: task });
        workers.push(worker);
        return resultOf(worker, task);
      }),
    );
  } finally {
    // After success every worker has exited or is exiting; after a failure this stops the rest.
    await Promise.all(workers.map((w) => w.terminate()));
  }
}

function resultOf(worker: Worker, task: RangeTask): Promise<RangeResult> {
  const what = `checking bytes ${task.start}-${task.end} of ${task.file} in a worker thread`;
  return new Promise((resolve, reject) => {
    worker.once("message", (reply: RangeReply) => {
      if ("result" in reply) resolve(reply.result);
      else reject(new Error(`${what} failed: ${reply.error}`));
    });
    worker.once("error", (err) => reject(new Error(`${what} failed: ${messageOf(err)}`, { cause: err })));
    // Settles nothing when the message or the error came first; otherwise the worker ended without a word.
    worker.once("exit", (code) =>
      reject(new Error(`${what} failed: the worker exited (code ${code}) without a result`)),
    );
  });
}

/** An error thrown in a worker arrives as a copy made in this thread, which `instanceof Error` may not
 *  recognise (another realm, as under jest): read its message by shape. */
function messageOf(err: unknown): string {
  const message = (err as { message?: unknown } | null)?.message;
  return typeof message === "string" ? message : String(err);
}
