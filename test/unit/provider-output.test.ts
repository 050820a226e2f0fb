// The provider's progress and error text as a new user reads it: emulated elapsed time, job status lines only
// when something changed, upload rates only when meaningful, a missing key as one check failure with the fix,
// and hardware fixes worded for the offers at hand.
import { dispatch, resetRuntimeForTests } from "../../provider/runtime";
import { hardwareRule } from "../../provider/resources/dedicated-endpoint/rules";
import { HEARTBEAT_MS, progressGate } from "../../provider/resources/fine-tune-job/job-wait";
import { uploadLine } from "../../provider/resources/training-file/upload";
import { formatElapsed } from "../../provider/shared/wait";
import type { WireFineTune } from "../../provider/client";

describe("formatElapsed", () => {
  it("shows real time as emulated time, marked with the scale", () => {
    expect(formatElapsed(13, 600)).toBe("8 s (time scale 600)");
    expect(formatElapsed(120, 600)).toBe("72 s (time scale 600)");
    expect(formatElapsed(1_500)).toBe("2 s");
  });
});

describe("job status lines", () => {
  const job = (status: string, step: number) =>
    ({ id: "ft-1", status, steps_completed: step, total_steps: 3 }) as unknown as WireFineTune;

  it("print when status or step changes, else a heartbeat every few emulated minutes", () => {
    const changed = progressGate(600);
    expect(changed(job("queued", 0), 10)).toBe(true);
    expect(changed(job("queued", 0), 20)).toBe(false);
    expect(changed(job("queued", 0), 30)).toBe(false);
    expect(changed(job("running", 0), 40)).toBe(true);
    expect(changed(job("running", 1), 50)).toBe(true);
    expect(changed(job("running", 1), 50 + (HEARTBEAT_MS - 1) / 600)).toBe(false);
    expect(changed(job("running", 1), 50 + HEARTBEAT_MS / 600)).toBe(true);
  });
});

describe("upload line", () => {
  it("leaves the rate out of a tiny or fast upload", () => {
    expect(uploadLine('TrainingFile "t"', "a.jsonl", 5 * 1024, 5 * 1024, 130, true)).toBe(
      'TrainingFile "t": uploaded a.jsonl: 5.0 KiB of 5.0 KiB (100%)',
    );
  });
  it("gives the rate of a large upload", () => {
    expect(uploadLine('TrainingFile "t"', "b.jsonl", 50e6, 100e6, 2_000, false)).toBe(
      'TrainingFile "t": uploading b.jsonl: 47.7 MiB of 95.4 MiB (50%), 25.0 MB/s',
    );
  });
});

describe("unknown hardware: the fix fits the offers", () => {
  const rule = (availability: "available" | "unavailable", hardware: string) =>
    hardwareRule({
      who: 'DedicatedEndpoint "e"',
      hardware,
      model: "m",
      requireAvailable: true,
      offers: [
        { id: "1x_a", centsPerMinute: 5, availability },
        { id: "2x_a", centsPerMinute: 10, availability: "unavailable" },
      ],
    }).failures[0]?.reason;

  it("points at an available configuration when there is one", () => {
    expect(rule("available", "9x_z")).toMatch(/Fix: set hardware to one marked available$/);
  });
  it("says to retry later when none is available", () => {
    expect(rule("unavailable", "9x_z")).toMatch(
      /Fix: set hardware to one of these; none is available right now, so retry later$/,
    );
    expect(rule("unavailable", "1x_a")).toMatch(/as every configuration for model "m": .*Fix: retry later/);
    expect(rule("unavailable", "1x_a")).not.toContain("marked available");
  });
});

describe("a missing API key at check", () => {
  const saved = { key: process.env.TOGETHER_API_KEY, url: process.env.TOGETHER_BASE_URL };
  beforeEach(() => {
    resetRuntimeForTests();
    delete process.env.TOGETHER_API_KEY;
    delete process.env.TOGETHER_BASE_URL;
  });
  afterAll(() => {
    if (saved.key !== undefined) process.env.TOGETHER_API_KEY = saved.key;
    if (saved.url !== undefined) process.env.TOGETHER_BASE_URL = saved.url;
    resetRuntimeForTests();
  });

  it("is one check failure with the fix, not a thrown error", async () => {
    const news = { logicalName: "tune", trainingFile: "file-1", model: "Qwen/Qwen3-0.6B", __provider: "x" };
    const r = (await dispatch("FineTuneJob", "check", {}, news)) as {
      failures: { property: string; reason: string }[];
    };
    expect(r.failures).toEqual([
      {
        property: "",
        reason:
          "No Together API key is configured. Fix: run `pulumi config set --secret together:apiKey <your key>` " +
          "in this stack, or `export TOGETHER_API_KEY=...` before running pulumi.",
      },
    ]);
  });
});
