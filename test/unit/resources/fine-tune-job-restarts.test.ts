// What Together does to a running job that a FineTuneJob must follow (issue #14), in-process against the
// emulator: an internal error restarted under a new job id (followed: waited on, its id and model output, one
// POST only), user_error with the server's message, and the billing limit that ends the wait with its fix.
import * as path from "node:path";
import { TogetherClient, type TogetherClient as Client, type WireFineTune } from "../../../provider/client";
import { lifecycle } from "../../../provider/resources/fine-tune-job/lifecycle";
import { awaitJob, restartTarget } from "../../../provider/resources/fine-tune-job/job-wait";
import { PartialFailureError } from "../../../provider/shared/partial-failure";
import type { ProviderContext } from "../../../provider/shared/types";
import type { Emulator } from "../../../emulator";
import { DEFAULT_JOB_DURATIONS } from "../../../emulator/store";
import { useInProcessProvider } from "./in-process-provider";

const TIME_SCALE = 600;
const FIXTURE = path.join(__dirname, "..", "..", "lifecycle", "fixtures", "fine-tune-job", "train.jsonl");

const provider = useInProcessProvider(TIME_SCALE);
let emu: Emulator;
let ctx: ProviderContext;
let trainingFile: string;

beforeAll(async () => {
  ({ emu, ctx } = provider);
  const client = new TogetherClient({ baseUrl: emu.baseUrl, apiKey: emu.apiKey });
  trainingFile = (
    await client.files.upload({ path: FIXTURE, fileName: "t.jsonl", purpose: "fine-tune", fileType: "jsonl" })
  ).id;
  await emu.idle();
});

beforeEach(() => {
  provider.logged.length = 0;
  emu.faults.clear();
  emu.control.setJobDurations(DEFAULT_JOB_DURATIONS);
});

async function checked(over: Record<string, unknown>): Promise<Record<string, unknown>> {
  const news = { logicalName: "restart", trainingFile, model: "Qwen/Qwen3-0.6B", ...over };
  const r = await lifecycle.check({}, news, ctx);
  expect(r.failures ?? []).toEqual([]);
  return r.inputs ?? {};
}

const posts = (): number =>
  emu.requests.filter((r) => r.method === "POST" && r.path === "/v1/fine-tunes").length;
const onNextJob = (outcome: "restart" | "user_error" | "billing_limit", message?: string) =>
  emu.faults.add({
    method: "POST",
    path: "/v1/fine-tunes",
    action: { type: "job", outcome, atFraction: 0.5, ...(message ? { message } : {}) },
  });

async function failureOf(p: Promise<unknown>): Promise<PartialFailureError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(PartialFailureError);
  return e as PartialFailureError;
}

describe("a job Together restarts under a new id is followed", () => {
  test("create waits on the new job and outputs its id and model; one POST, no duplicate", async () => {
    onNextJob("restart");
    const before = posts();
    const { id, outs } = await lifecycle.create(await checked({ suffix: "restart-create" }), ctx);
    const first = emu.store.jobs.get(id)!;
    const successor = emu.store.jobs.get(first.restartedAs!)!;
    expect(posts()).toBe(before + 1);
    // The resource id stays the job first started; jobId (and everything read) is the live job's.
    expect(outs).toMatchObject({
      jobId: successor.id,
      status: "completed",
      outputModelName: successor.outputName,
    });
    expect((outs.checkpoints as { fromCheckpoint: string }[])[0]!.fromCheckpoint).toMatch(
      new RegExp(`^${successor.id}:`),
    );
    expect(
      provider.logged.some((l) =>
        l.includes(
          `Together restarted fine-tune job ${id} as ${successor.id} after an internal error (Refunded $`,
        ),
      ),
    ).toBe(true);
    const active = [...emu.store.jobs.values()].filter((j) => j.suffix === "restart-create");
    expect(active.map((j) => j.id).sort()).toEqual([id, successor.id].sort());

    // Refresh and a later update stay on the live job.
    const read = await lifecycle.read(id, outs, ctx);
    expect(read).toMatchObject({ id, props: { jobId: successor.id, status: "completed" } });
    const updated = await lifecycle.update(id, outs, await checked({ suffix: "restart-create" }), ctx);
    expect(updated.outs).toMatchObject({ jobId: successor.id, status: "completed" });
    expect(posts()).toBe(before + 1);
  });

  test("refresh follows a restart that happened after up; destroy stops the live job", async () => {
    emu.control.setJobDurations({ msPer1kTokens: 60 * 60_000 });
    const { id, outs } = await lifecycle.create(
      await checked({ suffix: "restart-read", waitFor: "running" }),
      ctx,
    );
    const next = emu.control.restartJob(id);
    const read = await lifecycle.read(id, outs, ctx);
    expect(read.id).toBe(id);
    expect(read.props).toMatchObject({ jobId: next });
    await lifecycle.delete(id, outs, ctx);
    emu.clock.advance(60_000);
    expect(["cancel_requested", "cancelled"]).toContain(
      (await new TogetherClient({ baseUrl: emu.baseUrl, apiKey: emu.apiKey }).fineTunes.get(next)).status,
    );
    expect(emu.summary().jobsActive).toBe(0);
  });
});

