// TrainingFile through the lifecycle harness: real programs using the SDK class, the real
// dynamic-provider process (running dist/), state kept between runs, the emulator as Together.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { startEmulator, type Emulator } from "../../emulator";
import { HarnessRunError, LifecycleHarness, type RunOptions, type RunResult } from "../../testing/harness";
import { TrainingFile, type TrainingFileArgs } from "../../sdk/training-file";

const TIME_SCALE = 600;
// Recognisable, so a leak into state or logs cannot hide.
const API_KEY = "tgp-SECRET-KEY-TrainingFile-8f3e2a71c94b";
const FIXTURES = path.join(__dirname, "fixtures", "training-file");
const GiB = 2 ** 30;

let emu: Emulator;
let root: string;

beforeAll(async () => {
  emu = await startEmulator({ apiKey: API_KEY, timeScale: TIME_SCALE });
  root = fs.mkdtempSync(path.join(os.tmpdir(), "tf-lifecycle-"));
});

afterAll(async () => {
  await emu.close();
  fs.rmSync(root, { recursive: true, force: true });
});

beforeEach(() => emu.faults.clear());

/** A fresh program directory with its own state file; datasets are copied in so tests can edit them. */
function project(name: string): {
  dir: string;
  h: LifecycleHarness;
  copy: (fixture: string, as?: string) => string;
} {
  const dir = path.join(root, name);
  fs.mkdirSync(dir, { recursive: true });
  const h = new LifecycleHarness({
    stateFile: path.join(dir, "state.json"),
    cwd: dir,
    env: { PULUMI_TOGETHER_TIME_SCALE: String(TIME_SCALE) },
  });
  const copy = (fixture: string, as = fixture): string => {
    const target = path.join(dir, as);
    fs.copyFileSync(path.join(FIXTURES, fixture), target);
    return target;
  };
  return { dir, h, copy };
}

const config = (): RunOptions => ({
  config: { "together:apiKey": API_KEY, "together:baseUrl": emu.baseUrl },
  secretKeys: ["together:apiKey"],
});

function program(args: TrainingFileArgs, name = "train"): () => Record<string, unknown> {
  return () => {
    const f = new TrainingFile(name, args);
    return { fileId: f.fileId, sha256: f.sha256, numSamples: f.numSamples, format: f.format };
  };
}

const ops = (r: { ops: { op: string }[] }): string[] => r.ops.map((o) => o.op);
const uploadStarts = (): number =>
  emu.requests.filter(
    (r) => r.method === "POST" && (r.path === "/v1/files" || r.path === "/v1/files/multipart/initiate"),
  ).length;
const liveFiles = () => [...emu.store.files.values()].filter((f) => !f.deleted);

/** Runs in a program directory: the SDK resolves `source` against process.cwd(). */
async function inDir<T>(dir: string, fn: () => Promise<T>): Promise<T> {
  const prev = process.cwd();
  process.chdir(dir);
  try {
    return await fn();
  } finally {
    process.chdir(prev);
  }
}

