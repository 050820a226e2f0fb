// A JSONL file checked in blocks (the parallel path) gives the report one pass gives: same failures, same
// absolute line numbers, same order, counts, cap and hash. Here every block runs in this thread (jest runs the
// TypeScript sources, which a worker thread cannot load): a stand-in takes the back half of the blocks, this
// thread the front half while it hashes. validate-parallel-workers.test.ts runs the compiled worker.
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { inspectTrainingFile } from "../../provider/validate";
import { BlockClaims } from "../../provider/validate/block-claims";
import { FrontPace } from "../../provider/validate/front-pace";
import { IssueCollector } from "../../provider/validate/issues";
import { READ_CHUNK_BYTES } from "../../provider/validate/limits";
import { checkJsonlInParallel } from "../../provider/validate/parallel-jsonl";
import * as rangeCheck from "../../provider/validate/range-check";
import * as rangeWorkers from "../../provider/validate/range-workers";
import { type ByteRange } from "../../provider/validate/read-through";
import * as splitRanges from "../../provider/validate/split-ranges";
import { type FileReport, type InspectOptions } from "../../provider/validate/types";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pt-parallel-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
afterEach(() => jest.restoreAllMocks());

/** Non-ASCII text throughout, so a share boundary falls inside a multi-byte character as often as not. */
const TEXT = "Grüße, 東京 — naïve café 😀 “quoted” ";

function goodLine(i: number): Buffer {
  return Buffer.from(
    JSON.stringify({
      messages: [
        { role: "user", content: `${TEXT.repeat(1 + (i % 5))}${i}` },
        { role: "assistant", content: `ok ${i}` },
      ],
    }),
  );
}

type BadKind = "role" | "json" | "blank" | "string" | "instruction" | "no-assistant" | "utf8";

/** A line of exactly `bytes` bytes that breaks the rule `kind`: it replaces a good line without moving any
 *  newline, so the file's cut points stay where they were. */
function badLine(kind: BadKind, bytes: number): Buffer {
  const sized = (make: (pad: string) => string): Buffer => {
    const base = Buffer.byteLength(make(""));
    if (base > bytes) throw new Error(`a ${kind} line needs ${base} bytes, has ${bytes}`);
    return Buffer.from(make("a".repeat(bytes - base)));
  };
  switch (kind) {
    case "role":
      return sized(
        (p) => `{"messages":[{"role":"bot","content":"${p}"},{"role":"assistant","content":"x"}]}`,
      );
    case "json":
      return sized((p) => `{"messages":[{"role":"user","content":"${p}"`);
    case "blank":
      return Buffer.from(" ".repeat(bytes));
    case "string":
      return sized((p) => `"${p}"`);
    case "instruction":
      return sized((p) => `{"prompt":"${p}","completion":"x"}`);
    case "no-assistant":
      return sized((p) => `{"messages":[{"role":"user","content":"${p}"}]}`);
    case "utf8": {
      const line = sized((p) => `{"messages":[{"role":"user","content":"${p}"}]}`);
      line[39] = 0xff; // the content's first byte; never valid in UTF-8
      return line;
    }
  }
}

/** Lines joined by `eol`, with or without one after the last line. */
function join(lines: readonly Buffer[], eol: string, finalEol: boolean): Buffer {
  const parts: Buffer[] = [];
  lines.forEach((line, i) => {
    parts.push(line);
    if (i < lines.length - 1 || finalEol) parts.push(Buffer.from(eol));
  });
  return Buffer.concat(parts);
}

function write(name: string, data: Buffer): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, data);
  return file;
}

/** The block size that has inspect cut `file` into `parts` blocks (fewer where lines are long). */
const blockBytesFor = (file: string, parts: number): number => Math.ceil(fs.statSync(file).size / parts);

/** The blocks inspect cuts `file` into for `parts`. */
async function cutsOf(file: string, parts: number): Promise<ByteRange[]> {
  const fh = await fs.promises.open(file, "r");
  try {
    const size = (await fh.stat()).size;
    return await splitRanges.splitAtNewlines(fh, size, Math.ceil(size / blockBytesFor(file, parts)));
  } finally {
    await fh.close();
  }
}

/** 1-based number of the line that starts at or holds byte `offset`. */
const lineNumberAt = (data: Buffer, offset: number): number => {
  let n = 1;
  for (let i = data.indexOf(10); i >= 0 && i < offset; i = data.indexOf(10, i + 1)) n++;
  return n;
};

const onePass = (file: string, opts: InspectOptions = {}): Promise<FileReport> =>
  inspectTrainingFile(file, { cacheDir: false, maxErrors: 1000, ...opts, parallel: { workers: 0 } });

