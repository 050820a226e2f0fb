// When the hashing thread should stop checking blocks from the front. It must still hash every byte after its
// last block, alone, once it stops; the workers meanwhile check what is left between the front and the back.
// Stopping where the two take equally long finishes both together: stop too late and the workers sit idle
// while the file's tail is hashed, too early and this thread waits for them.
import { performance } from "node:perf_hooks";
import { type Hasher } from "./read-through";

/** Reading a byte again costs about this share of hashing it (page-cache copy vs SHA-256 with CPU support);
 *  only the balance point depends on it, never a result. */
const READ_PER_HASH = 0.4;

export class FrontPace implements Hasher {
  private hashMs = 0;
  private blockMs = 0;
  private blockBytes = 0;

  constructor(
    private readonly hash: Hasher,
    private readonly workers: number,
  ) {}

  /** Feeds the hash and times it. */
  update(data: Buffer): void {
    const start = performance.now();
    this.hash.update(data);
    this.hashMs += performance.now() - start;
  }

  /** Times a front block (checked and hashed). */
  block<T>(bytes: number, work: () => T): T {
    const start = performance.now();
    const result = work();
    this.blockMs += performance.now() - start;
    this.blockBytes += bytes;
    return result;
  }

  /** Whether to stop before a block: `tail` bytes left to hash from it on, `open` of them not yet taken. */
  shouldStop(tail: number, open: number): boolean {
    if (this.blockBytes === 0) return false;
    const hashPerByte = (this.hashMs * (1 + READ_PER_HASH)) / this.blockBytes;
    const checkPerByte = Math.max(0, this.blockMs / this.blockBytes - hashPerByte);
    return tail * hashPerByte >= (open * checkPerByte) / this.workers;
  }
}
