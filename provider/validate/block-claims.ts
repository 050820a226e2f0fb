// Who checks which block of a file, decided as the check goes: this thread takes blocks from the front (it
// hashes the file in order anyway, so a block it checks is read once), worker threads take them from the back,
// and they meet wherever their speeds put the meeting point. Lock-free, in memory all the threads share.
const FRONT = 0;
const BACK = 1;
const FLAGS = 2;
const FREE = 0;
const TAKEN = 1;

export class BlockClaims {
  private readonly cells: Int32Array;

  /** New claims for `blocks` blocks, or the claims another thread created (its `shared` buffer). */
  constructor(blocks: number | SharedArrayBuffer) {
    if (typeof blocks === "number") {
      this.cells = new Int32Array(new SharedArrayBuffer((FLAGS + blocks) * 4));
      this.cells[BACK] = blocks;
    } else {
      this.cells = new Int32Array(blocks);
    }
  }

  get shared(): SharedArrayBuffer {
    return this.cells.buffer as SharedArrayBuffer;
  }

  get blocks(): number {
    return this.cells.length - FLAGS;
  }

  /** The next block from the front, or undefined once the rest belongs to the back (for the one front thread). */
  front(): number | undefined {
    const i = Atomics.add(this.cells, FRONT, 1);
    return i < this.blocks && this.take(i) ? i : undefined;
  }

  /** The next block from the back, or undefined once the front has reached it (for any number of threads). */
  back(): number | undefined {
    const i = Atomics.sub(this.cells, BACK, 1) - 1;
    return i >= 0 && this.take(i) ? i : undefined;
  }

  /** Blocks from this index on have been handed to the back (some may still be in progress). */
  backFrom(): number {
    return Math.max(0, Atomics.load(this.cells, BACK));
  }

  private take(i: number): boolean {
    return Atomics.compareExchange(this.cells, FLAGS + i, FREE, TAKEN) === FREE;
  }
}
