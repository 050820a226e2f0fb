import { exampleProgram } from "./mock-program";
import { exampleStack, opsOf, type ExampleStack } from "./lifecycle-run";

const program = exampleProgram("quickstart");
let s: ExampleStack;

beforeAll(async () => {
  s = await exampleStack({ project: "pulumi-together-quickstart", stack: "dev" });
});
afterAll(() => s.close());

describe("examples/quickstart through the lifecycle harness and the emulator", () => {
  it("previews, creates all three, changes nothing on a second up, and destroys everything", async () => {
    const preview = await s.harness.preview(program, s.run);
    expect(opsOf(preview)).toEqual([
      ["TrainingFile", "create(preview)"],
      ["FineTuneJob", "create(preview)"],
      ["DedicatedEndpoint", "create(preview)"],
    ]);
    expect(s.emulator.summary()).toMatchObject({ filesCreated: 0, jobsCreated: 0, endpointsCreated: 0 });

    const up = await s.harness.up(program, s.run);
    expect(opsOf(up)).toEqual([
      ["TrainingFile", "create"],
      ["FineTuneJob", "create"],
      ["DedicatedEndpoint", "create"],
    ]);
    const out = up.outputs;
    expect(out.jobId).toMatch(/^ft-/);
    expect(out.outputModelName).toMatch(/^emulator-user\/Qwen3-0\.6B-/);
    expect(out.endpointId).toMatch(/^endpoint-/);
    expect(out.endpointName).toMatch(/^emulator-user\/Qwen3-0\.6B-.*-[0-9a-f]{8}$/);
    expect(out.estimatedPriceUsd).toBeGreaterThan(0);
    expect(out.hourlyPriceUsd).toBeCloseTo(3.36, 2);
    const endpoint = s.emulator.store.endpoints.get(out.endpointId as string);
    expect(endpoint).toMatchObject({ model: out.outputModelName, hardware: "1x_nvidia_h100_80gb_sxm" });
    expect(s.emulator.summary()).toMatchObject({
      filesLive: 1,
      jobsCreated: 1,
      jobsActive: 0,
      endpointsLive: 1,
    });

    const again = await s.harness.up(program, s.run);
    expect(opsOf(again).map(([, op]) => op)).toEqual(["same", "same", "same"]);
    expect(again.outputs).toEqual(out);
    expect(s.emulator.summary()).toMatchObject({ filesCreated: 1, jobsCreated: 1, endpointsCreated: 1 });

    const down = await s.harness.destroy(s.run);
    expect(opsOf(down)).toEqual([
      ["DedicatedEndpoint", "delete"],
      ["FineTuneJob", "delete"],
      ["TrainingFile", "delete"],
    ]);
    expect(s.emulator.summary()).toMatchObject({
      filesLive: 0,
      jobsActive: 0,
      endpointsLive: 0,
      endpointsBilling: 0,
    });
    expect(s.harness.state().resources).toEqual([]);
  });
});
