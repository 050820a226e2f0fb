// Every corpus file against the exact report Together's rules should give (corpus/expected.json).
import * as fs from "node:fs";
import * as path from "node:path";
import { inspectTrainingFile } from "../../../provider/validate";

interface Expected {
  purpose?: string;
  ok: boolean;
  format: string | null;
  numSamples: number;
  errors: string[];
}

const corpus = path.join(__dirname, "corpus");
const expected = JSON.parse(fs.readFileSync(path.join(corpus, "expected.json"), "utf8")) as Record<
  string,
  Expected
>;

test("the corpus covers every rule with at least 40 files", () => {
  const files = fs.readdirSync(corpus).filter((f) => f !== "expected.json");
  expect(files.sort()).toEqual(Object.keys(expected).sort());
  expect(files.length).toBeGreaterThanOrEqual(40);
  expect(files.filter((f) => f.startsWith("good-")).length).toBeGreaterThanOrEqual(8);
});

test.each(Object.entries(expected))("%s", async (name, want) => {
  const report = await inspectTrainingFile(path.join(corpus, name), {
    cacheDir: false,
    ...(want.purpose === undefined ? {} : { purpose: want.purpose }),
  });
  expect({
    ok: report.ok,
    format: report.format ?? null,
    numSamples: report.numSamples,
    errors: report.errors.map((e) => e.message),
  }).toEqual({ ok: want.ok, format: want.format, numSamples: want.numSamples, errors: want.errors });
  for (const issue of report.errors) {
    const line = /^\S+ line (\d+): /.exec(issue.message)?.[1];
    expect(issue.line).toBe(line === undefined ? undefined : Number(line));
  }
  expect(report.bytes).toBe(fs.statSync(path.join(corpus, name)).size);
  expect(report.sha256).toMatch(/^[0-9a-f]{64}$/);
});
