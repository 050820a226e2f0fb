// Worker-thread entry: SHA-256 of a file that another thread is writing, read back from the page cache as the
// writer reports progress. Messages in (in order): { upTo } = bytes [0, upTo) are on disk; { finish: true } =
// post the digest and stop. Posts { digest } or { error } once. Started by file-hasher.ts from the compiled
// dist/provider/client/. It reads through a descriptor the starting thread opened and closes once this worker has
// stopped: a worker's own raw descriptors are tracked and closed again by Node when the worker exits, and under
// jest one such close of a number another thread had reopened failed a read-back with EBADF.
import { createHash } from "node:crypto";
import { readSync } from "node:fs";
import { parentPort, workerData } from "node:worker_threads";
import { errorText } from "../shared/error-text";
import type { HashReply, HashRequest } from "./file-hasher";

if (parentPort === null) throw new Error("hash-file-worker runs only as a worker thread");
const port = parentPort;
const READ_BYTES = 1024 * 1024;
const fd = (workerData as { fd: number }).fd;
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