describe("TrainingFile lifecycle: one file through its life", () => {
  // The tests run in order and share this project: each is one step of the story.
  let p: ReturnType<typeof project>;
  let prog: () => Record<string, unknown>;
  let uploads0: number;
  let firstId: string;
  let secondId: string;
  let thirdId: string;
  const logs: string[] = [];
  const run = async (kind: "preview" | "up" | "refresh" | "destroy"): Promise<RunResult> => {
    const r = await inDir(p.dir, () =>
      kind === "preview"
        ? p.h.preview(prog, config())
        : kind === "up"
          ? p.h.up(prog, config())
          : p.h[kind](config()),
    );
    logs.push(r.providerLog);
    return r;
  };

  beforeAll(() => {
    p = project("basic");
    p.copy("train.jsonl");
    prog = program({ source: "train.jsonl" });
    uploads0 = uploadStarts();
  });

  test("preview of a new file: create(preview), nothing uploaded", async () => {
    expect(ops(await run("preview"))).toEqual(["create(preview)"]);
    expect(uploadStarts()).toBe(uploads0);
  });

  test("up uploads it; up again is the same and uploads nothing", async () => {
    const up1 = await run("up");
    expect(ops(up1)).toEqual(["create"]);
    firstId = up1.outputs.fileId as string;
    expect(firstId).toMatch(/^file-/);
    expect(up1.outputs).toMatchObject({ numSamples: 5, format: "conversation" });
    expect(uploadStarts()).toBe(uploads0 + 1);
    expect(emu.store.files.get(firstId)?.deleted).toBe(false);
    // A 1 KiB loopback upload takes no measurable time: no rate is printed for it.
    // Uploaded under a name that says whose file it is and what it holds (project-stack-name.sha.base).
    expect(emu.store.files.get(firstId)?.filename).toMatch(/^proj-dev-train\.[0-9a-f]{12}\.train\.jsonl$/);
    expect(up1.providerLog).toMatch(
      /uploaded proj-dev-train\.[0-9a-f]{12}\.train\.jsonl: 1\.1 KiB of 1\.1 KiB \(100%\)\n/,
    );
    expect(up1.providerLog).not.toMatch(/MB\/s/);

    expect(ops(await run("up"))).toEqual(["same"]);
    expect(uploadStarts()).toBe(uploads0 + 1);
  });

  test("editing the file replaces it: the new one is uploaded, then the old one deleted", async () => {
    p.copy("train-v2.jsonl", "train.jsonl");
    expect(ops(await run("preview"))).toEqual(["replace(preview)"]);
    expect(uploadStarts()).toBe(uploads0 + 1);
    const up = await run("up");
    expect(ops(up)).toContain("replace(create-before-delete)");
    secondId = up.outputs.fileId as string;
    expect(secondId).not.toBe(firstId);
    expect(up.outputs).toMatchObject({ numSamples: 6 });
    expect(emu.store.files.get(firstId)?.deleted).toBe(true);
    const uploadedAt = emu.requests.findIndex(
      (r) => r.method === "POST" && r.path === `/v1/files/${secondId}/preprocess`,
    );
    const deletedAt = emu.requests.findIndex(
      (r) => r.method === "DELETE" && r.path === `/v1/files/${firstId}`,
    );
    expect(uploadedAt).toBeGreaterThanOrEqual(0);
    expect(deletedAt).toBeGreaterThan(uploadedAt);
  });

  test("refresh after the file was deleted behind our back drops it; the next up uploads again", async () => {
    await fetch(`${emu.baseUrl}/files/${secondId}`, {
      method: "DELETE",
      headers: { authorization: `Bearer ${API_KEY}` },
    });
    expect(ops(await run("refresh"))).toEqual(["refresh(deleted)"]);
    expect(p.h.state().resources).toHaveLength(0);
    const up = await run("up");
    expect(ops(up)).toEqual(["create"]);
    thirdId = up.outputs.fileId as string;
  });

  test("destroy deletes it; the API key is in no state file and no provider log", async () => {
    expect(ops(await run("destroy"))).toEqual(["delete"]);
    expect(emu.store.files.get(thirdId)?.deleted).toBe(true);
    expect(fs.readFileSync(path.join(p.dir, "state.json"), "utf8")).not.toContain(API_KEY);
    // preview, up, up, preview, up, refresh, up, destroy
    expect(logs).toHaveLength(8);
    expect(logs.join("\n")).toMatch(/uploaded proj-dev-train\.[0-9a-f]{12}\.train\.jsonl/);
    for (const log of logs) expect(log).not.toContain(API_KEY);
  });
});

