import { exampleProgram, isSecretEnvelope, runProgram, TYPE_PREFIX } from "./mock-program";

const program = exampleProgram("byom");
const project = "pulumi-together-byom";
const token = "hf_exampleTokenDoNotLeak0123";

describe("examples/byom (mocks)", () => {
  it("trains the Hugging Face model with the catalogue template and a secret token", async () => {
    const run = await runProgram(program, {
      project,
      config: { hfModel: "acme/qwen3-0.6b-sql", hfApiToken: token, hfModelRevision: "3f1c2ab" },
      secretKeys: ["hfApiToken"],
    });
    expect(run.resources.map((r) => r.type)).toEqual([
      `${TYPE_PREFIX}TrainingFile`,
      `${TYPE_PREFIX}FineTuneJob`,
    ]);
    const file = run.byName("sql-questions");
    const job = run.byName("sql-byom");
    expect(job.inputs).toMatchObject({
      model: "Qwen/Qwen3-0.6B",
      fromHfModel: "acme/qwen3-0.6b-sql",
      hfModelRevision: "3f1c2ab",
      trainingFile: file.state.fileId,
    });
    expect(isSecretEnvelope(job.inputs.hfApiToken)).toBe(true);
    expect(job.inputs.hfApiToken.value).toBe(token);
    expect(job.inputs.__provider).not.toContain(token);
  });

  it("keeps the token secret even when the stack config holds it in plain text", async () => {
    const run = await runProgram(program, { project, config: { hfModel: "acme/m", hfApiToken: token } });
    const job = run.byName("sql-byom");
    expect(isSecretEnvelope(job.inputs.hfApiToken)).toBe(true);
    expect(job.inputs).not.toHaveProperty("hfModelRevision");
  });

  it("fails without the token", async () => {
    await expect(runProgram(program, { project, config: { hfModel: "acme/m" } })).rejects.toThrow(
      /hfApiToken/,
    );
  });
});
