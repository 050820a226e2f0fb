// ModelDownload check/create/diff/read/delete in-process against the emulator, with the provider context the
// runtime builds from stack config.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { archiveSha256 } from "../../../emulator/model-archive";
import { archiveFor } from "../../../emulator/routes/downloads";
import { TogetherClient } from "../../../provider/client";
import { lifecycle } from "../../../provider/resources/model-download/lifecycle";
import type { ModelDownloadArgsInput } from "../../../provider/resources/model-download/schema";
import { UNKNOWN } from "../../../provider/shared/types";
import type { ModelDownloadArgs } from "../../../sdk/model-download";
import type * as pulumi from "@pulumi/pulumi";
import { readyFile } from "../../emulator/test-helpers";
import { useInProcessProvider } from "./in-process-provider";

type Resolved<T> = { [K in keyof T]: T[K] extends pulumi.Input<infer U> | undefined ? U : T[K] };
type OptionalKeys<T> = { [K in keyof T]-?: object extends Pick<T, K> ? K : never }[keyof T];
type Shape<T> = [{ [K in keyof T]-?: Exclude<T[K], undefined> }, OptionalKeys<T>];
type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
const argsMatchSchema: Equal<Shape<Resolved<ModelDownloadArgs>>, Shape<ModelDownloadArgsInput>> = true;

const provider = useInProcessProvider(600);
let dir: string;
let lora: string;
let full: string;
let adapterOnly: string;
let running: string;

beforeAll(async () => {
  const { emu } = provider;
  const client = new TogetherClient({ baseUrl: emu.baseUrl, apiKey: emu.apiKey });
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "md-life-"));
  const file = await readyFile(emu);
  const create = async (model: string, type: Record<string, unknown>): Promise<string> =>
    (
      await client.fineTunes.create({
        training_file: file,
        model,
        training_type: type,
        n_epochs: 3,
        n_checkpoints: 3,
      } as never)
    ).id;
  lora = await create("Qwen/Qwen3-0.6B", { type: "Lora", lora_r: 8, lora_alpha: 16 });
  full = await create("Qwen/Qwen3-0.6B", { type: "Full" });
  adapterOnly = await create("deepseek-ai/DeepSeek-V3", { type: "Lora", lora_r: 8, lora_alpha: 16 });
  emu.clock.advance(365 * 24 * 3600_000);
  // Queued for days of emulated time: still training whenever its test runs, however loaded the machine (at 600x a
  // job of the default durations completes in about a second of real time).
  const durations = { ...emu.store.jobDurations };
  emu.control.setJobDurations({ queuedMs: 30 * 24 * 3600_000 });
  running = await create("Qwen/Qwen3-0.6B", { type: "Lora", lora_r: 8, lora_alpha: 16 });
  emu.control.setJobDurations(durations);
  await client.close();
});

afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

beforeEach(() => {
  provider.emu.faults.clear();
  provider.logged.length = 0;
});

const news = (args: Record<string, unknown>): Record<string, unknown> => ({
  logicalName: "weights",
  programDir: dir,
  destinationPath: path.resolve(dir, String(args.destination)),
  ...args,
});

async function checked(args: Record<string, unknown>, olds: Record<string, unknown> = {}) {
  return lifecycle.check(olds, news(args), provider.ctx);
}

test("the SDK's args equal the schema's", () => expect(argsMatchSchema).toBe(true));

describe("check: what preview can know", () => {
  test("defaults the kind from the job's training type", async () => {
    expect((await checked({ jobId: lora, destination: "a.tar.zst" })).inputs).toMatchObject({
      checkpoint: "merged",
      extract: false,
    });
    expect((await checked({ jobId: full, destination: "a.tar.zst" })).inputs).toMatchObject({
      checkpoint: "model_output_path",
    });
  });

  test("each bad input fails with resource, field, value and fix", async () => {
    const fails = async (args: Record<string, unknown>) => (await checked(args)).failures ?? [];
    expect(await fails({ jobId: lora, destination: "../outside.tar.zst" })).toEqual([
      {
        property: "destination",
        reason: expect.stringMatching(
          /^ModelDownload "weights": destination = "..\/outside.tar.zst": .*outside the program directory.*Fix:/,
        ),
      },
    ]);
    expect(await fails({ jobId: adapterOnly, destination: "a.tar.zst" })).toEqual([
      {
        property: "checkpoint",
        reason: expect.stringMatching(
          /checkpoint = "merged": .*no merged model.*Fix: set checkpoint to "adapter"/,
        ),
      },
    ]);
    expect(await fails({ jobId: lora, checkpointStep: 999, destination: "a.tar.zst" })).toEqual([
      {
        property: "checkpointStep",
        reason: expect.stringMatching(/checkpointStep = 999: .*no checkpoint at that step.*Fix:/),
      },
    ]);
    expect(await fails({ jobId: full, checkpoint: "adapter", destination: "a.tar.zst" })).toEqual([
      { property: "checkpoint", reason: expect.stringMatching(/full-training job.*Fix:/) },
    ]);
    expect(await fails({ jobId: "ft-00000000-0000", destination: "a.tar.zst" })).toEqual([
      { property: "jobId", reason: expect.stringMatching(/no such fine-tune job.*Fix:/) },
    ]);
    fs.writeFileSync(path.join(dir, "taken.tar.zst"), "mine");
    expect(await fails({ jobId: lora, destination: "taken.tar.zst" })).toEqual([
      {
        property: "destination",
        reason: expect.stringMatching(/already exists and was not made by this resource.*Fix:/),
      },
    ]);
  });

  test("a job still training passes check (it may complete first); create refuses it", async () => {
    const r = await checked({ jobId: running, destination: "r.tar.zst" });
    expect(r.failures ?? []).toEqual([]);
    await expect(lifecycle.create(r.inputs!, provider.ctx)).rejects.toThrow(
      /is [a-z_]+, not completed.*Fix:/,
    );
  });

  test("an unknown job id (a job created in the same up) skips the job checks", async () => {
    const r = await checked({ jobId: UNKNOWN, destination: "u.tar.zst" });
    expect(r.failures ?? []).toEqual([]);
  });

  test("a replacement's second check, without the previous inputs (as the engine runs it), still knows its own file", async () => {
    const own = path.join(dir, "own.tar.zst");
    fs.writeFileSync(own, "downloaded before");
    const args = { jobId: lora, checkpoint: "adapter", destination: "own.tar.zst" };
    // The engine's first check has the previous inputs; after diff says "replace" it checks again without them.
    expect((await checked(args, { ...news(args), checkpoint: "merged" })).failures ?? []).toEqual([]);
    expect((await checked(args)).failures ?? []).toEqual([]);
    // Another resource (no previous inputs of its own) is still refused the file.
    const other = await lifecycle.check({}, { ...news(args), logicalName: "other" }, provider.ctx);
    expect(other.failures).toEqual([
      {
        property: "destination",
        reason: expect.stringMatching(
          /^ModelDownload "other": .*already exists and was not made by this resource/,
        ),
      },
    ]);
    fs.rmSync(own);
  });
});

