// ModelDownload through the lifecycle harness: a program file -> job -> download, the real dynamic-provider
// process (running dist/), state kept between runs, the emulator as Together on an accelerated clock.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { startEmulator, type Emulator } from "../../emulator";
import { archiveSha256 } from "../../emulator/model-archive";
import { archiveFor } from "../../emulator/routes/downloads";
import { LifecycleHarness, type RunOptions, type RunResult } from "../../testing/harness";
import { FineTuneJob } from "../../sdk/fine-tune-job";
import { ModelDownload } from "../../sdk/model-download";
import { TrainingFile } from "../../sdk/training-file";

const TIME_SCALE = 600;
// Recognisable, so a leak into state or logs cannot hide.
const API_KEY = "tgp-SECRET-KEY-ModelDownload-4c1d9e";
const DATASET = path.join(__dirname, "fixtures", "training-file", "train.jsonl");

let emu: Emulator;
let dir: string;
let h: LifecycleHarness;
const logs: string[] = [];
let firstSha256: string;

beforeAll(async () => {
  emu = await startEmulator({ apiKey: API_KEY, timeScale: TIME_SCALE });
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "md-lifecycle-"));
  fs.copyFileSync(DATASET, path.join(dir, "train.jsonl"));
  h = new LifecycleHarness({
    stateFile: path.join(dir, "state.json"),
    cwd: dir,
    env: { PULUMI_TOGETHER_TIME_SCALE: String(TIME_SCALE) },
  });
});

afterAll(async () => {
  await emu.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const config = (): RunOptions => ({
  config: { "together:apiKey": API_KEY, "together:baseUrl": emu.baseUrl },
  secretKeys: ["together:apiKey"],
});

function program(): Record<string, unknown> {
  const file = new TrainingFile("train", { source: "train.jsonl" });
  const job = new FineTuneJob("job", { trainingFile: file.fileId, model: "Qwen/Qwen3-0.6B", nEpochs: 1 });
  const weights = new ModelDownload("weights", { jobId: job.jobId, destination: "models/ft.tar.zst" });
  return {
    jobId: job.jobId,
    path: weights.path,
    sha256: weights.sha256,
    bytes: weights.bytes,
    checkpoint: weights.checkpoint,
  };
}

async function run(kind: "up" | "refresh" | "destroy"): Promise<RunResult> {
  const prev = process.cwd();
  process.chdir(dir);
  try {
    const r = kind === "up" ? await h.up(program, config()) : await h[kind](config());
    logs.push(r.providerLog);
    return r;
  } finally {
    process.chdir(prev);
  }
}

const downloads = (): number => emu.requests.filter((r) => r.path === "/v1/finetune/download").length;
const opsOf = (r: RunResult, name: string): string[] => r.ops.filter((o) => o.name === name).map((o) => o.op);
const target = (): string => path.join(dir, "models", "ft.tar.zst");

test("up: file -> job -> the archive, whose SHA-256 is what the emulator served", async () => {
  const up = await run("up");
  const jobId = up.outputs.jobId as string;
  const served = archiveFor(emu.store, emu.clock.now(), jobId, "merged", undefined);
  expect(up.outputs).toMatchObject({
    path: target(),
    bytes: served.bytes,
    sha256: await archiveSha256(served),
    checkpoint: "merged",
  });
  expect(fs.readdirSync(path.join(dir, "models"))).toEqual(["ft.tar.zst"]);
  expect(up.providerLog).toMatch(/ModelDownload "weights": downloaded ft.tar.zst: .* \(100%\)/);
  expect(downloads()).toBe(1);
  firstSha256 = up.outputs.sha256 as string;
});

test("a second up downloads nothing", async () => {
  const up = await run("up");
  expect(up.ops.every((o) => o.op === "same")).toBe(true);
  expect(downloads()).toBe(1);
});

test("a deleted file is drift: refresh drops it, the next up downloads it again (resuming after a reset)", async () => {
  fs.rmSync(target());
  await run("refresh");
  emu.faults.add({
    method: "GET",
    path: "/v1/finetune/download",
    action: { type: "reset", phase: "mid-response" },
  });
  const up = await run("up");
  expect(opsOf(up, "weights")).toContain("create");
  expect(up.outputs.sha256).toBe(firstSha256);
  expect(up.providerLog).toMatch(/connection dropped; resuming at .* \(Range\)/);
  const sent = emu.requests.filter((r) => r.path === "/v1/finetune/download").slice(-2);
  expect(sent[0]!.fault).toBe("reset-mid-response");
  expect(sent[1]!.headers.range).toMatch(/^bytes=\d+-$/);
});

test("an edited file is replaced on the next up, without a refresh", async () => {
  fs.appendFileSync(target(), "edited");
  const up = await run("up");
  expect(opsOf(up, "weights").join(",")).toMatch(/replace/);
  const served = archiveFor(emu.store, emu.clock.now(), up.outputs.jobId as string, "merged", undefined);
  expect(up.outputs.sha256).toBe(await archiveSha256(served));
  expect(fs.statSync(target()).size).toBe(served.bytes);
});

test("destroy removes the file and nothing else; the API key is in no state and no log", async () => {
  await run("destroy");
  expect(fs.existsSync(target())).toBe(false);
  expect(fs.readdirSync(path.join(dir, "models"))).toEqual([]);
  expect(fs.existsSync(path.join(dir, "train.jsonl"))).toBe(true);
  const state = fs.readFileSync(path.join(dir, "state.json"), "utf8").replace(/"value":\s*"[^"]*"/g, "");
  expect(state).not.toContain(API_KEY);
  for (const log of logs) expect(log).not.toContain(API_KEY);
});
