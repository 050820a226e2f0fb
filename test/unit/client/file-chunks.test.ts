import type * as fs from "node:fs";
import { mkdtempSync, readdirSync, rmSync, truncateSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileChunks } from "../../../provider/client/file-chunks";

const openFds = (): number => readdirSync("/proc/self/fd").length;

describe("fileChunks", () => {
  let dir: string;
  let file: string;
  let bytes: Buffer;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "file-chunks-"));
    file = join(dir, "data.bin");
    bytes = Buffer.alloc(10_000);
    for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 31) % 256;
    writeFileSync(file, bytes);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("yields exactly the requested range, in chunks no larger than asked", async () => {
    const sizes: number[] = [];
    const got: Buffer[] = [];
    for await (const chunk of fileChunks(file, 1234, 5000, { chunkBytes: 1024 })) {
      sizes.push(chunk.length);
      got.push(Buffer.from(chunk)); // a copy: the generator reuses its buffers
    }
    expect(sizes).toEqual([1024, 1024, 1024, 1024, 904]);
    expect(Buffer.concat(got).equals(bytes.subarray(1234, 6234))).toBe(true);
  });

  it("streams the whole file with the default chunk size", async () => {
    const got: Buffer[] = [];
    for await (const chunk of fileChunks(file, 0, bytes.length)) got.push(Buffer.from(chunk));
    expect(Buffer.concat(got).equals(bytes)).toBe(true);
  });

  it("reads in-line while reads are fast, and moves to the thread pool after the first slow one", async () => {
    // The real module object (a namespace import is a read-only copy), which file-chunks.ts calls into.
    const readSync = jest.spyOn(jest.requireActual<typeof fs>("node:fs"), "readSync");
    try {
      const collect = async (slowReadMs: number): Promise<Buffer> => {
        const got: Buffer[] = [];
        for await (const chunk of fileChunks(file, 0, bytes.length, { chunkBytes: 1024, slowReadMs }))
          got.push(Buffer.from(chunk));
        return Buffer.concat(got);
      };
      expect((await collect(60_000)).equals(bytes)).toBe(true);
      expect(readSync).toHaveBeenCalledTimes(10); // every chunk in-line
      readSync.mockClear();
      // Every read counts as slow: the first is in-line, the other nine go through the thread pool.
      expect((await collect(0)).equals(bytes)).toBe(true);
      expect(readSync).toHaveBeenCalledTimes(1);
    } finally {
      readSync.mockRestore();
    }
  });

  it("fails, naming the file and the offset, when the file is shorter than the declared length", async () => {
    const short = join(dir, "short.bin");
    writeFileSync(short, bytes);
    truncateSync(short, 3000);
    const read = async (): Promise<void> => {
      for await (const _ of fileChunks(short, 0, bytes.length, { chunkBytes: 1024 })) void _;
    };
    await expect(read()).rejects.toThrow(`${short} ended at byte 3000, before the 10000 bytes`);
  });

  it("opens the file only when read, and closes it when the consumer stops early", async () => {
    const before = openFds();
    const gen = fileChunks(file, 0, bytes.length, { chunkBytes: 1024 });
    expect(openFds()).toBe(before);
    await gen.next();
    expect(openFds()).toBe(before + 1);
    await gen.return();
    expect(openFds()).toBe(before);
  });
});
