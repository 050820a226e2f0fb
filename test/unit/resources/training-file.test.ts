// TrainingFile check and diff: the pure parts (no API), on real files in a temp dir.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type * as pulumi from "@pulumi/pulumi";
import { lifecycle } from "../../../provider/resources/training-file/lifecycle";
import { type TrainingFileArgsInput } from "../../../provider/resources/training-file/schema";
import { UNKNOWN, type ProviderContext } from "../../../provider/shared/types";
import type { TrainingFileArgs } from "../../../sdk/training-file";
import { inspectTrainingFile } from "../../../provider/validate";

// A spy around the real validator, to prove when the file is (not) read.
jest.mock("../../../provider/validate", () => {
  const actual = jest.requireActual("../../../provider/validate");
  return { ...actual, inspectTrainingFile: jest.fn(actual.inspectTrainingFile) };
});
const inspectSpy = inspectTrainingFile as jest.MockedFunction<typeof inspectTrainingFile>;

// Compile-time: the documented SDK args are exactly the zod input type (with Inputs resolved): same
// keys, same optional keys, same value types. Zod spells optional as `?: T | undefined`, hence Shape.
type Resolved<T> = { [K in keyof T]: T[K] extends pulumi.Input<infer U> | undefined ? U : never };
type OptionalKeys<T> = { [K in keyof T]-?: object extends Pick<T, K> ? K : never }[keyof T];
type Shape<T> = [{ [K in keyof T]-?: Exclude<T[K], undefined> }, OptionalKeys<T>];
type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
const argsMatchSchema: Equal<Shape<Resolved<TrainingFileArgs>>, Shape<TrainingFileArgsInput>> = true;

const noClient = {
  client: () => {
    throw new Error("check and diff must not call Together");
  },
  log: { info: () => undefined, warn: () => undefined, error: () => undefined },
  timeScale: 1,
  secrets: { add: () => undefined },
} satisfies ProviderContext;

const good = (i: number): string =>
  JSON.stringify({
    messages: [
      { role: "user", content: `question ${i}` },
      { role: "assistant", content: `answer ${i}` },
    ],
  });

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "tf-unit-"));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function write(name: string, lines: string[]): string {
  const p = path.join(dir, name);
  fs.writeFileSync(p, lines.join("\n") + "\n");
  return p;
}

function news(sourcePath: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { logicalName: "train", source: path.basename(sourcePath), sourcePath, ...extra };
}

