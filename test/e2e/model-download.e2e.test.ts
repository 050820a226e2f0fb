// ModelDownload on the real engine (issue #18): a program file -> job -> download runs `pulumi up` with the
// package installed from `npm pack`; the archive on disk hashes to what the emulator served; a second `up`
// downloads nothing; a connection reset mid-download (after a deleted file and a refresh) resumes with Range and
// still matches; an edited file and a change of checkpoint replace the archive (the engine checks a replaced
// resource a second time without its previous inputs, which the harness does not model); `destroy` removes the
// file and nothing else.
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { archiveSha256 } from "../../emulator/model-archive";
import { archiveFor, setDownloadWeightsBytes } from "../../emulator/routes/downloads";
import { describeWithCli } from "./kit/cli";
import { mutatingRequests, useE2E } from "./kit/fixture";
import { MODEL, TRAIN_JSONL, requestsTo } from "./kit/behind-pulumi";
import type { ScratchProgram } from "../../scripts/real-cli/scratch-program";

const API_KEY = "tgp-SECRET-KEY-e2e-download-93a5c2";
const STACK = "dev";
const DOWNLOAD = "/v1/finetune/download";
const TYPE = "pulumi-nodejs:dynamic/together:ModelDownload";
/** Weights of 6 MiB: several of the client's 1 MiB writes, so a reset can land well inside the body. */
const WEIGHTS_BYTES = 6 * 2 ** 20;
/** Where the injected reset cuts the response body. */
const CUT_AT = 2.5 * 2 ** 20;

// The checkpoint kind comes from stack config, so one test can change it and see the archive replaced.
const PROGRAM = `
import * as pulumi from "@pulumi/pulumi";
import { FineTuneJob, ModelDownload, TrainingFile } from "pulumi-together";

const c = new pulumi.Config();
const file = new TrainingFile("train", { source: "train.jsonl" });
const job = new FineTuneJob("job", { trainingFile: file, model: ${JSON.stringify(MODEL)}, nEpochs: 1 });
const weights = new ModelDownload("weights", {
  jobId: job.jobId,
  checkpoint: (c.get("checkpoint") ?? "merged") as "merged" | "adapter",
  destination: "models/ft.tar.zst",
});
export const jobId = job.jobId;
export const path = weights.path;
export const bytes = weights.bytes;
export const sha256 = weights.sha256;
export const checkpoint = weights.checkpoint;
export const step = weights.step;
`;

function sha256Of(file: string): string {
  return createHash("sha256").update(fs.readFileSync(file)).digest("hex");
}