/** The parallel path, forced on a small file cut into `parts` blocks; also returns how many blocks it cut
 *  (1: it fell back to one pass) and how many of them this thread checked while hashing. */
async function inRanges(
  file: string,
  parts: number,
  opts: InspectOptions = {},
): Promise<{ report: FileReport; ranges: number; front: number }> {
  const split = jest.spyOn(splitRanges, "splitAtNewlines");
  const front = jest.spyOn(rangeCheck, "checkBlockHashing");
  const report = await inspectTrainingFile(file, {
    cacheDir: false,
    maxErrors: 1000,
    ...opts,
    parallel: { minBytes: 0, workers: 1, blockBytes: blockBytesFor(file, parts) },
  });
  const cut = split.mock.results[0]?.value as Promise<ByteRange[]> | undefined;
  const ranges = cut === undefined ? 0 : (await cut).length;
  const fronted = front.mock.calls.filter((args) => args[3] !== undefined).length; // not a re-check's
  split.mockRestore();
  front.mockRestore();
  return { report, ranges, front: fronted };
}

describe.each([
  ["LF, last line without newline", "\n", false],
  ["CRLF, last line without newline", "\r\n", false],
  ["CRLF, final newline", "\r\n", true],
])("failures at and around every cut (%s)", (_label, eol, finalEol) => {
  test.each([2, 3, 4])("%i ranges: the report equals one pass's", async (workers) => {
    const lines = Array.from({ length: 2500 }, (_, i) => goodLine(i));
    for (let i = 400; i < lines.length; i += 701) lines[i] = Buffer.alloc(0); // truly empty lines
    const name = `cuts-${workers}-${eol.length}-${finalEol}.jsonl`;
    const plain = join(lines, eol, finalEol);
    const file = write(name, plain);
    const cuts = await cutsOf(file, workers);
    expect(cuts).toHaveLength(workers);

    // Around each cut: the last two lines of one range and the first three of the next break rules.
    const kinds: BadKind[] = ["role", "json", "blank", "instruction", "utf8"];
    const firstLines = cuts.slice(1).map((c) => lineNumberAt(plain, c.start));
    for (const first of firstLines) {
      kinds.forEach((kind, j) => {
        const index = first - 1 + j - 2;
        lines[index] = badLine(kind, lines[index]!.length);
      });
    }
    lines[lines.length - 1] = badLine("no-assistant", lines[lines.length - 1]!.length);
    const data = join(lines, eol, finalEol);
    expect(data.length).toBe(plain.length);
    write(name, data);
    expect(await cutsOf(file, workers)).toEqual(cuts);

    const expected = await onePass(file);
    const { report, ranges, front } = await inRanges(file, workers);
    expect(ranges).toBe(workers);
    expect(front).toBe(workers - Math.floor(workers / 2));
    expect(report).toEqual(expected);
    // The failures are where they were put, by absolute line number.
    const failing = new Set(expected.errors.map((e) => e.line));
    for (const first of firstLines) {
      for (let j = -2; j <= 2; j++) expect(failing.has(first + j)).toBe(true);
    }
    expect(failing.has(lines.length)).toBe(true);
    expect(expected.numSamples).toBe(lines.length);
    expect(expected.sha256).toBe(createHash("sha256").update(data).digest("hex"));
  });
});

test("a share's end inside a multi-byte character: the cut moves to the next newline, the text stays whole", async () => {
  // The middle line's role is a run of 3-byte characters; a few leading ASCII bytes move the run until the
  // half-way byte is the second or third byte of one of them.
  const build = (pad: number): Buffer =>
    join(
      [
        goodLine(0),
        Buffer.from(
          `{"messages":[{"role":"${"a".repeat(pad)}${"東".repeat(3000)}","content":"x"},{"role":"assistant","content":"y"}]}`,
        ),
        goodLine(1),
      ],
      "\n",
      false,
    );
  const pad = [0, 1, 2].find((p) => {
    const data = build(p);
    return (data[Math.floor(data.length / 2)]! & 0xc0) === 0x80;
  });
  expect(pad).toBeDefined();
  const data = build(pad!);
  const file = write("multibyte-cut.jsonl", data);
  const cut = data.indexOf(10, data.indexOf(10) + 1) + 1;
  expect(await cutsOf(file, 2)).toEqual([
    { start: 0, end: cut },
    { start: cut, end: data.length },
  ]);
  const expected = await onePass(file);
  expect(expected.errors[0]!.message).toContain(`messages[0].role "${"a".repeat(pad!)}東東東`);
  const { report, ranges } = await inRanges(file, 2);
  expect(ranges).toBe(2);
  expect(report).toEqual(expected);
});

