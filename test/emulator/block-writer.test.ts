import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { BLOCK, BlockWriter } from "../../emulator/block-writer";

const MiB = 2 ** 20;

/** Writes `data` at `offset` in chunks of `chunk` bytes; returns how many bytes the writer counted. */
async function store(
  file: string,
  data: Buffer,
  opts: { offset?: number; chunk?: number; overwrite?: boolean } = {},
): Promise<number> {
  const fh = await fs.promises.open(file, fs.existsSync(file) ? "r+" : "w");
  try {
    const w = new BlockWriter(fh, opts.offset ?? 0, opts.overwrite ?? false);
    const step = opts.chunk ?? data.length;
    for (let at = 0; at < data.length; at += step) await w.write(data.subarray(at, at + step));
    await w.finish();
    return w.written;
  } finally {
    await fh.close();
  }
}

/** Bytes of `len` with non-zero content in the given 64 KiB block indexes and zeros elsewhere. */
function blocks(len: number, nonZero: number[]): Buffer {
  const b = Buffer.alloc(len);
  for (const i of nonZero) b.fill(i + 1, i * BLOCK, Math.min(len, (i + 1) * BLOCK));
  return b;
}

describe("BlockWriter", () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "block-writer-"));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("stores the bytes exactly, whatever the chunking", async () => {
    const data = Buffer.alloc(3 * MiB + 12345);
    for (let i = 0; i < data.length; i++) data[i] = (i * 7919) % 251;
    // Small pieces are gathered into batches; big ones are written from in place, with the edges copied.
    for (const chunk of [1000, MiB - 1, MiB + 1, 5 * MiB]) {
      const file = path.join(dir, `chunk-${chunk}`);
      expect(await store(file, data, { chunk })).toBe(data.length);
      expect(fs.readFileSync(file).equals(data)).toBe(true);
    }
  });

  it("writes straight from the caller's chunks, never copying them", async () => {
    for (const size of [1000, 3 * MiB]) {
      const chunks = Array.from({ length: 5 }, (_, i) => Buffer.alloc(size, i + 1));
      const owners = new Set<ArrayBufferLike>(chunks.map((c) => c.buffer));
      const written: Buffer[] = [];
      const recording = {
        writev: (bufs: Buffer[]) => {
          written.push(...bufs);
          const bytesWritten = bufs.reduce((n, b) => n + b.length, 0);
          return Promise.resolve({ bytesWritten, buffers: bufs });
        },
      } as unknown as fs.promises.FileHandle;
      const w = new BlockWriter(recording, 0, false);
      for (const c of chunks) await w.write(c);
      await w.finish();
      expect(written.every((b) => owners.has(b.buffer))).toBe(true);
      expect(Buffer.concat(written).equals(Buffer.concat(chunks))).toBe(true);
    }
  });

  it("leaves all-zero blocks as holes and writes runs of data blocks in place", async () => {
    const len = 40 * BLOCK; // spans three 1 MiB batches
    const data = blocks(len, [0, 1, 2, 17, 39]);
    const file = path.join(dir, "sparse");
    await store(file, data, { chunk: 100_000 });
    expect(fs.readFileSync(file).equals(data)).toBe(true);
    // 5 data blocks of 64 KiB; the filesystem allocates little more than that.
    expect(fs.statSync(file).blocks * 512).toBeLessThan(8 * BLOCK);
  });

  it("aligns blocks to the file, not to the offset it starts at", async () => {
    const file = path.join(dir, "offset");
    fs.writeFileSync(file, Buffer.alloc(0));
    const offset = BLOCK + 100;
    const data = Buffer.alloc(3 * BLOCK, 9);
    await store(file, data, { offset });
    const back = fs.readFileSync(file);
    expect(back.length).toBe(offset + data.length);
    expect(back.subarray(offset).equals(data)).toBe(true);
    expect(back.subarray(0, offset).every((x) => x === 0)).toBe(true);
  });

  it("with overwrite, zero blocks replace what an earlier attempt left", async () => {
    const file = path.join(dir, "retry");
    await store(file, Buffer.alloc(4 * BLOCK, 7));
    await store(file, blocks(4 * BLOCK, [2]), { overwrite: true });
    expect(fs.readFileSync(file).equals(blocks(4 * BLOCK, [2]))).toBe(true);
  });

  it("treats a short write as a failure rather than leaving a gap", async () => {
    const short = {
      writev: () => Promise.resolve({ bytesWritten: 100, buffers: [] }),
    } as unknown as fs.promises.FileHandle;
    const w = new BlockWriter(short, 0, false);
    await w.write(Buffer.alloc(BLOCK, 1));
    await expect(w.finish()).rejects.toThrow(`short write: 100 of ${BLOCK} bytes at 0`);
  });

  it("surfaces a failed write, even one still in flight when the last batch is handed over", async () => {
    const failing = {
      writev: () => Promise.reject(new Error("ENOSPC: no space left on device")),
    } as unknown as fs.promises.FileHandle;
    const w = new BlockWriter(failing, 0, false);
    await w.write(Buffer.alloc(MiB, 1)); // the first batch's write fails in the background
    await expect(w.finish()).rejects.toThrow(/ENOSPC/);
  });
});
