// FineTuneJob pure parts: the SDK args type, request bodies, diff, outputs (no secrets), the default suffix and
// the ambiguous-create match.
import type * as pulumi from "@pulumi/pulumi";
import type { z } from "zod";
import type { WireFineTune } from "../../../provider/client";
import { lifecycle } from "../../../provider/resources/fine-tune-job/lifecycle";
import { jobOutputs } from "../../../provider/resources/fine-tune-job/outputs";
import { matchesRequest } from "../../../provider/resources/fine-tune-job/reconcile";
import { createBody, estimateBody } from "../../../provider/resources/fine-tune-job/request-body";
import { fineTuneJobInputs, type FineTuneJobInputs } from "../../../provider/resources/fine-tune-job/schema";
import { UNKNOWN, type ProviderContext } from "../../../provider/shared/types";
import { defaultSuffix, type FineTuneJobArgs } from "../../../sdk/fine-tune-job";

// Compile-time: the documented SDK args are exactly the zod input type (Inputs resolved, provider-owned fields
// left out): same keys, same optional keys, same value types, nested objects included. Zod spells optional as
// `?: T | undefined`, hence Norm.
type Resolved<T> = {
  [K in keyof T]: T[K] extends pulumi.Input<infer U> | undefined ? pulumi.Unwrap<U> : never;
};
type OptionalKeys<T> = { [K in keyof T]-?: object extends Pick<T, K> ? K : never }[keyof T];
type Norm<T> = T extends object ? [{ [K in keyof T]-?: Norm<Exclude<T[K], undefined>> }, OptionalKeys<T>] : T;
type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
type SchemaArgs = Omit<
  z.input<typeof fineTuneJobInputs>,
  | "__provider"
  | "logicalName"
  | "pulumiProject"
  | "pulumiStack"
  | "estimatedPriceUsd"
  | "estimateKind"
  | "trainingFileSource"
  | "validationFileSource"
>;
// A TrainingFile given as trainingFile/validationFile reaches the provider as its file id.
type WireArgs = Omit<FineTuneJobArgs, "trainingFile" | "validationFile"> & {
  trainingFile: pulumi.Input<string>;
  validationFile?: pulumi.Input<string>;
};
const argsMatchSchema: Equal<Norm<Resolved<WireArgs>>, Norm<SchemaArgs>> = true;

const ctx: ProviderContext = {
  client: () => {
    throw new Error("diff must not call Together");
  },
  log: { info: () => undefined, warn: () => undefined, error: () => undefined },
  timeScale: 1,
  secrets: { add: () => undefined },
};

const parse = (over: Record<string, unknown> = {}): FineTuneJobInputs =>
  fineTuneJobInputs.parse({ trainingFile: "file-1", model: "Qwen/Qwen3-0.6B", suffix: "s", ...over });

test("the SDK args type equals the schema's input type", () => {
  expect(argsMatchSchema).toBe(true);
});

