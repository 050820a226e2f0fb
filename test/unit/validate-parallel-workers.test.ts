// The parallel check with real worker threads: the compiled package (dist/, built by `npm test` first), whose
// worker script lies beside it as it does when installed. Its report equals its own single pass's.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type * as Validate from "../../provider/validate";
import type * as Claims from "../../provider/validate/block-claims";
import type * as RangeWorkers from "../../provider/validate/range-workers";
import { builtFolder, requireBuilt } from "./require-built";

const built = builtFolder("provider/validate");
const requireValidate = <T>(module: string): T => requireBuilt<T>("provider/validate", module);

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pt-parallel-workers-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const line = (i: number): string =>
  JSON.stringify({
    messages: [
      { role: "user", content: `Grüße 東京 😀 ${"x".repeat(i % 300)} ${i}` },
      { role: "assistant", content: `ok ${i}` },
    ],
  });

test("the compiled worker sits beside the compiled module, and compiled code uses it", () => {
  const workers = requireValidate<typeof RangeWorkers>("range-workers");
  expect(workers.RUNNING_FROM_SOURCES).toBe(false);
  expect(fs.existsSync(workers.RANGE_WORKER_SCRIPT)).toBe(true);
  expect(path.dirname(workers.RANGE_WORKER_SCRIPT)).toBe(built);
});

test("a file checked in worker threads gives the single pass's report", async () => {
  const { inspectTrainingFile } = requireValidate<typeof Validate>("index");
  const lines = Array.from({ length: 20_000 }, (_, i) => line(i));
  // Failures spread over the file, so every range has some; a format change; CRLF; no final newline.
  for (let i = 5; i < lines.length; i += 997) lines[i] = '{"messages": [{"role": "bot", "content": "x"}]}';
  for (let i = 11; i < lines.length; i += 1999) lines[i] = "";
  lines[15_000] = JSON.stringify({ prompt: "p", completion: "c" });
  lines[15_001] = '{"messages": [';
  const file = path.join(dir, "workers.jsonl");
  fs.writeFileSync(file, lines.join("\r\n"));
  const onePass = await inspectTrainingFile(file, {
    cacheDir: false,
    maxErrors: 30,
    parallel: { workers: 0 },
  });
  expect(onePass.omittedErrors).toBeGreaterThan(0);
  const size = fs.statSync(file).size;
  for (const [workers, blocks] of [
    [1, 2],
    [1, 9],
    [3, 40],
  ] as const) {
    const parallel = await inspectTrainingFile(file, {
      cacheDir: false,
      maxErrors: 30,
      parallel: { minBytes: 0, workers, blockBytes: Math.ceil(size / blocks) },
    });
    expect(parallel).toEqual(onePass);
  }
});

test("a file the worker cannot read rejects with its reason, naming the file", async () => {
  const { startBackWorkers, RANGE_WORKER_SCRIPT } = requireValidate<typeof RangeWorkers>("range-workers");
  const { BlockClaims } = requireValidate<typeof Claims>("block-claims");
  const missing = path.join(dir, "gone.jsonl");
  const task = {
    file: missing,
    blocks: [{ start: 0, end: 100 }],
    claims: new BlockClaims(1).shared,
    formats: true,
    maxErrors: 20,
  };
  await expect(startBackWorkers(1, task, RANGE_WORKER_SCRIPT).done).rejects.toThrow(
    `checking ${missing} in a worker thread failed: ENOENT`,
  );
});
