// Reads a byte range of a file as a request body that undici streams to the socket chunk by chunk. Three
// choices keep the uploading process's CPU per GiB near curl's (measured in bench/upload-bench.ts):
//
// - Four reused buffers instead of a fresh one per chunk (what fs.createReadStream does): a fresh 1 MiB
//   buffer per read means new pages to fault in and zero, and a gigabyte of garbage per GiB sent.
// - The generator is the body itself, not wrapped in a Readable: a stream in between adds its own
//   buffering and events to every chunk.
// - Reads run in-line while they are fast. A file that was just written or read is in the page cache,
//   where a 1 MiB read takes a fraction of a millisecond, less than handing it to the thread pool and
//   back. The first read that blocks for SLOW_READ_MS or more (a cold disk, a network filesystem) moves
//   the rest of the file to the thread pool, so the provider's event loop, which serves every other
//   resource's operation, is never held up for long.
//
// Why reuse is safe. undici writes each chunk to the socket corked, so a chunk above the socket's 16 KiB
// high-water mark makes write() return false, and undici then waits for 'drain' (every byte handed to the
// kernel) before it asks for the next chunk. Only a chunk under 16 KiB can leave a remnant queued while the
// next one is read. So at most one earlier chunk is still in user space when a buffer is refilled, and
// four buffers leave margin. The byte-exact upload tests (a slow reader hashing every byte it receives)
// fail if this stops holding.
import { readSync } from "node:fs";
import { open } from "node:fs/promises";

export const CHUNK_BYTES = 2 ** 20;
const RING = 4;
/** A read that blocks the event loop this long means the file is not in the page cache. */
export const SLOW_READ_MS = 5;

export interface ChunkOptions {
  chunkBytes?: number;
  /** Reads taking this long or more switch the rest of the file to the thread pool (default SLOW_READ_MS). */
  slowReadMs?: number;
}

/** Yields `length` bytes of `path` from `start`, in chunks of at most `chunkBytes`: an upload's request
 *  body (undici accepts async iterables). The file is opened on the first read and closed when the
 *  consumer finishes, fails or stops early. */
export async function* fileChunks(
  path: string,
  start: number,
  length: number,
  options: ChunkOptions = {},
): AsyncGenerator<Buffer, void, undefined> {
  const chunkBytes = options.chunkBytes ?? CHUNK_BYTES;
  const slowReadMs = options.slowReadMs ?? SLOW_READ_MS;
  const fh = await open(path, "r");
  try {
    const ring = Array.from({ length: RING }, () => Buffer.allocUnsafe(chunkBytes));
    let inLine = true;
    let offset = start;
    const end = start + length;
    for (let k = 0; offset < end; k++) {
      const buf = ring[k % RING]!;
      const want = Math.min(chunkBytes, end - offset);
      let bytesRead: number;
      if (inLine) {
        const began = performance.now();
        bytesRead = readSync(fh.fd, buf, 0, want, offset);
        inLine = performance.now() - began < slowReadMs;
      } else {
        ({ bytesRead } = await fh.read(buf, 0, want, offset));
      }
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