describe("request bodies", () => {
  test("LoRA SFT with defaults: required wire fields filled, unset optionals omitted", () => {
    expect(createBody(parse(), 32)).toEqual({
      training_file: "file-1",
      model: "Qwen/Qwen3-0.6B",
      n_epochs: 1,
      n_checkpoints: 1,
      n_evals: 0,
      batch_size: "max",
      learning_rate: 0.00001,
      lr_scheduler: { lr_scheduler_type: "cosine", lr_scheduler_args: { min_lr_ratio: 0, num_cycles: 0.5 } },
      warmup_ratio: 0,
      max_grad_norm: 1,
      weight_decay: 0,
      suffix: "s",
      training_method: { method: "sft", train_on_inputs: "auto" },
      training_type: { type: "Lora", lora_r: 32, lora_alpha: 64 },
    });
  });

  test("DPO, full training, W&B and every option map to Together's names", () => {
    const body = createBody(
      parse({
        validationFile: "file-2",
        nEvals: 3,
        batchSize: 16,
        randomSeed: 7,
        lrScheduler: { type: "linear", minLrRatio: 0.1 },
        wandb: { apiKey: "k", baseUrl: "https://wb.example", projectName: "p", name: "n", entity: "e" },
        trainingMethod: { method: "dpo", dpoBeta: 0.2, rpoAlpha: 0.5, simpoGamma: 1, dpoReferenceFree: true },
        trainingType: { type: "full" },
      }),
    );
    expect(body).toMatchObject({
      validation_file: "file-2",
      n_evals: 3,
      batch_size: 16,
      random_seed: 7,
      lr_scheduler: { lr_scheduler_type: "linear", lr_scheduler_args: { min_lr_ratio: 0.1 } },
      wandb_api_key: "k",
      wandb_key: "k",
      wandb_base_url: "https://wb.example",
      wandb_project_name: "p",
      wandb_name: "n",
      wandb_entity: "e",
      training_method: {
        method: "dpo",
        dpo_beta: 0.2,
        rpo_alpha: 0.5,
        simpo_gamma: 1,
        dpo_reference_free: true,
      },
      training_type: { type: "Full" },
    });
    expect(body.training_method).not.toHaveProperty("dpo_normalize_logratios_by_length");
  });

  test("LoRA options given by the program win; the fallback rank applies when nothing is known", () => {
    const given = parse({
      trainingType: {
        type: "lora",
        loraR: 4,
        loraAlpha: 16,
        loraDropout: 0.1,
        loraTrainableModules: "q_proj",
      },
    });
    expect(createBody(given, 64).training_type).toEqual({
      type: "Lora",
      lora_r: 4,
      lora_alpha: 16,
      lora_dropout: 0.1,
      lora_trainable_modules: "q_proj",
    });
    expect(createBody(parse()).training_type).toEqual({ type: "Lora", lora_r: 8, lora_alpha: 16 });
  });

  test("a checkpoint start sends no model and no training type; the estimate body carries only what prices the job", () => {
    const i = parse({ model: undefined, fromCheckpoint: "ft-1:10", hfApiToken: "t" });
    expect(createBody(i)).not.toHaveProperty("model");
    expect(createBody(i)).not.toHaveProperty("training_type");
    expect(createBody(i).from_checkpoint).toBe("ft-1:10");
    expect(estimateBody(i)).toEqual({
      training_file: "file-1",
      from_checkpoint: "ft-1:10",
      n_epochs: 1,
      n_evals: 0,
      training_method: { method: "sft", train_on_inputs: "auto" },
    });
  });
});

const job = (over: Partial<WireFineTune> = {}): WireFineTune => ({
  id: "ft-1",
  status: "running",
  created_at: "2026-01-01T00:00:00.000Z",
  total_price: 2_500_000_000,
  token_count: 1000,
  steps_completed: 3,
  total_steps: 10,
  events: [{ created_at: "x", message: "m" }],
  ...over,
});

describe("outputs", () => {
  const inputs = parse({
    hfApiToken: "hf_TOKEN",
    wandb: { apiKey: "WB_KEY", projectName: "p" },
    logicalName: "t",
  });

  test("credentials and events never reach the outputs; nano-dollars become dollars", () => {
    const outs = jobOutputs(inputs, job(), 1.5);
    const text = JSON.stringify(outs);
    expect(text).not.toContain("hf_TOKEN");
    expect(text).not.toContain("WB_KEY");
    expect(outs).not.toHaveProperty("hfApiToken");
    expect(outs).not.toHaveProperty("events");
    expect(outs).toMatchObject({
      jobId: "ft-1",
      status: "running",
      totalPriceUsd: 2.5,
      estimatedPriceUsd: 1.5,
      tokenCount: 1000,
      stepsCompleted: 3,
      totalSteps: 10,
      wandb: { projectName: "p" },
      logicalName: "t",
      learningRate: 0.00001,
      schemaVersion: 1,
    });
  });

  test("no value is undefined, and fields not reported yet are absent", () => {
    const outs = jobOutputs(inputs, { id: "ft-1", status: "pending" }, undefined);
    expect(Object.values(outs).includes(undefined)).toBe(false);
    expect(outs).not.toHaveProperty("outputModelName");
    expect(outs).not.toHaveProperty("estimatedPriceUsd");
  });

  test("read refreshes computed fields from earlier outputs", () => {
    const first = jobOutputs(inputs, job(), 1.5);
    const later = jobOutputs(
      first,
      job({ status: "completed", model_output_name: "u/m-s-abc123" }),
      first.estimatedPriceUsd,
    );
    expect(later).toMatchObject({
      status: "completed",
      outputModelName: "u/m-s-abc123",
      estimatedPriceUsd: 1.5,
    });
  });
});

