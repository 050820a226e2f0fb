import { exampleProgram } from "./mock-program";
import { exampleStack, opsOf, type ExampleStack } from "./lifecycle-run";

const program = exampleProgram("per-branch");
let s: ExampleStack;

beforeAll(async () => {
  s = await exampleStack({ project: "pulumi-together-per-branch", stack: "br-feature-login" });
});
afterAll(() => s.close());

describe("examples/per-branch through the lifecycle harness and the emulator", () => {
  it("gives a branch stack a stopped endpoint that never bills, stable across ups, then destroys it", async () => {
    const preview = await s.harness.preview(program, s.run);
    expect(opsOf(preview).map(([, op]) => op)).toEqual([
      "create(preview)",
      "create(preview)",
      "create(preview)",
    ]);

    const up = await s.harness.up(program, s.run);
    expect(opsOf(up)).toEqual([
      ["TrainingFile", "create"],
      ["FineTuneJob", "create"],
      ["DedicatedEndpoint", "create"],
    ]);
    expect(up.outputs).toMatchObject({ stack: "br-feature-login", endpointState: "STOPPED" });
    expect(up.outputs.outputModelName).toMatch(/-rn-br-feature-login-/);
    expect(up.outputs.hourlyPriceUsd).toBeCloseTo(2.1, 2);
    const endpoint = s.emulator.store.endpoints.get(up.outputs.endpointId as string);
    expect(endpoint).toMatchObject({
      hardware: "1x_nvidia_l40s_48gb_pcie",
      displayName: "release-notes-br-feature-login",
      inactiveTimeout: 15,
      model: up.outputs.outputModelName,
    });
    expect(s.emulator.summary()).toMatchObject({ endpointsLive: 1, endpointsBilling: 0, jobsActive: 0 });

    const again = await s.harness.up(program, s.run);
    expect(opsOf(again).map(([, op]) => op)).toEqual(["same", "same", "same"]);
    expect(again.outputs).toEqual(up.outputs);

    const down = await s.harness.destroy(s.run);
    expect(opsOf(down).map(([, op]) => op)).toEqual(["delete", "delete", "delete"]);
    expect(s.emulator.summary()).toMatchObject({
      filesLive: 0,
      jobsActive: 0,
      endpointsLive: 0,
      endpointsBilling: 0,
    });
    expect(s.harness.state().resources).toEqual([]);
  });
});
