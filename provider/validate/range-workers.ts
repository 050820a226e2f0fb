// Worker threads that check blocks from the back of a file (see BlockClaims) while this thread works from the
// front. A worker that fails, or stops without a result, rejects the run with a message naming the file; the
// other workers are stopped, never left running, and nothing waits forever.
import * as path from "node:path";
import { Worker } from "node:worker_threads";
import { type BlockResults, type BlocksReply, type BlocksTask, checkBlocksFromBack } from "./range-check";

/** The compiled worker beside this module (dist/provider/validate/ in the package). */
export const RANGE_WORKER_SCRIPT = path.join(__dirname, "jsonl-range-worker.js");

/** Run from TypeScript sources (ts-jest, ts-node) there is no compiled worker to start, and a worker thread
 *  cannot load .ts: a stand-in then checks the back half of the blocks in this thread, and the front the
 *  rest. Same results, no speed-up, and a fixed split for tests. */
export const RUNNING_FROM_SOURCES = __filename.endsWith(".ts");

export interface BackWorkers {
  /** Every worker's results, once all have posted them. */
  done: Promise<BlockResults>;
  /** Stops every worker still running. */
  stop(): Promise<void>;
}

export function startBackWorkers(count: number, task: BlocksTask, script: string | undefined): BackWorkers {
  if (script === undefined) {
    const half = Math.floor(task.blocks.length / 2);
    return { done: Promise.resolve().then(() => checkBlocksFromBack(task, half)), stop: async () => {} };
  }
  const workers: Worker[] = [];
  const replies: Promise<BlockResults>[] = [];
  try {
    for (let i = 0; i < count; i++) {
      const worker = new Worker(script, { workerData: task });
      workers.push(worker);
      replies.push(resultsOf(worker, task.file));
    }
  } catch (err) {
    void Promise.all(workers.map((w) => w.terminate()));
    throw err;
  }
  const stop = async (): Promise<void> => {
    await Promise.all(workers.map((w) => w.terminate()));
  };
  // A failed worker stops the others at once rather than when they finish.
  const done = Promise.all(replies).then(
    (all) => all.flat(),
    async (err: unknown) => {
      await stop();
      throw err;
    },
  );
  return { done, stop };
}

function resultsOf(worker: Worker, file: string): Promise<BlockResults> {
  const what = `checking ${file} in a worker thread`;
  return new Promise((resolve, reject) => {
    worker.once("message", (reply: BlocksReply) => {
      if ("results" in reply) resolve(reply.results);
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