describe("create, diff, read, delete", () => {
  test("downloads, detects drift, and removes only its own file", async () => {
    const inputs = (
      await checked({ jobId: lora, checkpoint: "adapter", destination: "models/ft.tar.zst", extract: true })
    ).inputs!;
    const { id, outs } = await lifecycle.create(inputs, provider.ctx);
    const archive = archiveFor(provider.emu.store, provider.emu.clock.now(), lora, "adapter", undefined);
    const target = path.join(dir, "models", "ft.tar.zst");
    expect(outs).toMatchObject({
      path: target,
      bytes: archive.bytes,
      sha256: await archiveSha256(archive),
      checkpoint: "adapter",
    });
    expect(id).toBe(`${lora}/adapter/${outs.step as number}`);
    expect(fs.readdirSync(path.join(dir, "models")).sort()).toEqual(["ft", "ft.tar.zst"]);
    expect(fs.readdirSync(path.join(dir, "models", "ft")).sort()).toEqual([
      "adapter_config.json",
      "adapter_model.safetensors",
    ]);
    expect(provider.logged.some((l) => /downloaded ft.tar.zst: .* \(100%\)/.test(l))).toBe(true);

    expect(await lifecycle.diff(id, outs, inputs, provider.ctx)).toEqual({ changes: false });
    expect((await lifecycle.read(id, outs, provider.ctx)).props).not.toHaveProperty("drift");

    fs.appendFileSync(target, "x");
    const read = await lifecycle.read(id, outs, provider.ctx);
    expect(read.props?.drift).toMatch(/bytes on disk/);
    expect(await lifecycle.diff(id, outs, inputs, provider.ctx)).toMatchObject({
      changes: true,
      replaces: ["sha256"],
      deleteBeforeReplace: true,
    });
    // The replacement's delete (before the download again) says the archive is downloaded over the edit.
    const before = provider.logged.length;
    await lifecycle.delete(id, outs, provider.ctx);
    expect(fs.existsSync(target)).toBe(true);
    expect(fs.existsSync(path.join(dir, "models", "ft"))).toBe(false);
    expect(provider.logged.slice(before).join("\n")).toMatch(
      /ft.tar.zst changed since it was downloaded; the archive is downloaded again over it/,
    );
    expect(provider.logged.slice(before).join("\n")).not.toMatch(/left in place/);

    const again = await lifecycle.create(inputs, provider.ctx);
    expect(again.outs.sha256).toBe(outs.sha256);
    // A destroy (no diff first) leaves an edited archive in place: somebody's work.
    fs.appendFileSync(target, "y");
    const destroyFrom = provider.logged.length;
    await lifecycle.delete(id, again.outs, provider.ctx);
    expect(fs.existsSync(target)).toBe(true);
    expect(provider.logged.slice(destroyFrom).join("\n")).toMatch(
      /ft.tar.zst changed since it was downloaded; it was left in place/,
    );
    fs.rmSync(target);
    await lifecycle.create(inputs, provider.ctx);
    fs.rmSync(target);
    expect((await lifecycle.read(id, again.outs, provider.ctx)).id).toBe("");
    const third = await lifecycle.create(inputs, provider.ctx);
    await lifecycle.delete(id, third.outs, provider.ctx);
    expect(fs.readdirSync(path.join(dir, "models"))).toEqual([]);
  });

  test("a reset mid-download resumes and the archive still matches", async () => {
    provider.emu.faults.add({
      method: "GET",
      path: "/v1/finetune/download",
      action: { type: "reset", phase: "mid-response" },
    });
    const inputs = (await checked({ jobId: full, destination: "full.tar.zst" })).inputs!;
    const { outs } = await lifecycle.create(inputs, provider.ctx);
    const archive = archiveFor(
      provider.emu.store,
      provider.emu.clock.now(),
      full,
      "model_output_path",
      undefined,
    );
    expect(outs.sha256).toBe(await archiveSha256(archive));
    expect(provider.logged.some((l) => /connection dropped; resuming at .* \(Range\)/.test(l))).toBe(true);
    expect(fs.readdirSync(dir).filter((f) => f.includes("partial"))).toEqual([]);
  });
});