describe("TrainingFile check", () => {
  test("the SDK args type is the schema's input type", () => {
    expect(argsMatchSchema).toBe(true);
  });

  test("a valid dataset: defaults applied, content facts added", async () => {
    const p = write("ok.jsonl", [good(1), good(2), good(3)]);
    const r = await lifecycle.check({}, news(p), noClient);
    expect(r.failures ?? []).toEqual([]);
    const bytes = fs.statSync(p).size;
    const sha = require("node:crypto").createHash("sha256").update(fs.readFileSync(p)).digest("hex");
    expect(r.inputs).toEqual({
      logicalName: "train",
      source: "ok.jsonl",
      sourcePath: p,
      fileName: "ok.jsonl",
      purpose: "fine-tune",
      check: true,
      sha256: sha,
      bytes,
      fileType: "jsonl",
      format: "conversation",
      numSamples: 3,
    });
  });

  test("an invalid dataset fails on source with line numbers, the resource name and a fix", async () => {
    const bad = JSON.stringify({
      messages: [
        { role: "user", content: "hi" },
        { role: "bot", content: "hello" },
      ],
    });
    const p = write("bad.jsonl", [good(1), good(2), bad, good(4)]);
    const r = await lifecycle.check({}, news(p), noClient);
    expect(r.inputs).toBeUndefined();
    expect(r.failures).toHaveLength(1);
    const f = r.failures![0]!;
    expect(f.property).toBe("source");
    expect(f.reason).toMatch(/^TrainingFile "train": bad\.jsonl line 3: messages\[1\]\.role "bot"/);
    expect(f.reason).toMatch(/Fix:/);
  });

  test("at most 20 problems are listed, plus a note that more were left out", async () => {
    const p = write(
      "many.jsonl",
      Array.from({ length: 40 }, () => "{not json"),
    );
    const r = await lifecycle.check({}, news(p), noClient);
    const lined = r.failures!.filter((f) => / line \d+:/.test(f.reason));
    expect(lined).toHaveLength(20);
    expect(r.failures!.length).toBeLessThanOrEqual(21);
    expect(
      r.failures!.every((f) => f.property === "source" && f.reason.startsWith('TrainingFile "train": ')),
    ).toBe(true);
  });

  test("a missing file names the resource, the field, the value and the fix", async () => {
    const p = path.join(dir, "data", "nope.jsonl");
    const r = await lifecycle.check({}, { ...news(p), source: "data/nope.jsonl" }, noClient);
    expect(r.failures).toEqual([
      {
        property: "source",
        reason: expect.stringMatching(
          /^TrainingFile "train": source = "data\/nope\.jsonl" \(resolved to .*nope\.jsonl\): no such file\. Fix: /,
        ),
      },
    ]);
  });

  test("schema problems are reported by field", async () => {
    const p = write("ok2.jsonl", [good(1)]);
    const r = await lifecycle.check({}, news(p, { purpose: "train", fileName: "a/b.jsonl" }), noClient);
    expect(r.failures!.map((f) => f.property).sort()).toEqual(["fileName", "purpose"]);
    expect(r.failures!.every((f) => f.reason.startsWith('TrainingFile "train": '))).toBe(true);
  });

  test("check: false skips content rules but still hashes", async () => {
    const p = write("loose.jsonl", ['{"anything": 1}']);
    inspectSpy.mockClear();
    const r = await lifecycle.check({}, news(p, { check: false }), noClient);
    expect(inspectSpy).toHaveBeenCalledWith(p, expect.objectContaining({ check: false }));
    expect(r.failures ?? []).toEqual([]);
    expect(r.inputs).toMatchObject({ check: false, fileType: "jsonl", bytes: fs.statSync(p).size });
    expect(r.inputs!.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(r.inputs).not.toHaveProperty("format");
  });

  test("CSV is refused for fine-tune even with check: false", async () => {
    const p = write("table.csv", ["a,b", "1,2"]);
    const r = await lifecycle.check({}, news(p, { check: false }), noClient);
    expect(r.failures).toEqual([
      {
        property: "source",
        reason: expect.stringMatching(/unsupported file type\. Fix: use a \.jsonl or \.parquet/),
      },
    ]);
  });

  test("sourceHash with check: false never reads the file", async () => {
    const p = path.join(dir, "huge.jsonl");
    fs.writeFileSync(p, "");
    fs.truncateSync(p, 3 * 1024 ** 3); // 3 GiB of holes
    const hash = "AB".repeat(32);
    inspectSpy.mockClear();
    const r = await lifecycle.check({}, news(p, { check: false, sourceHash: hash }), noClient);
    expect(r.failures ?? []).toEqual([]);
    expect(r.inputs).toMatchObject({
      sha256: hash.toLowerCase(),
      sourceHash: hash.toLowerCase(),
      bytes: 3 * 1024 ** 3,
    });
    expect(inspectSpy).not.toHaveBeenCalled();
  });

  test("a sourceHash that does not match the file fails when the file is read anyway", async () => {
    const p = write("hashed.jsonl", [good(1)]);
    const r = await lifecycle.check({}, news(p, { sourceHash: "0".repeat(64) }), noClient);
    expect(r.failures).toEqual([
      { property: "sourceHash", reason: expect.stringMatching(/does not match the SHA-256 .* Fix: /) },
    ]);
  });

  test("an unknown path at preview makes the content unknown", async () => {
    const r = await lifecycle.check(
      {},
      { logicalName: "train", source: UNKNOWN, sourcePath: UNKNOWN },
      noClient,
    );
    expect(r.failures ?? []).toEqual([]);
    expect(r.inputs).toMatchObject({ sha256: UNKNOWN, bytes: UNKNOWN, fileType: UNKNOWN, fileName: UNKNOWN });
  });
});

describe("TrainingFile diff", () => {
  const olds = {
    logicalName: "train",
    source: "train.jsonl",
    sourcePath: "/p/train.jsonl",
    fileName: "train.jsonl",
    purpose: "fine-tune",
    check: true,
    sha256: "a".repeat(64),
    bytes: 10,
    fileType: "jsonl",
    format: "conversation",
    numSamples: 1,
    fileId: "file-1",
    createdAt: "2026-01-01T00:00:00.000Z",
    schemaVersion: 1,
  };
  const checked = (over: Record<string, unknown>): Record<string, unknown> => {
    const { fileId: _f, createdAt: _c, schemaVersion: _s, ...inputs } = olds;
    return { ...inputs, ...over };
  };
  const diff = (n: Record<string, unknown>) => lifecycle.diff("file-1", olds, n, noClient);

  test("unchanged: no changes", async () => {
    expect(await diff(checked({}))).toEqual({ changes: false });
  });
  test.each([
    ["sha256", "b".repeat(64)],
    ["fileName", "other.jsonl"],
    ["purpose", "eval"],
  ])("%s changed: replace", async (field, value) => {
    expect(await diff(checked({ [field]: value }))).toEqual({ changes: true, replaces: [field] });
  });
  test("check flag, moved source: update in place", async () => {
    expect(await diff(checked({ check: false }))).toEqual({ changes: true });
    expect(await diff(checked({ sourcePath: "/q/train.jsonl", source: "../q/train.jsonl" }))).toEqual({
      changes: true,
    });
  });
  test("unknown content at preview: replace; unknown bookkeeping field: update only", async () => {
    expect(await diff(checked({ sha256: UNKNOWN }))).toEqual({ changes: true, replaces: ["sha256"] });
    expect(await diff(checked({ check: UNKNOWN }))).toEqual({ changes: true });
  });
  test("adoptFileId: another file replaces, the managed one does not", async () => {
    expect(await diff(checked({ adoptFileId: "file-2" }))).toEqual({
      changes: true,
      replaces: ["adoptFileId"],
    });
    expect(await diff(checked({ adoptFileId: "file-1" }))).toEqual({ changes: true });
    await expect(diff(checked({ adoptFileId: "file-1", sha256: "c".repeat(64) }))).rejects.toThrow(
      /adoptFileId still names the current file file-1\. Fix: remove adoptFileId/,
    );
  });
});
