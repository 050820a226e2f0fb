// Reads a byte range of a file as a request body, through four reused buffers instead of a fresh one per
// chunk. A fresh 1 MiB buffer per read (what fs.createReadStream does) costs the uploading process about a
// quarter more CPU: new pages to fault in and zero, and garbage to collect, a gigabyte of it per GiB sent.
//
// Why reuse is safe. undici writes each chunk the body stream emits to the socket and pauses the stream
// until the socket drains whenever write() returns false. A socket writes one chunk at a time, so write()
// returns true only when nothing earlier is pending and the new chunk went out at once but for a remnant
// under its 16 KiB high-water mark. The body stream asks the generator for a chunk only when it has none
// buffered (its high-water mark is below the chunk size). So while chunk m is read, m-1 may be queued in
// the socket and m-2 may have a remnant there, and m-3 has left user space. With four buffers, chunk m goes
// into m-4's: one chunk of margin. The byte-exact upload tests (client to emulator, stored copy compared)
// fail if any of this stops holding.
import { open } from "node:fs/promises";
import { Readable } from "node:stream";

export const CHUNK_BYTES = 2 ** 20;
const RING = 4;
/** Well below CHUNK_BYTES: the body stream never holds more than one chunk it has not emitted. */
const STREAM_HIGH_WATER_MARK = 64 * 1024;

/** `length` bytes of `path` from `start`, as a stream for an HTTP request body. */
export function fileBody(path: string, start: number, length: number): Readable {
  return Readable.from(fileChunks(path, start, length), {
    objectMode: false,
    highWaterMark: STREAM_HIGH_WATER_MARK,
  });
}

/** Yields `length` bytes of `path` from `start`, in chunks of at most `chunkBytes`. The file is opened on
 *  the first read and closed when the consumer finishes, fails or stops early. */
export async function* fileChunks(
  path: string,
  start: number,
  length: number,
  chunkBytes: number = CHUNK_BYTES,
): AsyncGenerator<Buffer, void, undefined> {
  const fh = await open(path, "r");
  try {
    const ring = Array.from({ length: RING }, () => Buffer.allocUnsafe(chunkBytes));
    let offset = start;
    const end = start + length;
    for (let k = 0; offset < end; k++) {
      const buf = ring[k % RING]!;
      const want = Math.min(chunkBytes, end - offset);
      const { bytesRead } = await fh.read(buf, 0, want, offset);
      if (bytesRead === 0) {
        throw new Error(
          `${path} ended at byte ${offset}, before the ${end} bytes this upload declared; ` +
            `was it changed while uploading?`,
        );
      }
      offset += bytesRead;
      yield buf.subarray(0, bytesRead);
    }
  } finally {
    await fh.close();
  }
}
