// Worker-thread entry: checks the range in `workerData` and posts a RangeReply. Started by range-workers.ts
// from the compiled dist/provider/validate/.
import { parentPort, workerData } from "node:worker_threads";
import { errorText } from "../shared/error-text";
import { checkJsonlRange, type RangeReply, type RangeTask } from "./range-check";

if (parentPort === null) throw new Error("jsonl-range-worker runs only as a worker thread");
const port = parentPort;
let reply: RangeReply;
try {
  reply = { result: checkJsonlRange(workerData as RangeTask) };
} catch (err) {
  reply = { error: errorText(err) };
}
port.postMessage(reply);
