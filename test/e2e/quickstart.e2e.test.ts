// The quickstart example on the real Pulumi CLI, installed from `npm pack` like a user's program:
// preview on a new stack, up, a no-change up, refresh, destroy, and what each leaves at Together.
import * as path from "node:path";
import { describeWithCli } from "./kit/cli";
import { EXAMPLES, mutatingRequests, useE2E } from "./kit/fixture";
import type { ScratchProgram } from "../../scripts/real-cli/scratch-program";

const API_KEY = "tgp-SECRET-KEY-e2e-quickstart-7c21f0";

describeWithCli("examples/quickstart on the real engine", (cli) => {
  const e2e = useE2E(cli, "quickstart", API_KEY);
  let p: ScratchProgram;
  /** Everything the CLI printed in this file, for the secrets check. */
  let printed = "";
  const pulumi = async (...args: string[]): Promise<string> => {
    const { output } = await p.pulumi(args);
    printed += output;
    return output;
  };

  beforeAll(async () => {
    p = await e2e.program("quickstart", { from: path.join(EXAMPLES, "quickstart") });
    await e2e.initStack(p, "dev");
  });

  test("preview on a new stack lists the three creates with the endpoint's hourly price, and calls nothing that changes Together", async () => {
    const out = await pulumi("preview", "--stack", "dev");
    expect(out).toMatch(/\+\s+pulumi-nodejs:dynamic\/together:TrainingFile\s+helpdesk-chats\s+create/);
    expect(out).toMatch(/\+\s+pulumi-nodejs:dynamic\/together:FineTuneJob\s+helpdesk-lora\s+create/);
    expect(out).toMatch(/\+\s+pulumi-nodejs:dynamic\/together:DedicatedEndpoint\s+helpdesk\s+create/);
    expect(out).toMatch(/DedicatedEndpoint "helpdesk": 1x_nvidia_h100_80gb_sxm costs \$3\.36\/h per replica/);
    // The dataset is not uploaded yet: the job is priced from its local tokens.
    expect(out).toMatch(
      /FineTuneJob "helpdesk-lora": ≈ \$0\.0\d+ \(local estimate: [\d,]+ tokens × 3 epochs at up to 16B, LoRA SFT, \$0\.48\/M tokens from the shipped rate table; counted in helpdesk-chats\.jsonl by qwen3 tokenizer, all 30 lines;/,
    );
    expect(out).toMatch(/\+ 4 to create/);
    expect(mutatingRequests(e2e.emu)).toEqual([]);
    expect(e2e.emu.summary()).toMatchObject({ filesCreated: 0, jobsCreated: 0, endpointsCreated: 0 });
  });

  test("up creates all three; stack output gives the model name for inference", async () => {
    const out = await pulumi("up", "--yes", "--stack", "dev");
    expect(out).toMatch(/\+ 4 created/);
    const outputs = await p.outputs("dev");
    expect(outputs.jobId).toMatch(/^ft-/);
    expect(outputs.outputModelName).toMatch(/^emulator-user\/Qwen3-0\.6B-/);
    expect(outputs.endpointName).toEqual(expect.stringContaining(outputs.outputModelName as string));
    expect(outputs.hourlyPriceUsd).toBe(3.36);
    expect(outputs.estimatedPriceUsd).toBeGreaterThan(0);
    const endpoint = e2e.emu.store.endpoints.get(outputs.endpointId as string);
    expect(endpoint).toMatchObject({ model: outputs.outputModelName, hardware: "1x_nvidia_h100_80gb_sxm" });
    expect(e2e.emu.summary()).toMatchObject({
      filesLive: 1,
      jobsCreated: 1,
      jobsActive: 0,
      endpointsLive: 1,
    });
  });

  test("a second up reports no changes and sends Together nothing that changes anything", async () => {
    const before = e2e.emu.requests.length;
    const out = await pulumi("up", "--yes", "--stack", "dev");
    expect(out).toMatch(/4 unchanged/);
    expect(out).not.toMatch(/created|updated|replaced|deleted/);
    expect(mutatingRequests(e2e.emu, before)).toEqual([]);
    await pulumi("preview", "--expect-no-changes", "--stack", "dev");
  });

  test("refresh reports no changes", async () => {
    const before = e2e.emu.requests.length;
    const out = await pulumi("refresh", "--yes", "--expect-no-changes", "--stack", "dev");
    expect(out).toMatch(/4 unchanged/);
    expect(mutatingRequests(e2e.emu, before)).toEqual([]);
  });

  test("the API key is in no exported state, CLI output or request log", async () => {
    const exported = JSON.stringify(await p.exportState("dev"));
    expect(exported).toContain("together:apiKey");
    expect(exported).not.toContain(API_KEY);
    expect(printed).not.toContain(API_KEY);
    expect(JSON.stringify(e2e.emu.requests)).not.toContain(API_KEY);
  });

  test("destroy deletes everything and nothing is left live or billing", async () => {
    const out = await pulumi("destroy", "--yes", "--stack", "dev");
    expect(out).toMatch(/- 4 deleted/);
    expect(e2e.emu.summary()).toMatchObject({
      filesLive: 0,
      jobsActive: 0,
      endpointsLive: 0,
      endpointsBilling: 0,
    });
    expect((await p.exportState("dev")).deployment.resources ?? []).toEqual([]);
  });
});