test("the first cap's worth of failures, and the count of the rest, span ranges as in one pass", async () => {
  const lines = Array.from({ length: 900 }, (_, i) =>
    i % 3 === 0 ? badLine("role", goodLine(i).length) : goodLine(i),
  );
  const file = write("capped.jsonl", join(lines, "\n", true));
  for (const maxErrors of [1, 7, 150, 299, 300, 301]) {
    const expected = await onePass(file, { maxErrors });
    const { report } = await inRanges(file, 4, { maxErrors });
    expect(report).toEqual(expected);
  }
  const expected = await onePass(file, { maxErrors: 20 });
  expect(expected.omittedErrors).toBe(280);
});

describe("a file that mixes formats is worded against its first formatted line", () => {
  test("the second half in another format: its range is checked again against the file's format", async () => {
    const lines = [
      ...Array.from({ length: 300 }, (_, i) => goodLine(i)),
      ...Array.from({ length: 300 }, (_, i) =>
        Buffer.from(JSON.stringify({ prompt: `p ${i}`, completion: "c" })),
      ),
    ];
    const file = write("mixed.jsonl", join(lines, "\n", true));
    const expected = await onePass(file);
    expect(expected.errors[0]!.message).toContain(
      "line 301: the row is in the instruction format but line 1 is in the conversation format",
    );
    for (const workers of [2, 3, 4]) {
      const { report } = await inRanges(file, workers);
      expect(report).toEqual(expected);
    }
  });

  test("no formatted row in the first range: a later range sets the format", async () => {
    const lines = [
      ...Array.from({ length: 400 }, (_, i) => badLine(i % 2 ? "json" : "string", 120)),
      ...Array.from({ length: 200 }, (_, i) => goodLine(i)),
      ...Array.from({ length: 200 }, (_, i) => Buffer.from(JSON.stringify({ text: `t ${i}` }))),
      ...Array.from({ length: 200 }, (_, i) => goodLine(i)),
    ];
    const file = write("late-format.jsonl", join(lines, "\n", false));
    const expected = await onePass(file);
    expect(expected.format).toBe("conversation");
    for (const workers of [2, 3, 4]) {
      const { report } = await inRanges(file, workers);
      expect(report).toEqual(expected);
    }
  });
});

test.each(["eval", "batch-api"])("purpose %s (no format rules) gives the same report", async (purpose) => {
  const lines = Array.from({ length: 600 }, (_, i) =>
    i % 50 === 7 ? badLine("json", 100) : i % 70 === 3 ? badLine("string", 100) : goodLine(i),
  );
  const file = write(`purpose-${purpose}.jsonl`, join(lines, "\r\n", false));
  const expected = await onePass(file, { purpose });
  expect(expected.errors.length).toBeGreaterThan(0);
  const { report } = await inRanges(file, 3, { purpose });
  expect(report).toEqual(expected);
});

test("every corpus file gives the same report in ranges as in one pass", async () => {
  const corpus = path.join(__dirname, "validate", "corpus");
  const expected = JSON.parse(fs.readFileSync(path.join(corpus, "expected.json"), "utf8")) as Record<
    string,
    { purpose?: string }
  >;
  for (const [name, want] of Object.entries(expected)) {
    const opts = want.purpose === undefined ? {} : { purpose: want.purpose };
    const one = await onePass(path.join(corpus, name), opts);
    for (const workers of [2, 3]) {
      expect({ name, ...(await inRanges(path.join(corpus, name), workers, opts)).report }).toEqual({
        name,
        ...one,
      });
    }
  }
});

test("a line longer than a share leaves fewer ranges, down to one pass", async () => {
  const long = goodLine(1)
    .toString()
    .replace("ok 1", `ok ${"w".repeat(200_000)}`);
  const head = `${goodLine(0).toString()}\n${long}\n`;
  const file = write("one-long-line.jsonl", Buffer.from(`${head}${goodLine(2).toString()}\n`));
  const cut = Buffer.byteLength(head);
  expect(await cutsOf(file, 4)).toEqual([
    { start: 0, end: cut },
    { start: cut, end: fs.statSync(file).size },
  ]);
  expect((await inRanges(file, 4)).report).toEqual(await onePass(file));
  const lone = write("only-line.jsonl", Buffer.from(long));
  expect(await cutsOf(lone, 4)).toEqual([{ start: 0, end: Buffer.byteLength(long) }]);
  const { report, ranges } = await inRanges(lone, 4);
  expect(ranges).toBe(1);
  expect(report).toEqual(await onePass(lone));
});