describe("TrainingFile lifecycle: failures and special paths", () => {
  test("an invalid file fails the preview with line numbers and is never uploaded", async () => {
    const { dir, h, copy } = project("invalid");
    copy("invalid.jsonl");
    const uploads0 = uploadStarts();
    await inDir(dir, async () => {
      const err = await h.preview(program({ source: "invalid.jsonl" }), config()).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(HarnessRunError);
      expect((err as Error).message).toMatch(
        /TrainingFile "train": invalid\.jsonl line 3: messages\[2\]\.role "bot" is not one of system, user, assistant/,
      );
      await expect(h.up(program({ source: "invalid.jsonl" }), config())).rejects.toThrow(
        /invalid\.jsonl line 3/,
      );
    });
    expect(uploadStarts()).toBe(uploads0);
  });

  // Longer than the usual budget: 6 GiB really crosses loopback (about 60 s at ~110 MB/s multipart on
  // a busy 2-core machine). Multipart starts above 5 GiB, so nothing smaller proves this path.
  test("a 6 GiB file with check: false and sourceHash goes up multipart", async () => {
    const { dir, h } = project("big");
    const big = path.join(dir, "big.parquet");
    sparseParquet(big, 6 * GiB);
    const sourceHash = "5".repeat(64);
    const prog = program({ source: "big.parquet", check: false, sourceHash });
    const initiates0 = emu.requests.filter((r) => r.path === "/v1/files/multipart/initiate").length;
    await inDir(dir, async () => {
      const up = await h.up(prog, config());
      expect(ops(up)).toEqual(["create"]);
      const id = up.outputs.fileId as string;
      expect(up.outputs.sha256).toBe(sourceHash);
      expect(emu.store.files.get(id)).toMatchObject({ bytes: 6 * GiB, deleted: false });
      expect(emu.requests.filter((r) => r.path === "/v1/files/multipart/initiate").length).toBe(
        initiates0 + 1,
      );
      expect(emu.requests.some((r) => r.path === "/v1/files/multipart/complete" && r.status === 200)).toBe(
        true,
      );
      expect(ops(await h.up(prog, config()))).toEqual(["same"]);
      await h.destroy(config());
      expect(emu.store.files.get(id)?.deleted).toBe(true);
    });
  }, 240_000);

  test("a connection reset mid-upload leaves no orphan file", async () => {
    const { dir, h, copy } = project("reset");
    copy("train.jsonl", "reset.jsonl");
    const before = liveFiles().length;
    emu.faults.add({ method: "PUT", action: { type: "reset", phase: "mid-body" }, times: Infinity });
    await inDir(dir, async () => {
      await expect(h.up(program({ source: "reset.jsonl" }), config())).rejects.toThrow(
        /uploading proj-dev-train\.[0-9a-f]{12}\.reset\.jsonl failed/,
      );
    });
    expect(emu.faults.injected).toBeGreaterThan(0);
    expect(liveFiles().length).toBe(before);
    expect(liveFiles().some((f) => f.filename === "reset.jsonl")).toBe(false);
    expect(h.state().resources).toHaveLength(0);
  });

  test("adoptFileId brings an existing file under management without uploading", async () => {
    const { dir, h, copy } = project("adopt");
    const p = copy("train.jsonl", "adopted.jsonl");
    const existing = await uploadDirectly(p, "adopted.jsonl");
    const uploads0 = uploadStarts();
    const prog = program({ source: "adopted.jsonl", adoptFileId: existing });
    await inDir(dir, async () => {
      const up = await h.up(prog, config());
      expect(ops(up)).toEqual(["create"]);
      expect(up.outputs.fileId).toBe(existing);
      expect(uploadStarts()).toBe(uploads0);
      expect(ops(await h.up(prog, config()))).toEqual(["same"]);
      // Dropping adoptFileId afterwards keeps the file.
      expect(ops(await h.up(program({ source: "adopted.jsonl" }), config()))).toEqual(["update"]);
      expect(uploadStarts()).toBe(uploads0);
      await h.destroy(config());
    });
    expect(emu.store.files.get(existing)?.deleted).toBe(true);
  });
});

/** Uploads the way another tool would, outside Pulumi: the redirect flow by hand. */
async function uploadDirectly(file: string, fileName: string): Promise<string> {
  const auth = { authorization: `Bearer ${API_KEY}` };
  const form = new URLSearchParams({ purpose: "fine-tune", file_name: fileName, file_type: "jsonl" });
  const start = await fetch(`${emu.baseUrl}/files`, {
    method: "POST",
    headers: auth,
    body: form,
    redirect: "manual",
  });
  expect(start.status).toBe(302);
  const id = start.headers.get("x-together-file-id")!;
  const put = await fetch(new URL(start.headers.get("location")!, emu.baseUrl), {
    method: "PUT",
    body: fs.readFileSync(file),
  });
  expect(put.status).toBe(200);
  await fetch(`${emu.baseUrl}/files/${id}/preprocess`, { method: "POST", headers: auth });
  return id;
}

/** A Parquet file of `size` bytes that is almost all holes: a real file's pages at the start and its
 *  footer (whose offsets are absolute) at the very end. */
function sparseParquet(target: string, size: number): void {
  const small = fs.readFileSync(path.join(FIXTURES, "tokenized.parquet"));
  const tail = small.readUInt32LE(small.length - 8) + 8;
  const fd = fs.openSync(target, "w");
  try {
    fs.writeSync(fd, small, 0, small.length - tail, 0);
    fs.writeSync(fd, small, small.length - tail, tail, size - tail);
  } finally {
    fs.closeSync(fd);
  }
}
