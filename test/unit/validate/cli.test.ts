// `pulumi-together check`: in-process through commander, and once through the compiled CLI when built.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { type CheckIo, runCheck } from "../../../cli/check-command";

const corpus = path.join(__dirname, "corpus");
const good = path.join(corpus, "good-conversation.jsonl");
const bad = path.join(corpus, "bad-several-lines.jsonl");
const repo = path.resolve(__dirname, "../../..");
const compiled = path.join(repo, "dist/cli/index.js");

/** Parses `check` arguments the way the command does; the commander wiring itself is tested below through
 *  the compiled module (commander is ESM-only, which jest on Node 22 cannot load). */
async function run(...args: string[]): Promise<{ out: string; code: number }> {
  const options = { json: false, purpose: "fine-tune", maxErrors: 20, cache: false };
  const files: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === "--json") options.json = true;
    else if (a === "--purpose") options.purpose = args[++i]!;
    else if (a === "--max-errors") options.maxErrors = Number(args[++i]);
    else files.push(a);
  }
  let out = "";
  const io: Pick<CheckIo, "out"> = {
    out: (text) => {
      out += text;
    },
  };
  const code = await runCheck(files, options, io);
  return { out, code };
}

test("all files pass: one ok line per file, exit code 0", async () => {
  const second = path.join(corpus, "good-preference.jsonl");
  expect(await run(good, second)).toEqual({
    out: `ok ${good}: conversation, 3 samples\n\nok ${second}: preference, 2 samples\n`,
    code: 0,
  });
});

test("any failure: the failures block and exit code 1", async () => {
  const { out, code } = await run(good, bad);
  expect(code).toBe(1);
  expect(out).toBe(
    [
      `ok ${good}: conversation, 3 samples`,
      "",
      `FAIL ${bad}`,
      '  bad-several-lines.jsonl line 2: messages[1].role "assistant" repeats the role of messages[0]. Fix: alternate user and assistant turns (merge consecutive "assistant" messages).',
      '  bad-several-lines.jsonl line 4: unexpected key "x" for the conversation format (allowed: messages). Fix: remove "x".',
      "  bad-several-lines.jsonl line 5: the line is empty. Fix: remove blank lines; every line must be one JSON object.",
      "",
    ].join("\n"),
  );
});

test("--json prints one report per file, one per line", async () => {
  const { out, code } = await run("--json", "--max-errors", "2", good, bad);
  expect(code).toBe(1);
  const reports = out
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l));
  expect(reports).toHaveLength(2);
  expect(reports[0]).toMatchObject({
    file: good,
    ok: true,
    format: "conversation",
    num_samples: 3,
    errors: [],
  });
  expect(reports[1]).toMatchObject({ file: bad, ok: false, format: "conversation", num_samples: 5 });
  expect(reports[1].errors.map((e: { line: number | null }) => e.line)).toEqual([2, 4, null]);
  expect(reports[1].errors[2].message).toContain("1 more failure was found and not shown");
});

test("--purpose eval switches to the eval rules", async () => {
  const csv = path.join(corpus, "good-eval.csv");
  expect(await run("--purpose", "eval", csv)).toEqual({ out: `ok ${csv}: csv, 2 samples\n`, code: 0 });
  expect((await run(csv)).code).toBe(1);
});

/** The compiled files a test runs: `npm test` builds them first, so a missing one fails the test (never a skip). */
function requireBuilt(...files: string[]): void {
  const missing = files.filter((f) => !fs.existsSync(path.join(repo, f)));
  if (missing.length > 0)
    throw new Error(
      `${missing.join(", ")} not found: run \`npm run build\` first (\`npm test\` builds before running jest)`,
    );
}

