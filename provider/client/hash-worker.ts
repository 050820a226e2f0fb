// Worker-thread entry: SHA-256 of a download's bytes, handed over batch by batch once they are written (the
// batches' memory is moved here, not copied, where it can be: see file-hasher.ts). Messages in, in order:
// { chunks } = the next bytes; { finish: true } = post { digest, bytes } and stop. Started by file-hasher.ts
// from the compiled dist/provider/client/.
import { createHash } from "node:crypto";
import { parentPort, workerData } from "node:worker_threads";
import { errorText } from "../shared/error-text";
import type { HashReply, HashRequest } from "./file-hasher";

if (parentPort === null) throw new Error("hash-worker runs only as a worker thread");
const port = parentPort;
const hash = createHash("sha256");
let hashed = 0;
/** Where the sender reads how far the hash has got, to hold back before too much waits here. */
const progress = (workerData as { hashed: BigInt64Array }).hashed;

function reply(message: HashReply): void {
  port.postMessage(message);
  port.close();
}

port.on("message", (request: HashRequest) => {
  try {
    if ("chunks" in request) {
      for (const chunk of request.chunks) {
        hash.update(chunk);
        hashed += chunk.byteLength;
      }
      Atomics.store(progress, 0, BigInt(hashed));
      Atomics.notify(progress, 0);
    } else reply({ digest: hash.digest("hex"), bytes: hashed });
  } catch (err) {
    reply({ error: errorText(err) });
  }
});
