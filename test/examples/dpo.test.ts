import { exampleProgram, isSecretEnvelope, runProgram, TYPE_PREFIX } from "./mock-program";

const program = exampleProgram("dpo");
const project = "pulumi-together-dpo";

describe("examples/dpo (mocks)", () => {
  it("trains with the DPO method on the preference file", async () => {
    const run = await runProgram(program, { project });
    expect(run.resources.map((r) => r.type)).toEqual([
      `${TYPE_PREFIX}TrainingFile`,
      `${TYPE_PREFIX}FineTuneJob`,
    ]);
    const file = run.byName("tone-preferences");
    const job = run.byName("tone-dpo");
    expect(file.inputs.source).toMatch(/examples\/dpo\/data\/tone-preferences\.jsonl$/);
    expect(job.inputs.trainingFile).toBe(file.state.fileId);
    expect(job.inputs.trainingMethod).toEqual({ method: "dpo", dpoBeta: 0.1 });
    expect(job.inputs).not.toHaveProperty("wandb");
    expect(run.outputs).toMatchObject({ jobId: "ft-tone-dpo", outputModelName: expect.any(String) });
  });

  it("sends the W&B key only inside a secret envelope and never in the serialized provider", async () => {
    const key = "wandb-key-0123456789abcdef";
    const run = await runProgram(program, {
      project,
      config: { wandbApiKey: key, dpoBeta: "0.25" },
      secretKeys: ["wandbApiKey"],
    });
    const job = run.byName("tone-dpo");
    expect(job.inputs.trainingMethod).toEqual({ method: "dpo", dpoBeta: 0.25 });
    expect(isSecretEnvelope(job.inputs.wandb)).toBe(true);
    expect(job.inputs.wandb.value).toEqual({ apiKey: key, projectName: "tone-dpo" });
    expect(job.inputs.__provider).not.toContain(key);
  });
});
