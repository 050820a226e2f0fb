// Worker-thread entry: SHA-256 of a file that another thread is writing, read back from the page cache as the
// writer reports progress. Messages in (in order): { upTo } = bytes [0, upTo) are on disk; { finish: true } =
// post the digest and stop. Posts { digest } or { error } once. Started by file-hasher.ts from the compiled
// dist/provider/client/.
import { createHash } from "node:crypto";
import { closeSync, openSync, readSync } from "node:fs";
import { parentPort, workerData } from "node:worker_threads";
import { errorText } from "../shared/error-text";
import type { HashReply, HashRequest } from "./file-hasher";

if (parentPort === null) throw new Error("hash-file-worker runs only as a worker thread");
const port = parentPort;
const READ_BYTES = 1024 * 1024;
const fd = openSync((workerData as { path: string }).path, "r");
const buffer = Buffer.allocUnsafe(READ_BYTES);
const hash = createHash("sha256");
let hashed = 0;

function hashUpTo(upTo: number): void {
  while (hashed < upTo) {
    const n = readSync(fd, buffer, 0, Math.min(READ_BYTES, upTo - hashed), hashed);
    if (n <= 0) throw new Error(`the file ended at byte ${hashed} of the ${upTo} written`);
    hash.update(buffer.subarray(0, n));
    hashed += n;
  }
}

function reply(message: HashReply): void {
  closeSync(fd);
  port.postMessage(message);
  port.close();
}

port.on("message", (request: HashRequest) => {
  try {
    if ("upTo" in request) hashUpTo(request.upTo);
    else reply({ digest: hash.digest("hex"), bytes: hashed });
  } catch (err) {
    reply({ error: errorText(err) });
  }
});
