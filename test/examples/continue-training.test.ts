import * as fs from "node:fs";
import * as path from "node:path";
import { tokenRate } from "../../provider/catalog/fine-tuning-rates";
import { exampleProgram, runProgram, TYPE_PREFIX } from "./mock-program";

const program = exampleProgram("continue-training");
const project = "pulumi-together-continue-training";

/** A LoRA SFT job's price from the provider's rate table: a token per four bytes of the dataset, per epoch. */
function rateTableJobUsd(model: string, dataset: string, nEpochs: number): number {
  const bytes = fs.statSync(path.resolve(__dirname, "../../examples/continue-training/data", dataset)).size;
  return Math.ceil(bytes / 4) * nEpochs * tokenRate(model, "sft", "lora").usdPerToken;
}

describe("examples/continue-training (mocks)", () => {
  it("starts the second job from the first job's checkpoint, on its own file", async () => {
    const run = await runProgram(program, { project });
    expect(run.resources).toHaveLength(4);
    expect(run.ofKind("TrainingFile").map((r) => r.name)).toEqual(["general-support", "billing-followup"]);
    expect(run.ofKind("FineTuneJob").map((r) => r.name)).toEqual(["support-base", "support-billing"]);
    const base = run.byName("support-base");
    const followup = run.byName("support-billing");
    expect(base.type).toBe(`${TYPE_PREFIX}FineTuneJob`);
    expect(base.inputs).toMatchObject({ model: "Qwen/Qwen3-0.6B", trainingFile: "file-general-support" });
    expect(followup.inputs).toMatchObject({
      fromCheckpoint: base.state.jobId,
      trainingFile: "file-billing-followup",
    });
    expect(followup.inputs).not.toHaveProperty("model");
    expect(run.outputs).toMatchObject({
      baseJobId: "ft-support-base",
      followupJobId: "ft-support-billing",
    });
    // The sum of both jobs' prices (the emulator's, via the mock), checked against the provider's rate
    // table: 2 epochs on the general set, then 1 on the billing set, both on the checkpoint's Qwen3-0.6B.
    expect(run.outputs.totalEstimatedPriceUsd).toBeCloseTo(
      rateTableJobUsd("Qwen/Qwen3-0.6B", "general-support.jsonl", 2) +
        rateTableJobUsd("Qwen/Qwen3-0.6B", "billing-followup.jsonl", 1),
      6,
    );
  });
});