describeWithCli("ModelDownload on the real engine", (cli) => {
  const e2e = useE2E(cli, "model-download", API_KEY);
  let p: ScratchProgram;
  /** Everything the CLI printed in this file, for the secrets check. */
  let printed = "";
  const pulumi = async (...args: string[]): Promise<string> => {
    const { output } = await p.pulumi([...args, "--stack", STACK]);
    printed += output;
    return output;
  };
  const target = (): string => path.join(p.dir, "models", "ft.tar.zst");
  /** The archive the emulator serves for the stack's job and `kind`, and its SHA-256. */
  const served = async (jobId: string, kind: string): Promise<{ bytes: number; sha256: string }> => {
    const archive = archiveFor(e2e.emu.store, e2e.emu.clock.now(), jobId, kind, undefined);
    return { bytes: archive.bytes, sha256: await archiveSha256(archive) };
  };
  let jobId: string;

  beforeAll(async () => {
    setDownloadWeightsBytes(e2e.emu.store, WEIGHTS_BYTES);
    p = await e2e.program("model-download", { files: { "index.ts": PROGRAM, "train.jsonl": TRAIN_JSONL } });
    await e2e.initStack(p, STACK);
    // A failing test must not leave the stack (and its files and job at the emulator) behind.
    e2e.onCleanup(async () => {
      const left = await p.exportState(STACK).catch(() => undefined);
      if (left?.deployment.resources?.length) {
        await p.pulumi(["destroy", "--yes", "--stack", STACK], { allowFailure: true });
      }
    });
  });

  test("up: file -> job -> archive on disk whose SHA-256 is what the emulator served", async () => {
    const out = await pulumi("up", "--yes");
    expect(out).toMatch(/\+ 4 created/);
    expect(out).toMatch(
      /ModelDownload "weights": downloaded ft\.tar\.zst: 6\.\d+ MiB of 6\.\d+ MiB \(100%\)/,
    );
    const outputs = await p.outputs(STACK);
    jobId = outputs.jobId as string;
    const want = await served(jobId, "merged");
    expect(want.bytes).toBeGreaterThan(WEIGHTS_BYTES);
    expect(outputs).toMatchObject({ path: target(), checkpoint: "merged", ...want });
    expect(fs.statSync(target()).size).toBe(want.bytes);
    expect(sha256Of(target())).toBe(want.sha256);
    // Renamed into place once complete: no temporary file is left beside it.
    expect(fs.readdirSync(path.dirname(target()))).toEqual(["ft.tar.zst"]);
    const sent = requestsTo(e2e.emu, "GET", DOWNLOAD);
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ status: 200, query: { ft_id: jobId, checkpoint: "merged" } });
  });

  test("a second up downloads nothing and reports everything unchanged", async () => {
    const before = e2e.emu.requests.length;
    const mtime = fs.statSync(target()).mtimeMs;
    const out = await pulumi("up", "--yes");
    expect(out).toMatch(/4 unchanged/);
    expect(out).not.toMatch(/created|updated|replaced|deleted/);
    expect(requestsTo(e2e.emu, "GET", DOWNLOAD, before)).toEqual([]);
    expect(mutatingRequests(e2e.emu, before)).toEqual([]);
    expect(fs.statSync(target()).mtimeMs).toBe(mtime);
  });

  test("a deleted file: refresh drops it, the next up downloads it again, resuming with Range after a reset mid-body", async () => {
    fs.rmSync(target());
    const refresh = await pulumi("refresh", "--yes");
    expect(refresh).toMatch(/- 1 deleted/);
    const inState = (await p.exportState(STACK)).deployment.resources ?? [];
    expect(inState.filter((r) => r.type === TYPE)).toEqual([]);

    e2e.emu.faults.add({
      method: "GET",
      path: DOWNLOAD,
      action: { type: "reset", phase: "mid-response", afterBytes: CUT_AT },
    });
    const before = e2e.emu.requests.length;
    const out = await pulumi("up", "--yes");
    expect(out).toMatch(/\+ 1 created/);
    expect(out).toMatch(
      /ModelDownload "weights": connection dropped; resuming at [\d.]+ MiB of 6\.\d+ MiB \(Range\)/,
    );
    const sent = requestsTo(e2e.emu, "GET", DOWNLOAD, before);
    expect(sent).toHaveLength(2);
    expect(sent[0]).toMatchObject({ status: 200, fault: "reset-mid-response" });
    expect(sent[0]!.headers.range).toBeUndefined();
    // The second asks for what follows the bytes kept (at most what was cut off at) of the same archive.
    const from = Number(/^bytes=(\d+)-$/.exec(sent[1]!.headers.range ?? "")?.[1]);
    expect(from).toBeGreaterThan(0);
    expect(from).toBeLessThanOrEqual(CUT_AT);
    expect(sent[1]!.headers["if-range"]).toMatch(/^".+"$/);
    expect(sent[1]).toMatchObject({ status: 206 });
    expect(sent[1]!.fault).toBeUndefined();

    const want = await served(jobId, "merged");
    expect((await p.outputs(STACK)).sha256).toBe(want.sha256);
    expect(sha256Of(target())).toBe(want.sha256);
    expect(fs.readdirSync(path.dirname(target()))).toEqual(["ft.tar.zst"]);
  });

  test("an edited file is downloaded again by the next up, without a refresh", async () => {
    fs.appendFileSync(target(), "edited");
    const before = e2e.emu.requests.length;
    const out = await pulumi("up", "--yes");
    expect(out).toMatch(/\+-1 replaced/);
    expect(requestsTo(e2e.emu, "GET", DOWNLOAD, before)).toHaveLength(1);
    const want = await served(jobId, "merged");
    expect(sha256Of(target())).toBe(want.sha256);
    expect(fs.readdirSync(path.dirname(target()))).toEqual(["ft.tar.zst"]);
  });

  test("a change of checkpoint replaces the archive: the adapter's bytes, at the same place", async () => {
    await p.pulumi(["config", "set", "--stack", STACK, "checkpoint", "adapter"]);
    const before = e2e.emu.requests.length;
    const out = await pulumi("up", "--yes");
    expect(out).toMatch(/\+-1 replaced/);
    expect(out).toMatch(/3 unchanged/);
    const sent = requestsTo(e2e.emu, "GET", DOWNLOAD, before);
    expect(sent).toHaveLength(1);
    expect(sent[0]!.query).toMatchObject({ ft_id: jobId, checkpoint: "adapter" });
    expect(mutatingRequests(e2e.emu, before)).toEqual([]);
    const want = await served(jobId, "adapter");
    expect(want.sha256).not.toBe((await served(jobId, "merged")).sha256);
    expect(await p.outputs(STACK)).toMatchObject({ checkpoint: "adapter", ...want });
    expect(sha256Of(target())).toBe(want.sha256);
  });

  test("the API key is in no exported state, CLI output or request log", async () => {
    const exported = JSON.stringify(await p.exportState(STACK));
    expect(exported).toContain("together:apiKey");
    expect(exported).not.toContain(API_KEY);
    expect(printed).not.toContain(API_KEY);
    expect(JSON.stringify(e2e.emu.requests)).not.toContain(API_KEY);
  });

  test("destroy removes the archive and nothing else of the program's", async () => {
    const out = await pulumi("destroy", "--yes");
    expect(out).toMatch(/- 4 deleted/);
    expect(fs.existsSync(target())).toBe(false);
    expect(fs.readdirSync(path.dirname(target()))).toEqual([]);
    expect(fs.existsSync(path.join(p.dir, "train.jsonl"))).toBe(true);
    expect(fs.existsSync(path.join(p.dir, "index.ts"))).toBe(true);
    expect((await p.exportState(STACK)).deployment.resources ?? []).toEqual([]);
    expect(e2e.emu.summary()).toMatchObject({ filesLive: 0, jobsActive: 0 });
  });
});
