import * as fs from "node:fs";
import * as path from "node:path";
import { HARDWARE } from "../../emulator/catalog";
import { tokenRate } from "../../provider/catalog/fine-tuning-rates";
import { exampleProgram, runProgram, TYPE_PREFIX } from "./mock-program";

const program = exampleProgram("quickstart");
const project = "pulumi-together-quickstart";
const dataset = path.resolve(__dirname, "../../examples/quickstart/data/helpdesk-chats.jsonl");

/** The hardware's hourly price for one replica, from the emulator's catalogue entry. */
function catalogueHourlyUsd(hardware: string): number {
  const hw = HARDWARE.find((h) => h.id === hardware);
  if (hw === undefined) throw new Error(`${hardware} is not in the emulator's catalogue`);
  return (hw.centsPerMinute * 60) / 100;
}

/** A LoRA SFT job's price from the provider's rate table: a token per four bytes of the dataset, per epoch. */
function rateTableJobUsd(model: string, nEpochs: number): number {
  const tokens = Math.ceil(fs.statSync(dataset).size / 4) * nEpochs;
  return tokens * tokenRate(model, "sft", "lora").usdPerToken;
}

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

    expect(file.inputs.source).toBe(dataset);
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
      estimatedPriceUsd: expect.any(Number),
      hourlyPriceUsd: expect.any(Number),
    });
    // The prices are the emulator's (the mock prices from its catalogue), checked against the provider's
    // rate table for 3 LoRA epochs of Qwen3-0.6B on the dataset, and the H100 catalogue entry.
    expect(run.outputs.estimatedPriceUsd).toBeCloseTo(rateTableJobUsd("Qwen/Qwen3-0.6B", 3), 6);
    expect(run.outputs.hourlyPriceUsd).toBeCloseTo(catalogueHourlyUsd("1x_nvidia_h100_80gb_sxm"), 4);
    // Both caps of the quickstart's defaults hold for these prices.
    expect(run.outputs.estimatedPriceUsd as number).toBeLessThanOrEqual(5);
    expect(run.outputs.hourlyPriceUsd as number).toBeLessThanOrEqual(4);
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
    // The exported prices follow the configured model and hardware.
    expect(run.outputs.estimatedPriceUsd).toBeCloseTo(rateTableJobUsd("Qwen/Qwen3-1.7B", 3), 6);
    expect(run.outputs.hourlyPriceUsd).toBeCloseTo(catalogueHourlyUsd("1x_nvidia_a100_80gb_sxm"), 4);
  });
});