test("registerCheckCommand wires arguments, options and the exit code through commander's parseAsync", () => {
  requireBuilt("dist/cli/check-command.js");
  // In a plain Node process, where commander loads: the compiled module, a real Command, captured io.
  const script = `
    const { Command } = require("commander");
    const { registerCheckCommand } = require("./dist/cli/check-command.js");
    const results = [];
    (async () => {
      for (const args of JSON.parse(process.argv[1])) {
        let out = "";
        let code;
        const program = new Command("pulumi-together").exitOverride().configureOutput({ writeErr: (t) => { out += t; } });
        registerCheckCommand(program, { out: (t) => { out += t; }, setExitCode: (c) => { code = c; } });
        try {
          await program.parseAsync(["node", "pulumi-together", "check", ...args]);
        } catch (err) {
          code = "thrown:" + err.code;
        }
        results.push({ out, code });
      }
      process.stdout.write(JSON.stringify(results));
    })();`;
  const cases = [
    ["--no-cache", good],
    ["--no-cache", "--json", "--max-errors", "2", good, bad],
    ["--no-cache", "--purpose", "eval", path.join(corpus, "good-eval.csv")],
    ["--max-errors", "0", good],
  ];
  const result = spawnSync(process.execPath, ["-e", script, JSON.stringify(cases)], {
    cwd: repo,
    encoding: "utf8",
  });
  expect(result.stderr).toBe("");
  const [plain, json, evalCsv, badOption] = JSON.parse(result.stdout);
  expect(plain).toEqual({ out: `ok ${good}: conversation, 3 samples\n`, code: 0 });
  expect(json.code).toBe(1);
  const reports = json.out
    .trim()
    .split("\n")
    .map((l: string) => JSON.parse(l));
  expect(reports.map((r: { ok: boolean }) => r.ok)).toEqual([true, false]);
  expect(reports[1].errors).toHaveLength(3);
  expect(evalCsv).toEqual({ out: `ok ${path.join(corpus, "good-eval.csv")}: csv, 2 samples\n`, code: 0 });
  expect(badOption.code).toBe("thrown:commander.error");
  expect(badOption.out).toContain("'--max-errors <n>' argument '0' is invalid. Expected a positive integer.");
});

test("the compiled CLI runs check with the same output", () => {
  // The dispatcher also loads the other subcommands: the whole CLI must be built.
  requireBuilt(path.relative(repo, compiled), "dist/cli/emulator-command.js");
  const result = spawnSync(process.execPath, [compiled, "check", "--no-cache", good, bad], {
    encoding: "utf8",
  });
  expect(result.status).toBe(1);
  expect(result.stdout).toContain(`ok ${good}: conversation, 3 samples`);
  expect(result.stdout).toContain(`FAIL ${bad}`);
  const ok = spawnSync(process.execPath, [compiled, "check", "--no-cache", "--json", good], {
    encoding: "utf8",
  });
  expect(ok.status).toBe(0);
  expect(JSON.parse(ok.stdout)).toMatchObject({ file: good, ok: true, num_samples: 3 });
});

test("--purpose takes Together's purposes, batch-api included, and refuses others with the list", () => {
  requireBuilt(path.relative(repo, compiled), "dist/cli/emulator-command.js");
  const requests = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "batch-")), "requests.jsonl");
  // A Batch API file is request lines, not training samples: one JSON object per line is what counts.
  fs.writeFileSync(
    requests,
    '{"custom_id":"r1","body":{"model":"m","messages":[{"role":"user","content":"hi"}]}}\n',
  );
  const batch = spawnSync(
    process.execPath,
    [compiled, "check", "--no-cache", "--purpose", "batch-api", requests],
    { encoding: "utf8" },
  );
  expect(batch.status).toBe(0);
  expect(batch.stdout).toContain(`ok ${requests}`);
  const asTraining = spawnSync(process.execPath, [compiled, "check", "--no-cache", requests], {
    encoding: "utf8",
  });
  expect(asTraining.status).toBe(1);
  const bogus = spawnSync(process.execPath, [compiled, "check", "--purpose", "bogus", good], {
    encoding: "utf8",
  });
  expect(bogus.status).not.toBe(0);
  expect(bogus.stderr).toMatch(/'bogus' is invalid\. Allowed choices are fine-tune, eval, batch-api/);
});
