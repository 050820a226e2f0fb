// The streaming pass: chunk boundaries, long lines, error capping, hashing.
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { hashFile, inspectTrainingFile } from "../../../provider/validate";
import { READ_CHUNK_BYTES } from "../../../provider/validate/limits";
import { conversationLine, tempDir } from "./helpers";

const dir = tempDir("stream");
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const sha256 = (buf: Buffer): string => createHash("sha256").update(buf).digest("hex");

/** Lines of `filler` text sized so that a multi-byte character starts `shift` bytes before the chunk end. */
function fileWithCharAcrossChunkEnd(char: string, shift: number): Buffer {
  const head = conversationLine("x".repeat(1000));
  const lines: string[] = [];
  let bytes = 0;
  while (bytes + head.length + 1 < READ_CHUNK_BYTES - 5000) {
    lines.push(head);
    bytes += head.length + 1;
  }
  const prefix = conversationLine("");
  const opening = prefix.indexOf('""') + 1; // inside the empty user content
  const pad = READ_CHUNK_BYTES - bytes - shift - opening;
  const text = "y".repeat(pad) + char + "z";
  lines.push(conversationLine(text), conversationLine(char));
  return Buffer.from(`${lines.join("\n")}\n`);
}

test.each([
  ["é (2 bytes)", "é", 1],
  ["日 (3 bytes), cut after byte 1", "日", 1],
  ["日 (3 bytes), cut after byte 2", "日", 2],
  ["😀 (4 bytes), cut after byte 3", "😀", 3],
])("a multi-byte character split across the read-chunk boundary: %s", async (_label, char, shift) => {
  const data = fileWithCharAcrossChunkEnd(char, shift);
  const encoded = Buffer.from(char);
  // The first read ends inside the character: it starts `shift` bytes before the boundary and is longer.
  expect(shift).toBeLessThan(encoded.length);
  expect(data.subarray(READ_CHUNK_BYTES - shift, READ_CHUNK_BYTES - shift + encoded.length)).toEqual(encoded);
  const file = path.join(dir, `split-${shift}-${char.length}.jsonl`);
  fs.writeFileSync(file, data);
  const report = await inspectTrainingFile(file, { cacheDir: false });
  expect(report.errors).toEqual([]);
  expect(report.ok).toBe(true);
  expect(report.numSamples).toBe(data.toString("utf8").split("\n").length - 1);
  expect(report.sha256).toBe(sha256(data));
  expect(report.bytes).toBe(data.length);
});

test("invalid UTF-8 right at the chunk boundary is reported on its line, the rest still checked", async () => {
  const good = fileWithCharAcrossChunkEnd("é", 1);
  const at = READ_CHUNK_BYTES - 1;
  const data = Buffer.concat([good.subarray(0, at), Buffer.from([0xc3, 0x28]), good.subarray(at + 2)]);
  const file = path.join(dir, "bad-boundary.jsonl");
  fs.writeFileSync(file, data);
  const badLine = data.subarray(0, at).toString("latin1").split("\n").length;
  const report = await inspectTrainingFile(file, { cacheDir: false });
  expect(report.errors.map((e) => e.line)).toEqual([badLine]);
  expect(report.errors[0]!.message).toMatch(
    /^bad-boundary\.jsonl line \d+: the line is not valid UTF-8 \(first bad byte at column \d+\)\. Fix: re-save the file as UTF-8\.$/,
  );
  expect(report.numSamples).toBe(badLine + 1);
});

test("a single line longer than the read chunk is read whole", async () => {
  const long = conversationLine("w".repeat(READ_CHUNK_BYTES * 2 + 17));
  const data = Buffer.from(`${conversationLine("a")}\n${long}\n${conversationLine("b")}`);
  const file = path.join(dir, "long-line.jsonl");
  fs.writeFileSync(file, data);
  const report = await inspectTrainingFile(file, { cacheDir: false });
  expect(report).toMatchObject({ ok: true, numSamples: 3, format: "conversation", sha256: sha256(data) });
});

test("an image over 10 MiB is rejected with its size", async () => {
  const url = `data:image/jpeg;base64,${"A".repeat(Math.ceil((10.5 * 1024 * 1024 * 4) / 3))}`;
  const row = {
    messages: [
      { role: "user", content: [{ type: "image_url", image_url: { url } }] },
      { role: "assistant", content: [{ type: "text", text: "big" }] },
    ],
  };
  const file = path.join(dir, "big-image.jsonl");
  fs.writeFileSync(file, `${JSON.stringify(row)}\n`);
  const report = await inspectTrainingFile(file, { cacheDir: false });
  expect(report.errors.map((e) => e.message)).toEqual([
    "big-image.jsonl line 1: messages[0].content[0] image is 10.5 MiB, over the 10 MiB limit. Fix: downscale or recompress the image below 10 MiB.",
  ]);
});