describe("diff", () => {
  const inputs = parse({ logicalName: "t" });
  const olds = (status: string, over: Record<string, unknown> = {}) => ({
    ...jobOutputs(inputs, job({ status }), 1),
    ...over,
  });
  const news = (over: Record<string, unknown> = {}) => ({ ...inputs, ...over });

  test("no change when the wait is satisfied", async () => {
    expect(await lifecycle.diff("ft-1", olds("completed"), news(), ctx)).toEqual({ changes: false });
  });

  test("every training input replaces", async () => {
    for (const [field, value] of Object.entries({
      learningRate: 0.001,
      trainingFile: "file-9",
      nEpochs: 3,
      suffix: "other",
      trainingType: { type: "full" },
      lrScheduler: { type: "linear" },
      wandb: { apiKey: "k", projectName: "q" },
    })) {
      expect(await lifecycle.diff("ft-1", olds("completed"), news({ [field]: value }), ctx)).toEqual({
        changes: true,
        replaces: [field],
      });
    }
  });

  test("provider options update in place", async () => {
    for (const [field, value] of Object.entries({
      waitFor: "none",
      timeoutMinutes: 5,
      maxPriceUsd: 3,
      deleteModelOnDestroy: true,
    })) {
      expect(await lifecycle.diff("ft-1", olds("completed"), news({ [field]: value }), ctx)).toEqual({
        changes: true,
      });
    }
  });

  test("an unfinished wait is an in-place change; a finished one is not", async () => {
    expect(await lifecycle.diff("ft-1", olds("running"), news(), ctx)).toEqual({ changes: true });
    expect(await lifecycle.diff("ft-1", olds("running"), news({ waitFor: "running" }), ctx)).toEqual({
      changes: true,
    });
    expect(
      await lifecycle.diff(
        "ft-1",
        olds("running", { waitFor: "running" }),
        news({ waitFor: "running" }),
        ctx,
      ),
    ).toEqual({
      changes: false,
    });
  });

  test("a failed job is replaced, unless it was adopted", async () => {
    expect(await lifecycle.diff("ft-1", olds("error"), news(), ctx)).toEqual({
      changes: true,
      replaces: ["status"],
    });
    const adopted = { adoptJobId: "ft-1" };
    expect(await lifecycle.diff("ft-1", olds("cancelled", adopted), news(adopted), ctx)).toEqual({
      changes: true,
    });
  });

  test("a W&B key or HF token change alone changes nothing", async () => {
    const withWandb = parse({ wandb: { apiKey: "old", projectName: "p" }, hfApiToken: "a" });
    const old = jobOutputs(withWandb, job({ status: "completed" }), 1);
    const next = { ...withWandb, wandb: { apiKey: "new", projectName: "p" }, hfApiToken: "b" };
    expect(await lifecycle.diff("ft-1", old, next, ctx)).toEqual({ changes: false });
  });

  test("an unknown training file in preview may replace", async () => {
    expect(await lifecycle.diff("ft-1", olds("completed"), news({ trainingFile: UNKNOWN }), ctx)).toEqual({
      changes: true,
      replaces: ["trainingFile"],
    });
  });
});

describe("default suffix", () => {
  test("<stack>-<name>, lower-cased, [a-z0-9-] only", () => {
    expect(defaultSuffix("dev", "tune")).toBe("dev-tune");
    expect(defaultSuffix("Feature/Login_Page", "My Job!")).toBe("feature-login-page-my-job");
  });

  test("cut to 40 characters with an 8-hex hash, stable and distinct", () => {
    const a = defaultSuffix("pr-1234-a-very-long-branch-name-for-testing", "fine-tune-job-one");
    const b = defaultSuffix("pr-1234-a-very-long-branch-name-for-testing", "fine-tune-job-two");
    expect(a.length).toBeLessThanOrEqual(40);
    expect(a).toMatch(/^[a-z0-9-]+-[0-9a-f]{8}$/);
    expect(a).not.toBe(b);
    expect(defaultSuffix("pr-1234-a-very-long-branch-name-for-testing", "fine-tune-job-one")).toBe(a);
  });
});

describe("ambiguous-create match", () => {
  const body = createBody(parse({ nEpochs: 2 }));
  const listed = (over: Partial<WireFineTune>): WireFineTune =>
    job({
      training_file: "file-1",
      model: "Qwen/Qwen3-0.6B",
      suffix: "s",
      n_epochs: 2,
      learning_rate: 0.00001,
      ...over,
    });

  test("matches on file, model, suffix and hyperparameters", () => {
    expect(matchesRequest(listed({}), body)).toBe(true);
    expect(matchesRequest(listed({ training_file: "file-2" }), body)).toBe(false);
    expect(matchesRequest(listed({ suffix: "t" }), body)).toBe(false);
    expect(matchesRequest(listed({ model: "other" }), body)).toBe(false);
    expect(matchesRequest(listed({ n_epochs: 1 }), body)).toBe(false);
    expect(matchesRequest(listed({ learning_rate: 0.001 }), body)).toBe(false);
  });
});
