// Worker-thread entry: checks blocks from the back of the shared claims in `workerData` (a BlocksTask) and
// posts a BlocksReply once. Started by range-workers.ts from the compiled dist/provider/validate/.
import { parentPort, workerData } from "node:worker_threads";
import { errorText } from "../shared/error-text";
import { type BlocksReply, type BlocksTask, checkBlocksFromBack } from "./range-check";

if (parentPort === null) throw new Error("jsonl-range-worker runs only as a worker thread");
let reply: BlocksReply;
try {
  reply = { results: checkBlocksFromBack(workerData as BlocksTask) };
} catch (err) {
  reply = { error: errorText(err) };
}
parentPort.postMessage(reply);
