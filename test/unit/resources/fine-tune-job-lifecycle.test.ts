// FineTuneJob create/read/update/delete in-process against the emulator, with the provider context the runtime
// builds from stack config: the edges the harness scenarios do not reach.
import { TogetherClient, type WireFineTune } from "../../../provider/client";
import { lifecycle } from "../../../provider/resources/fine-tune-job/lifecycle";
import { adoptAfterAmbiguousCreate } from "../../../provider/resources/fine-tune-job/reconcile";
import { PartialFailureError } from "../../../provider/shared/partial-failure";
import type { ProviderContext } from "../../../provider/shared/types";
import type { Emulator } from "../../../emulator";
import { useInProcessProvider } from "./in-process-provider";
import { DEFAULT_JOB_DURATIONS } from "../../../emulator/store";
import * as path from "node:path";

const TIME_SCALE = 600;
const FIXTURE = path.join(__dirname, "..", "..", "lifecycle", "fixtures", "fine-tune-job", "train.jsonl");

const provider = useInProcessProvider(TIME_SCALE);
let emu: Emulator;
let ctx: ProviderContext;
let client: TogetherClient;
let trainingFile: string;
const logged = provider.logged;

beforeAll(async () => {
  ({ emu, ctx } = provider);
  client = new TogetherClient({ baseUrl: emu.baseUrl, apiKey: emu.apiKey });
  trainingFile = (
    await client.files.upload({ path: FIXTURE, fileName: "t.jsonl", purpose: "fine-tune", fileType: "jsonl" })
  ).id;
  await emu.idle();
});

beforeEach(() => {
  logged.length = 0;
  emu.faults.clear();
  emu.control.setJobDurations(DEFAULT_JOB_DURATIONS);
});

async function checked(over: Record<string, unknown>): Promise<Record<string, unknown>> {
  const news = { logicalName: "unit", trainingFile, model: "Qwen/Qwen3-0.6B", ...over };
  const r = await lifecycle.check({}, news, ctx);
  expect(r.failures ?? []).toEqual([]);
  return r.inputs ?? {};
}

const posts = (): number =>
  emu.requests.filter((r) => r.method === "POST" && r.path === "/v1/fine-tunes").length;

describe("FineTuneJob against the emulator", () => {
  test("a cap exceeded at create throws before any POST", async () => {
    const inputs = await checked({ suffix: "gate" });
    const before = posts();
    await expect(lifecycle.create({ ...inputs, maxPriceUsd: 0.000001 }, ctx)).rejects.toThrow(
      /exceeds maxPriceUsd \$0\.0000010 .*Nothing was started\. Fix: raise maxPriceUsd to at least \$0\.000\d+,/,
    );
    expect(posts()).toBe(before);
  });

  test("LoRA rank defaults to the model's maximum from model-limits", async () => {
    const inputs = await checked({ suffix: "rank", waitFor: "none" });
    const { id } = await lifecycle.create(inputs, ctx);
    const body = emu.requests.filter((r) => r.method === "POST" && r.path === "/v1/fine-tunes").at(-1)?.body;
    const limits = await client.fineTunes.modelLimits("Qwen/Qwen3-0.6B");
    const rank = limits.lora_training?.max_rank;
    expect(body).toMatchObject({
      training_type: { type: "Lora", lora_r: rank, lora_alpha: (rank ?? 0) * 2 },
    });
    await lifecycle.delete(id, { logicalName: "unit" }, ctx);
  });

  test("read refreshes status; a deleted job reads as gone and deletes as done", async () => {
    const inputs = await checked({ suffix: "read", waitFor: "none" });
    const { id, outs } = await lifecycle.create(inputs, ctx);
    emu.clock.advance(24 * 60 * 60_000);
    const r = await lifecycle.read(id, outs, ctx);
    expect(r).toMatchObject({ id, props: { status: "completed", jobId: id, suffix: "read" } });
    expect(r.props?.outputModelName).toMatch(/^emulator-user\//);

    await lifecycle.delete(id, { ...outs, deleteModelOnDestroy: true }, ctx);
    expect(emu.store.jobs.get(id)?.deleted).toBe(true);
    expect(logged.some((l) => l.includes(`deleted fine-tune job ${id}`))).toBe(true);
    expect(await lifecycle.read(id, outs, ctx)).toEqual({ id: "" });
    await expect(lifecycle.delete(id, outs, ctx)).resolves.toBeUndefined();
  });

  test("update resumes a wait on the same job; a vanished job fails with the fix", async () => {
    emu.control.setJobDurations({ queuedMs: 10 * 60 * 60_000 });
    const inputs = await checked({ suffix: "resume", timeoutMinutes: 1 });
    const err = await lifecycle.create(inputs, ctx).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(PartialFailureError);
    const partial = err as PartialFailureError;
    expect(partial.properties).toMatchObject({ jobId: partial.id, status: "queued" });
    emu.clock.advance(11 * 60 * 60_000);
    const before = posts();
    const { outs } = await lifecycle.update(partial.id, partial.properties, inputs, ctx);
    expect(outs).toMatchObject({ jobId: partial.id, status: "completed" });
    expect(posts()).toBe(before);

    await client.fineTunes.delete(partial.id);
    await expect(lifecycle.update(partial.id, outs, inputs, ctx)).rejects.toThrow(
      /fine-tune job ft-\S+ no longer exists\. Fix: run `pulumi refresh`/,
    );
  });

  test("several jobs matching an ambiguous create fail with their ids", async () => {
    const body = { training_file: trainingFile, model: "Qwen/Qwen3-0.6B", suffix: "twice" };
    const before = new Set((await client.fineTunes.list()).map((j: WireFineTune) => j.id));
    const a = await client.fineTunes.create(body);
    const b = await client.fineTunes.create(body);
    await expect(
      adoptAfterAmbiguousCreate(ctx, "unit", body, before, new Error("socket hang up")),
    ).rejects.toThrow(
      new RegExp(
        `2 new jobs match it: (${a.id}, ${b.id}|${b.id}, ${a.id})\\. Fix: cancel the ones you do not want`,
      ),
    );
    const none = new Set((await client.fineTunes.list()).map((j: WireFineTune) => j.id));
    await expect(
      adoptAfterAmbiguousCreate(ctx, "unit", body, none, new Error("socket hang up")),
    ).rejects.toThrow(/no job created since then matches it .*so none was started and nothing is billing/);
  });

  test("adopting an unknown job id fails with the fix", async () => {
    const inputs = await checked({ suffix: "adopt", adoptJobId: "ft-00000000-0000-0000-0000-000000000000" });
    await expect(lifecycle.create(inputs, ctx)).rejects.toThrow(
      /adoptJobId = "ft-0{8}-0{4}-0{4}-0{4}-0{12}": no such fine-tune job on this account\. Fix:/,
    );
  });
});
