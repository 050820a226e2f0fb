import { exampleProgram, runProgram, TYPE_PREFIX } from "./mock-program";

const program = exampleProgram("per-branch");
const project = "pulumi-together-per-branch";

describe("examples/per-branch (mocks)", () => {
  it("gives a branch stack the smallest hardware, a stopped endpoint and an inactivity timeout", async () => {
    const run = await runProgram(program, { project, stack: "br-feature-x" });
    expect(run.resources).toHaveLength(3);
    const file = run.byName("release-notes-dataset");
    const job = run.byName("release-notes-lora");
    const endpoint = run.byName("release-notes");
    expect(file.type).toBe(`${TYPE_PREFIX}TrainingFile`);
    expect(job.inputs.trainingFile).toBe(file.state.fileId);
    expect(job.inputs).toMatchObject({ suffix: "rn-br-feature-x", nEpochs: 1, maxPriceUsd: 2 });
    expect(endpoint.type).toBe(`${TYPE_PREFIX}DedicatedEndpoint`);
    expect(endpoint.inputs).toMatchObject({
      model: job.state.outputModelName,
      hardware: "1x_nvidia_l40s_48gb_pcie",
      state: "STOPPED",
      inactiveTimeoutMinutes: 15,
      displayName: "release-notes-br-feature-x",
      autoscaling: { minReplicas: 1, maxReplicas: 1 },
    });
    expect(run.outputs).toMatchObject({ stack: "br-feature-x", endpointState: "STOPPED" });
  });

  it("serves prod on an H100, started, with no auto-stop", async () => {
    const run = await runProgram(program, { project, stack: "prod" });
    expect(run.byName("release-notes-lora").inputs).toMatchObject({
      suffix: "rn-prod",
      nEpochs: 3,
      maxPriceUsd: 10,
    });
    expect(run.byName("release-notes").inputs).toMatchObject({
      hardware: "1x_nvidia_h100_80gb_sxm",
      state: "STARTED",
      inactiveTimeoutMinutes: 0,
      displayName: "release-notes-prod",
      autoscaling: { minReplicas: 1, maxReplicas: 2 },
    });
  });

  it("lets a branch stack override state, hardware and timeout from config", async () => {
    const run = await runProgram(program, {
      project,
      stack: "br-demo",
      config: { state: "STARTED", hardware: "1x_nvidia_a100_80gb_sxm", inactiveTimeoutMinutes: "5" },
    });
    expect(run.byName("release-notes").inputs).toMatchObject({
      state: "STARTED",
      hardware: "1x_nvidia_a100_80gb_sxm",
      inactiveTimeoutMinutes: 5,
    });
  });

  it("turns stack names Together would reject into valid suffixes and display names", async () => {
    const run = await runProgram(program, {
      project,
      stack: "Br_Feature.With.DOTS_and_a_very_long_name_beyond_forty_chars",
    });
    const suffix = run.byName("release-notes-lora").inputs.suffix as string;
    expect(suffix).toMatch(/^rn-[a-z0-9-]{1,40}$/);
    expect(run.byName("release-notes").inputs.displayName).toMatch(/^release-notes-[a-z0-9-]{1,40}$/);
  });

  it("rejects a state other than STARTED or STOPPED", async () => {
    await expect(
      runProgram(program, { project, stack: "br-x", config: { state: "PAUSED" } }),
    ).rejects.toThrow(/config "state" is "PAUSED": use STARTED or STOPPED/);
  });
});