test("a line longer than the read chunk inside a range is read whole", async () => {
  const long = goodLine(2)
    .toString()
    .replace("ok 2", `ok ${"é".repeat(READ_CHUNK_BYTES)}`);
  const lines = [goodLine(0), goodLine(1), Buffer.from(long), badLine("role", 300), goodLine(3)];
  const file = write("long-line-in-range.jsonl", join(lines, "\n", false));
  const expected = await onePass(file);
  expect(expected.errors.map((e) => e.line)).toEqual([4]);
  for (const workers of [2, 3]) {
    const { report, ranges } = await inRanges(file, workers);
    expect(ranges).toBe(2);
    expect(report).toEqual(expected);
  }
});

test("the front stops at once (hashes the whole file first), then checks the blocks left open", async () => {
  // As when the workers are slower than the front expected: it must still check every block nobody took.
  jest.spyOn(FrontPace.prototype, "shouldStop").mockReturnValue(true);
  const lines = Array.from({ length: 800 }, (_, i) => (i % 97 === 5 ? badLine("role", 200) : goodLine(i)));
  const file = write("front-stops.jsonl", join(lines, "\n", true));
  const expected = await onePass(file);
  expect(expected.errors.length).toBeGreaterThan(5);
  const { report, ranges, front } = await inRanges(file, 6);
  expect(ranges).toBe(6);
  expect(front).toBe(0); // no block checked while hashing
  expect(report).toEqual(expected);
});

test("a small file is checked in one pass by default: no blocks, no worker", async () => {
  const spy = jest.spyOn(splitRanges, "splitAtNewlines");
  const file = write("small.jsonl", join([goodLine(1), goodLine(2)], "\n", true));
  const report = await inspectTrainingFile(file, { cacheDir: false, parallel: { workers: 3 } });
  expect(report.ok).toBe(true);
  expect(spy).not.toHaveBeenCalled();
});

describe("a worker that fails rejects the check with a message naming the file, never hangs", () => {
  const file = write("for-workers.jsonl", join([goodLine(1), goodLine(2), goodLine(3)], "\n", true));
  const size = fs.statSync(file).size;
  const task = (): rangeCheck.BlocksTask => ({
    file,
    blocks: [{ start: 0, end: size }],
    claims: new BlockClaims(1).shared,
    formats: true,
    maxErrors: 20,
  });
  const script = (name: string, body: string): string => write(name, Buffer.from(body));

  test("it throws while loading", async () => {
    const bad = script("throws.js", 'throw new Error("cannot load the rules");');
    await expect(rangeWorkers.startBackWorkers(1, task(), bad).done).rejects.toThrow(
      `checking ${file} in a worker thread failed: cannot load the rules`,
    );
  });

  test("it exits without a result", async () => {
    const bad = script("exits.js", "process.exit(3);");
    await expect(rangeWorkers.startBackWorkers(2, task(), bad).done).rejects.toThrow(
      "in a worker thread failed: the worker exited (code 3) without a result",
    );
  });

  test("it reports an error (the file cannot be read)", async () => {
    const bad = script(
      "replies.js",
      'require("node:worker_threads").parentPort.postMessage({ error: "ENOENT: no such file" });',
    );
    await expect(rangeWorkers.startBackWorkers(1, task(), bad).done).rejects.toThrow(
      "failed: ENOENT: no such file",
    );
  });

  test("the check stops reading and rejects; the file handle can be closed at once", async () => {
    const bad = script("throws-too.js", 'throw new Error("worker broke");');
    const fh = await fs.promises.open(file, "r");
    const issues = new IssueCollector("for-workers.jsonl", 20);
    const cut = goodLine(1).length + 1;
    const job = {
      file,
      blocks: [
        { start: 0, end: cut },
        { start: cut, end: size },
      ],
      formats: true,
      maxErrors: 20,
      workers: 1,
      script: bad,
    };
    await expect(checkJsonlInParallel(fh, job, issues)).rejects.toThrow("worker broke");
    await fh.close();
  });
});

test("block claims: the front and the back meet, and every block has one owner", () => {
  for (const blocks of [0, 1, 2, 7]) {
    for (let fromBack = 0; fromBack <= blocks + 1; fromBack++) {
      const claims = new BlockClaims(blocks);
      const other = new BlockClaims(claims.shared); // as a worker sees them
      const back: number[] = [];
      for (let i = 0; i < fromBack; i++) {
        const b = other.back();
        if (b !== undefined) back.push(b);
      }
      const front: number[] = [];
      for (let f = claims.front(); f !== undefined; f = claims.front()) front.push(f);
      expect(other.back()).toBeUndefined();
      expect([...front, ...back.reverse()]).toEqual(Array.from({ length: blocks }, (_, i) => i));
    }
  }
});