describe("failures Together reports", () => {
  test("user_error is a failure with the server's message; the job stays in state", async () => {
    onNextJob("user_error", "Example 3 is longer than max_seq_length 512 tokens");
    const e = await failureOf(lifecycle.create(await checked({ suffix: "user-error" }), ctx));
    expect(e.properties).toMatchObject({ jobId: e.id, status: "user_error" });
    expect(e.reasons[0]).toMatch(
      /FineTuneJob "restart": fine-tune job ft-\S+ ended with status user_error: Together found a problem with the job's input: \[[^\]]+\] Example 3 is longer than max_seq_length 512 tokens\. Fix the training data or options it names;/,
    );
  });

  test("the billing limit ends the wait, saying the account's limit stopped the job and what to do", async () => {
    onNextJob("billing_limit");
    const e = await failureOf(lifecycle.create(await checked({ suffix: "billing" }), ctx));
    expect(e.reasons[0]).toMatch(
      /FineTuneJob "restart": Together stopped fine-tune job ft-\S+ \(status error\): the account's billing limit was reached: The job was stopped: your organization reached its billing limit\. Fix: raise the account's limit or add credits \(https:\/\/api\.together\.ai\/settings\/billing\), then run `pulumi up`/,
    );
  });

  test("a billing_limit event ends the wait even while the job still says running", async () => {
    let polls = 0;
    const stuck: WireFineTune = {
      id: "ft-stuck",
      status: "running",
      events: [
        { created_at: "2026-01-01T00:00:00Z", message: "Job started", type: "job_start" },
        { created_at: "2026-01-01T00:05:00Z", message: "Billing limit reached", type: "billing_limit" },
      ],
    };
    const stub: ProviderContext = {
      ...ctx,
      client: () => ({ fineTunes: { get: async () => (polls++, stuck) } }) as unknown as Client,
    };
    const outcome = await awaitJob(stub, "b", { id: "ft-stuck", status: "running" }, "completed", 60);
    expect(outcome.kind).toBe("failed");
    expect(outcome.kind === "failed" && outcome.message).toMatch(
      /the account's billing limit was reached: Billing limit reached\. Fix: raise/,
    );
    expect(polls).toBe(1);
  });
});

describe("restartTarget", () => {
  const job = { id: "ft-old", status: "error" };
  const ev = (message: string, type = "job_restarted") => ({ created_at: "t", message, type });

  test("the new job is the first other ft- id the job_restarted event names", () => {
    expect(restartTarget(job, [ev("Job ft-old restarted as ft-new-1 after an internal error")])).toBe(
      "ft-new-1",
    );
    expect(restartTarget(job, [ev("x", "job_error")])).toBeUndefined();
    expect(restartTarget(job, [ev("Job restarted")])).toBeNull();
    expect(restartTarget(job, [ev("x", "JOB_RESTARTED"), ev("restarted as ft-b")])).toBe("ft-b");
  });
});
