import * as path from "node:path";
import { exampleProgram, runProgram, TYPE_PREFIX } from "./mock-program";

const program = exampleProgram("quickstart");
const project = "pulumi-together-quickstart";

describe("examples/quickstart (mocks)", () => {
  it("declares a training file, a LoRA job on it and an endpoint serving the job's output model", async () => {
    const run = await runProgram(program, { project });
    expect(run.resources.map((r) => r.type)).toEqual([
      `${TYPE_PREFIX}TrainingFile`,
      `${TYPE_PREFIX}FineTuneJob`,
      `${TYPE_PREFIX}DedicatedEndpoint`,
    ]);
    const file = run.byName("helpdesk-chats");
    const job = run.byName("helpdesk-lora");
    const endpoint = run.byName("helpdesk");

    expect(file.inputs.source).toBe(
      path.resolve(__dirname, "../../examples/quickstart/data/helpdesk-chats.jsonl"),
    );
    expect(job.inputs.trainingFile).toBe(file.state.fileId);
    expect(job.inputs.model).toBe("Qwen/Qwen3-0.6B");
    expect(job.inputs.trainingType).toMatchObject({ type: "lora" });
    expect(job.inputs.maxPriceUsd).toBe(5);
    expect(endpoint.inputs.model).toBe(job.state.outputModelName);
    expect(endpoint.inputs.hardware).toBe("1x_nvidia_h100_80gb_sxm");
    expect(endpoint.inputs.maxHourlyPriceUsd).toBe(4);
    expect(endpoint.inputs.inactiveTimeoutMinutes).toBe(30);
    for (const r of run.resources) {
      expect(r.inputs.logicalName).toBe(r.name);
      expect(typeof r.inputs.__provider).toBe("string");
    }
  });

  it("exports the endpoint name, job id, output model name and both prices", async () => {
    const run = await runProgram(program, { project });
    expect(run.outputs).toEqual({
      endpointId: "endpoint-helpdesk",
      endpointName: "emulator-user/Qwen3-0.6B-helpdesk",
      jobId: "ft-helpdesk-lora",
      outputModelName: "emulator-user/Qwen3-0.6B-helpdesk-lora-abc123",
      estimatedPriceUsd: 1.25,
      hourlyPriceUsd: 3.36,
    });
  });

  it("takes model, hardware and both caps from stack config", async () => {
    const run = await runProgram(program, {
      project,
      config: {
        model: "Qwen/Qwen3-1.7B",
        hardware: "1x_nvidia_a100_80gb_sxm",
        maxPriceUsd: "2.5",
        maxHourlyPriceUsd: "3",
      },
    });
    expect(run.byName("helpdesk-lora").inputs).toMatchObject({ model: "Qwen/Qwen3-1.7B", maxPriceUsd: 2.5 });
    expect(run.byName("helpdesk").inputs).toMatchObject({
      hardware: "1x_nvidia_a100_80gb_sxm",
      maxHourlyPriceUsd: 3,
    });
  });
});
