import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { exampleProgram, runProgram, TYPE_PREFIX } from "./mock-program";

const program = exampleProgram("gitops");
const project = "pulumi-together-gitops";
const workflowPath = path.join(__dirname, "../../examples/gitops/.github/workflows/pulumi.yml");

describe("examples/gitops (mocks)", () => {
  it("serves prod and keeps branch stacks stopped on the smallest hardware", async () => {
    const prod = await runProgram(program, { project, stack: "prod" });
    expect(prod.resources.map((r) => r.type)).toEqual([
      `${TYPE_PREFIX}TrainingFile`,
      `${TYPE_PREFIX}FineTuneJob`,
      `${TYPE_PREFIX}DedicatedEndpoint`,
    ]);
    const job = prod.byName("eta-replies-lora");
    expect(job.inputs.trainingFile).toBe(prod.byName("eta-replies-dataset").state.fileId);
    expect(prod.ofKind("DedicatedEndpoint")[0]!.inputs).toMatchObject({
      model: job.state.outputModelName,
      hardware: "1x_nvidia_h100_80gb_sxm",
      state: "STARTED",
      maxHourlyPriceUsd: 4,
    });
    const branch = await runProgram(program, { project, stack: "br-fix-typo" });
    expect(branch.ofKind("DedicatedEndpoint")[0]!.inputs).toMatchObject({
      hardware: "1x_nvidia_l40s_48gb_pcie",
      state: "STOPPED",
      inactiveTimeoutMinutes: 15,
    });
    expect(branch.byName("eta-replies-lora").inputs.maxPriceUsd).toBe(5);
  });

  describe("workflow", () => {
    const wf = parse(fs.readFileSync(workflowPath, "utf8"));
    const steps = (job: string): string => JSON.stringify(wf.jobs[job].steps);

    it("runs on pull requests, pushes and branch deletion", () => {
      expect(Object.keys(wf.on)).toEqual(["pull_request", "push", "delete"]);
      expect(wf.permissions["pull-requests"]).toBe("write");
    });

    it("previews prod on pull requests, comments the result and fails on a failed preview", () => {
      expect(wf.jobs.preview.if).toContain("pull_request");
      expect(steps("preview")).toContain("pulumi preview --stack");
      expect(steps("preview")).toMatch(/createComment|updateComment/);
      const gate = wf.jobs.preview.steps.find(
        (s: { name?: string }) => s.name === "Fail when the preview failed",
      );
      expect(gate.if).toBe("steps.preview.outputs.status != '0'");
    });

    it("posts the cost report of the JSON preview (unchanged resources listed) as the comment body", () => {
      const run = wf.jobs.preview.steps.find((s: { id?: string }) => s.id === "preview").run as string;
      expect(run).toMatch(/pulumi preview --stack "\$PROD_STACK" --json --show-sames .*> preview\.json/);
      expect(run).toContain("npx pulumi-together cost-report preview.json > cost-report.md");
      const comment = wf.jobs.preview.steps.find((s: { uses?: string }) =>
        s.uses?.startsWith("actions/github-script"),
      );
      expect(comment.with.script).toContain('fs.readFileSync("cost-report.md", "utf8")');
    });

    it("runs up on main, a per-branch stack on other pushes, and destroys + removes it on delete", () => {
      expect(wf.jobs["up-prod"].if).toContain("refs/heads/main");
      expect(steps("up-prod")).toContain("pulumi up --stack");
      expect(steps("up-branch")).toContain("pulumi stack init");
      expect(steps("up-branch")).toContain("pulumi up --stack");
      expect(wf.jobs["destroy-branch"].if).toContain("github.event_name == 'delete'");
      expect(steps("destroy-branch")).toContain("pulumi destroy --stack");
      expect(steps("destroy-branch")).toContain("pulumi stack rm");
    });
  });
});
