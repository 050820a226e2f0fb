// Tokenized Parquet files, written at test time with hyparquet-writer (in a child Node: it is ESM-only).
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { inspectTrainingFile } from "../../../provider/validate";
import { tempDir } from "./helpers";

const dir = tempDir("parquet");
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const files: Record<string, { name: string; type: string; data: unknown[] }[]> = {
  "good-tokenized.parquet": [
    {
      name: "input_ids",
      type: "JSON",
      data: [
        [1, 2, 3],
        [4, 5],
      ],
    },
    {
      name: "attention_mask",
      type: "JSON",
      data: [
        [1, 1, 1],
        [1, 1],
      ],
    },
    {
      name: "labels",
      type: "JSON",
      data: [
        [-100, 2, 3],
        [4, 5],
      ],
    },
  ],
  "good-input-ids-only.parquet": [{ name: "input_ids", type: "JSON", data: [[7, 8, 9]] }],
  "bad-no-input-ids.parquet": [{ name: "attention_mask", type: "JSON", data: [[1]] }],
  "bad-extra-columns.parquet": [
    { name: "input_ids", type: "JSON", data: [[1]] },
    { name: "text", type: "STRING", data: ["hello"] },
    { name: "source", type: "STRING", data: ["web"] },
  ],
  "bad-zero-rows.parquet": [{ name: "input_ids", type: "JSON", data: [] }],
};

beforeAll(() => {
  const script = `
    const fs = require("node:fs");
    const path = require("node:path");
    const { parquetWriteBuffer } = require("hyparquet-writer");
    const [dir, json] = process.argv.slice(1);
    for (const [name, columnData] of Object.entries(JSON.parse(json))) {
      fs.writeFileSync(path.join(dir, name), Buffer.from(parquetWriteBuffer({ columnData })));
    }`;
  execFileSync(process.execPath, ["-e", script, dir, JSON.stringify(files)], {
    cwd: path.resolve(__dirname, "../../.."),
  });
  const good = fs.readFileSync(path.join(dir, "good-tokenized.parquet"));
  fs.writeFileSync(path.join(dir, "bad-truncated.parquet"), good.subarray(0, good.length - 9));
  fs.writeFileSync(path.join(dir, "bad-not-parquet.parquet"), '{"text": "jsonl with the wrong name"}\n');
});

async function check(name: string, purpose?: string) {
  return inspectTrainingFile(path.join(dir, name), { cacheDir: false, ...(purpose ? { purpose } : {}) });
}

test("a tokenized file with input_ids, attention_mask and labels passes", async () => {
  expect(await check("good-tokenized.parquet")).toMatchObject({
    ok: true,
    fileType: "parquet",
    format: "tokenized",
    numSamples: 2,
    errors: [],
  });
});

test("input_ids alone is enough", async () => {
  expect(await check("good-input-ids-only.parquet")).toMatchObject({
    ok: true,
    numSamples: 1,
    format: "tokenized",
  });
});

test.each([
  [
    "bad-no-input-ids.parquet",
    [
      'bad-no-input-ids.parquet: has no "input_ids" column (columns: attention_mask). Fix: store the token ids of each sample in an input_ids column.',
    ],
  ],
  [
    "bad-extra-columns.parquet",
    [
      'bad-extra-columns.parquet: has the column "text"; only input_ids, attention_mask, labels are allowed. Fix: drop the "text" column.',
      'bad-extra-columns.parquet: has the column "source"; only input_ids, attention_mask, labels are allowed. Fix: drop the "source" column.',
    ],
  ],
  [
    "bad-zero-rows.parquet",
    [
      "bad-zero-rows.parquet: has 0 rows; at least 1 sample is required. Fix: add tokenized samples to the file.",
    ],
  ],
])("%s", async (name, messages) => {
  const report = await check(name);
  expect(report.ok).toBe(false);
  expect(report.errors.map((e) => e.message)).toEqual(messages);
});

test.each(["bad-truncated.parquet", "bad-not-parquet.parquet"])("%s cannot be read", async (name) => {
  const report = await check(name);
  expect(report).toMatchObject({ ok: false, format: undefined });
  expect(report.errors).toHaveLength(1);
  expect(report.errors[0]!.message).toMatch(
    new RegExp(
      `^${name.replace(".", "\\.")}: cannot be read as Parquet \\(.+\\)\\. Fix: write the file again \\(e\\.g\\. with pyarrow or pandas\\); it may be truncated or not Parquet at all\\.$`,
    ),
  );
});

test("Parquet is not accepted for purpose eval", async () => {
  expect((await check("good-tokenized.parquet", "eval")).errors.map((e) => e.message)).toEqual([
    "good-tokenized.parquet: Parquet files are not supported for purpose eval. Fix: use .jsonl or .csv for eval data.",
  ]);
});