test("an image of exactly 10 MiB is accepted", async () => {
  const url = `data:image/webp;base64,${Buffer.alloc(10 * 1024 * 1024).toString("base64")}`;
  const row = {
    messages: [
      { role: "user", content: [{ type: "image_url", image_url: { url } }] },
      { role: "assistant", content: [{ type: "text", text: "ok" }] },
    ],
  };
  const file = path.join(dir, "max-image.jsonl");
  fs.writeFileSync(file, `${JSON.stringify(row)}\n`);
  expect((await inspectTrainingFile(file, { cacheDir: false })).errors).toEqual([]);
});

describe("error cap", () => {
  const file = path.join(dir, "many-errors.jsonl");
  beforeAll(() => {
    const lines = [conversationLine("fine")];
    for (let i = 0; i < 30; i++) lines.push(JSON.stringify({ messages: [{ role: "bot", content: "x" }] }));
    fs.writeFileSync(file, `${lines.join("\n")}\n`);
  });

  test("reports the first 20 failures, then a note that 10 more were cut", async () => {
    const report = await inspectTrainingFile(file, { cacheDir: false });
    expect(report.ok).toBe(false);
    expect(report.omittedErrors).toBe(10);
    expect(report.errors).toHaveLength(21);
    expect(report.errors.slice(0, 20).map((e) => e.line)).toEqual(
      Array.from({ length: 20 }, (_, i) => i + 2),
    );
    expect(report.errors[0]!.message).toBe(
      'many-errors.jsonl line 2: messages[0].role "bot" is not one of system, user, assistant. Fix: use one of system, user, assistant.',
    );
    expect(report.errors[20]).toEqual({
      message:
        "many-errors.jsonl: 10 more failures were found and not shown (only the first 20 are reported). Fix: correct the failures above and check again.",
    });
  });

  test("maxErrors sets the cap", async () => {
    const report = await inspectTrainingFile(file, { cacheDir: false, maxErrors: 29 });
    expect(report.errors).toHaveLength(30);
    expect(report.errors[29]!.message).toBe(
      "many-errors.jsonl: 1 more failure was found and not shown (only the first 29 are reported). Fix: correct the failures above and check again.",
    );
    const all = await inspectTrainingFile(file, { cacheDir: false, maxErrors: 30 });
    expect(all.errors).toHaveLength(30);
    expect(all.omittedErrors).toBe(0);
  });

  test("maxErrors must be a positive integer", async () => {
    await expect(inspectTrainingFile(file, { maxErrors: 0 })).rejects.toThrow("maxErrors");
  });
});

describe("whole-file outcomes", () => {
  test("a missing file is a failed report naming the path and the fix", async () => {
    const missing = path.join(dir, "nope.jsonl");
    const report = await inspectTrainingFile(missing, { cacheDir: false });
    expect(report).toMatchObject({ ok: false, bytes: 0, sha256: "", fileType: "jsonl" });
    expect(report.errors).toEqual([
      {
        message: `nope.jsonl: file not found at ${missing}. Fix: check the path and its permissions (relative paths start at ${process.cwd()}).`,
      },
    ]);
  });

  test("a directory is not a training file", async () => {
    const report = await inspectTrainingFile(dir, { cacheDir: false });
    expect(report.ok).toBe(false);
    expect(report.errors[0]!.message).toContain("is not a regular file");
  });

  test("a file over 50.1 GiB fails at once, without being read", async () => {
    const file = path.join(dir, "huge.jsonl");
    const size = Math.ceil(50.1 * 1024 ** 3) + 1;
    fs.closeSync(fs.openSync(file, "w"));
    fs.truncateSync(file, size); // sparse: no disk space used, and reading it would take minutes
    try {
      const report = await inspectTrainingFile(file, { cacheDir: false });
      expect(report).toMatchObject({ ok: false, bytes: size, sha256: "", numSamples: 0 });
      expect(report.errors).toEqual([
        {
          message:
            "huge.jsonl: the file is 50.100 GiB, over Together's 50.1 GiB limit. Fix: split the data into smaller files.",
        },
      ]);
    } finally {
      fs.rmSync(file);
    }
  });

  test("check: false hashes without applying content rules", async () => {
    const file = path.join(dir, "anything.txt");
    fs.writeFileSync(file, "not json\n");
    const report = await inspectTrainingFile(file, { cacheDir: false, check: false });
    expect(report).toMatchObject({
      ok: true,
      errors: [],
      bytes: 9,
      sha256: sha256(Buffer.from("not json\n")),
    });
  });

  test("hashFile returns the SHA-256 and size, and throws for a missing file", async () => {
    const file = path.join(dir, "hash-me.jsonl");
    const data = Buffer.from(`${conversationLine("hash")}\n`.repeat(1000));
    fs.writeFileSync(file, data);
    await expect(hashFile(file)).resolves.toEqual({ sha256: sha256(data), bytes: data.length });
    await expect(hashFile(path.join(dir, "gone.jsonl"))).rejects.toThrow("gone.jsonl: file not found");
  });
});
