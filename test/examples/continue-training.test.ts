import { exampleProgram, runProgram, TYPE_PREFIX } from "./mock-program";

const program = exampleProgram("continue-training");
const project = "pulumi-together-continue-training";

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
      totalEstimatedPriceUsd: 2.5,
    });
  });
});
