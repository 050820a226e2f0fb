// The bad-input corpus (cases.ts): every mistake must fail with one message that names the resource, the field,
// the offending value where it matters and the fix, and must leave nothing behind on Together (the emulator has
// created no file, job or endpoint). Most cases run the provider in-process; a few go through the lifecycle
// harness (the real dynamic-provider process) and the CLI's check command.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { runCheck } from "../../cli/check-command";
import { TogetherClient } from "../../provider/client";
import { TIME_SCALE_ENV } from "../../provider/config";
import { startEmulator, type Emulator, type EmulatorSummary } from "../../emulator";
import { LifecycleHarness, type RunOptions } from "../../testing/harness";
import { CASES, type BadInputCase, type CaseEnv, type ConfigKind, type Expected } from "./cases";
import { writeDatasets } from "./datasets";
import { upInProcess } from "./in-process";
import { errorText } from "../../provider/shared/error-text";

const TIME_SCALE = 600;

let emu: Emulator;
let root: string;
let dataDir: string;
let env: CaseEnv;
let savedTimeScale: string | undefined;

beforeAll(async () => {
  savedTimeScale = process.env[TIME_SCALE_ENV];
  process.env[TIME_SCALE_ENV] = String(TIME_SCALE);
  emu = await startEmulator({ timeScale: TIME_SCALE });
  root = fs.mkdtempSync(path.join(os.tmpdir(), "bad-inputs-"));
  dataDir = path.join(root, "data");
  writeDatasets(dataDir);
  const client = new TogetherClient({ baseUrl: emu.baseUrl, apiKey: emu.apiKey });
  const uploaded = await client.files.upload({
    path: path.join(dataDir, "good.jsonl"),
    fileName: "good.jsonl",
    purpose: "fine-tune",
    fileType: "jsonl",
  });
  await emu.idle();
  env = { file: (name) => path.join(dataDir, name), fileId: uploaded.id };
});

afterAll(async () => {
  await emu?.close();
  if (root) fs.rmSync(root, { recursive: true, force: true });
  if (savedTimeScale === undefined) delete process.env[TIME_SCALE_ENV];
  else process.env[TIME_SCALE_ENV] = savedTimeScale;
});

function stackConfig(kind: ConfigKind = "good"): Record<string, string> {
  switch (kind) {
    case "good":
      return { "together:apiKey": emu.apiKey, "together:baseUrl": emu.baseUrl };
    case "no-key":
      return { "together:baseUrl": emu.baseUrl };
    case "insecure-base-url":
      return { "together:apiKey": emu.apiKey, "together:baseUrl": "http://api.together.example/v1" };
    case "invalid-base-url":
      return { "together:apiKey": emu.apiKey, "together:baseUrl": "api dot together" };
  }
}

async function viaHarness(c: BadInputCase, program: () => void, i: number): Promise<string[]> {
  const dir = path.join(root, `harness-${i}`);
  fs.mkdirSync(dir, { recursive: true });
  const h = new LifecycleHarness({
    stateFile: path.join(dir, "state.json"),
    cwd: dir,
    env: { [TIME_SCALE_ENV]: String(TIME_SCALE) },
  });
  const opts: RunOptions = { config: stackConfig(c.config), secretKeys: ["together:apiKey"] };
  try {
    await (c.via === "harness-preview" ? h.preview(program, opts) : h.up(program, opts));
    return [];
  } catch (err) {
    return [errorText(err)];
  }
}

async function viaCli(c: BadInputCase): Promise<{ code: number; messages: string[] }> {
  const cli = c.cli;
  if (!cli) throw new Error(`${c.name}: a cli case needs cli`);
  let out = "";
  const code = await runCheck(
    cli.files.map((f) => path.join(dataDir, f)),
    { purpose: cli.purpose ?? "fine-tune", maxErrors: 20, cache: false, ...(cli.json && { json: true }) },
    { out: (t) => (out += t) },
  );
  return { code, messages: out.split(/\n(?=FAIL |ok |\{)/) };
}

let harnessRuns = 0;

async function run(c: BadInputCase): Promise<string[]> {
  if (c.via === "cli") {
    const { code, messages } = await viaCli(c);
    expect(code).toBe(1);
    return messages;
  }
  if (!c.program) throw new Error(`${c.name}: needs a program`);
  const build = c.program;
  const program = (): void => build(env);
  if (c.via === "in-process") return upInProcess(program, { config: stackConfig(c.config) });
  return viaHarness(c, program, harnessRuns++);
}

const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** who, field and value in this order, then `Fix:` and the fix phrase, all in one message. */
function messagePattern(e: Expected): RegExp {
  const parts = [e.who, e.field, e.value].filter((p): p is string => p !== undefined).map(escape);
  return new RegExp(`${parts.join("[\\s\\S]*?")}[\\s\\S]*?Fix:[\\s\\S]*?${escape(e.fix)}`);
}

function created(before: EmulatorSummary, after: EmulatorSummary): Record<string, number> {
  return {
    files: after.filesCreated - before.filesCreated,
    jobs: after.jobsCreated - before.jobsCreated,
    endpoints: after.endpointsCreated - before.endpointsCreated,
  };
}

test("the corpus holds at least 100 cases, each named once", () => {
  expect(CASES.length).toBeGreaterThanOrEqual(100);
  const titles = CASES.map((c) => `${c.via}: ${c.name}`);
  expect(new Set(titles).size).toBe(titles.length);
});

test.each(CASES)("$via: $name", async (c) => {
  c.setup?.(emu);
  try {
    const before = emu.summary();
    const messages = await run(c);
    await emu.idle();
    expect(messages).toContainEqual(expect.stringMatching(messagePattern(c.expect)));
    for (const secret of c.expect.absent ?? []) expect(messages.join("\n")).not.toContain(secret);
    expect(created(before, emu.summary())).toEqual({ files: 0, jobs: 0, endpoints: 0 });
  } finally {
    c.teardown?.(emu);
  }
});
