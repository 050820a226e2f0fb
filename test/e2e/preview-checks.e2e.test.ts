// What `pulumi preview` catches on a fresh stack, before anything is uploaded (issue #13): the
// FineTuneJob's checks run though its trainingFile is still unknown, the price is estimated from the
// local dataset and gated, and a refused API key fails the preview under the resource with its fix.
import * as fs from "node:fs";
import * as path from "node:path";
import { describeWithCli } from "./kit/cli";
import { mutatingRequests, useE2E } from "./kit/fixture";
import type { ScratchProgram } from "../../scripts/real-cli/scratch-program";

const API_KEY = "tgp-SECRET-KEY-e2e-preview-5d0c2e";
const DATASET = path.join(__dirname, "..", "..", "examples", "quickstart", "data", "helpdesk-chats.jsonl");

/** A fresh-stack program whose job options come from stack config (JSON), so each test sets its own. */
const PROGRAM = `
import * as pulumi from "@pulumi/pulumi";
import { DedicatedEndpoint, FineTuneJob, TrainingFile } from "pulumi-together";

const c = new pulumi.Config();
const data = new TrainingFile("data", { source: "train.jsonl" });
const job = new FineTuneJob("tune", {
  model: "Qwen/Qwen3-0.6B",
  trainingFile: data,
  nEpochs: 2,
  ...(c.getObject<Record<string, unknown>>("job") ?? {}),
});
new DedicatedEndpoint("serve", {
  model: job.outputModelName,
  hardware: "1x_nvidia_h100_80gb_sxm",
  ...(c.getObject<Record<string, unknown>>("endpoint") ?? {}),
});
`;

describeWithCli("pulumi preview on a fresh stack", (cli) => {
  const e2e = useE2E(cli, "preview", API_KEY);
  let p: ScratchProgram;
  let stacks = 0;

  /** A new stack (so nothing is known yet) with `job` options; returns the preview's result. */
  const preview = async (
    job: Record<string, unknown>,
    secrets: Record<string, string> = {},
    endpoint: Record<string, unknown> = {},
  ) => {
    const stack = `s${++stacks}`;
    await e2e.initStack(p, stack, { job: JSON.stringify(job), endpoint: JSON.stringify(endpoint) }, secrets);
    return p.pulumi(["preview", "--stack", stack], { allowFailure: true });
  };

  beforeAll(async () => {
    p = await e2e.program("preview", {
      files: { "index.ts": PROGRAM, "train.jsonl": fs.readFileSync(DATASET, "utf8") },
    });
  });

  afterEach(() => {
    // Whatever preview did, it sent Together nothing that creates, changes or deletes.
    expect(mutatingRequests(e2e.emu)).toEqual([]);
    expect(e2e.emu.summary()).toMatchObject({ filesCreated: 0, jobsCreated: 0, endpointsCreated: 0 });
  });

  test("a valid stack's preview shows the job's local estimate and the endpoint's hourly price", async () => {
    const r = await preview({});
    expect(r.code).toBe(0);
    expect(r.output).toMatch(/FineTuneJob "tune": ≈ \$\S+ \(local estimate: [\d,]+ tokens × 2 epochs/);
    expect(r.output).toMatch(/Together's exact estimate runs before the job starts/);
    expect(r.output).toMatch(/DedicatedEndpoint "serve": 1x_nvidia_h100_80gb_sxm costs \$3\.36\/h/);
  });

  test("batchSize 512 on Qwen/Qwen3-0.6B fails the preview, naming batchSize", async () => {
    const r = await preview({ batchSize: 512 });
    expect(r.code).not.toBe(0);
    expect(r.output).toMatch(/FineTuneJob "tune": batchSize = 512/);
    expect(r.output).toMatch(/Qwen\/Qwen3-0\.6B/);
  });

  test("an unknown model fails the preview", async () => {
    const r = await preview({ model: "acme/not-a-model-7B" });
    expect(r.code).not.toBe(0);
    expect(r.output).toMatch(/FineTuneJob "tune": model = "acme\/not-a-model-7B"/);
  });

  test("maxPriceUsd below the local estimate fails the preview, naming the estimate", async () => {
    const r = await preview({ maxPriceUsd: 0.0001 });
    expect(r.code).not.toBe(0);
    expect(r.output).toMatch(
      /FineTuneJob "tune": the job would cost more than maxPriceUsd \$0\.0001\d*: ≈ \$\S+ \(local estimate/,
    );
    expect(r.output).toMatch(/Fix: raise maxPriceUsd/);
  });

  test("the endpoint serving the job's model is checked against the base model: maxHourlyPriceUsd gates the preview", async () => {
    const r = await preview({}, {}, { maxHourlyPriceUsd: 1 });
    expect(r.code).not.toBe(0);
    expect(r.output).toMatch(/DedicatedEndpoint "serve": .*maxHourlyPriceUsd/);
    expect(r.output).toMatch(/\$3\.36/);
  });

  test("hardware Together reports unavailable for the job's base model fails the preview", async () => {
    // Availability is per model: without the base model there is nothing to check it against.
    e2e.emu.control.setHardwareAvailability("1x_nvidia_h100_80gb_sxm", "unavailable");
    try {
      const r = await preview({});
      expect(r.code).not.toBe(0);
      expect(r.output).toMatch(
        /DedicatedEndpoint "serve": hardware = "1x_nvidia_h100_80gb_sxm".*Qwen\/Qwen3-0\.6B/,
      );
    } finally {
      e2e.emu.control.setHardwareAvailability("1x_nvidia_h100_80gb_sxm", "available");
    }
  });

  test("a key Together refuses fails the preview under the resource with the fix, and never shows the key", async () => {
    const wrongKey = "tgp-WRONG-KEY-e2e-preview-000000";
    const r = await preview({}, { "together:apiKey": wrongKey });
    expect(r.code).not.toBe(0);
    expect(r.output).toMatch(
      /FineTuneJob "tune": Together refused the API key .*Fix: `pulumi config set --secret together:apiKey <a valid key>`/,
    );
    expect(r.output).not.toContain(wrongKey);
  });
});
