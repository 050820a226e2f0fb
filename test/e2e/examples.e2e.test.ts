// Every example in examples/ on the real Pulumi CLI, copied and installed from `npm pack` like a user's
// program: `up` with the config its README asks for, then `destroy`, after which nothing the example
// made is live or billing at Together. per-branch runs two stacks (prod and a branch) on one backend;
// byom and dpo carry a secret (Hugging Face token, W&B key) that must not surface in exported state, CLI
// output or the request log. quickstart and per-branch run again, unchanged, with together:projectId set: their
// endpoints then serve on Together's v2 platform (endpoint + deployment) and destroy leaves nothing there either.
// quickstart's longer scenario is in quickstart.e2e.test.ts, the v2 lifecycle in endpoint-v2.e2e.test.ts.
import * as path from "node:path";
import { TERMINAL_STATUSES, jobStatus } from "../../emulator/job-timeline";
import { isBilling } from "../../emulator/endpoint-state";
import { deploymentState, isBillingDeployment } from "../../emulator/v2-deployment-state";
import { describeWithCli } from "./kit/cli";
import { EXAMPLES, useE2E, type E2EContext } from "./kit/fixture";
import { resourcesByName, type ScratchProgram } from "../../scripts/real-cli/scratch-program";

const API_KEY = "tgp-SECRET-KEY-e2e-examples-5d7e21";
const HF_TOKEN = "hf_e2eSecretToken9f3b1c7a";
const WANDB_KEY = "wandb-e2e-secret-key-4c81d0e2a7";

type Leftovers = {
  filesLive: number;
  jobsActive: number;
  endpointsLive: number;
  endpointsBilling: number;
  v2EndpointsLive: number;
  deploymentsLive: number;
  deploymentsBilling: number;
};

/** What was at the emulator before an example started, so its own objects can be told apart. */
function mark(e2e: E2EContext) {
  const { store } = e2e.emu;
  return {
    requests: e2e.emu.requests.length,
    files: new Set(store.files.keys()),
    jobs: new Set(store.jobs.keys()),
    endpoints: new Set(store.endpoints.keys()),
    v2Endpoints: new Set(e2e.emu.v2.endpoints.keys()),
    deployments: new Set(e2e.emu.v2.deployments.keys()),
  };
}

/** The example's own objects (made after `before`) that are still live, running or billing. */
function leftovers(e2e: E2EContext, before: ReturnType<typeof mark>): Leftovers {
  const { store, clock } = e2e.emu;
  const now = clock.now();
  const files = [...store.files.values()].filter((f) => !before.files.has(f.id));
  const jobs = [...store.jobs.values()].filter((j) => !before.jobs.has(j.id));
  const endpoints = [...store.endpoints.values()].filter((e) => !before.endpoints.has(e.id));
  const v2Endpoints = [...e2e.emu.v2.endpoints.values()].filter((e) => !before.v2Endpoints.has(e.id));
  const deployments = [...e2e.emu.v2.deployments.values()].filter((d) => !before.deployments.has(d.id));
  expect(files.length + jobs.length + endpoints.length).toBeGreaterThan(0);
  return {
    filesLive: files.filter((f) => !f.deleted).length,
    jobsActive: jobs.filter((j) => !TERMINAL_STATUSES.has(jobStatus(j, now))).length,
    endpointsLive: endpoints.filter((e) => !e.deleted).length,
    endpointsBilling: endpoints.filter((e) => isBilling(e, now)).length,
    v2EndpointsLive: v2Endpoints.filter((e) => !e.deleted).length,
    deploymentsLive: deployments.filter((d) => !d.deleted).length,
    deploymentsBilling: deployments.filter((d) => isBillingDeployment(d, now)).length,
  };
}

const NOTHING_LEFT: Leftovers = {
  filesLive: 0,
  jobsActive: 0,
  endpointsLive: 0,
  endpointsBilling: 0,
  v2EndpointsLive: 0,
  deploymentsLive: 0,
  deploymentsBilling: 0,
};

describeWithCli("every example: up and destroy on the real engine", (cli) => {
  const e2e = useE2E(cli, "examples", API_KEY);
  /** Job creates (not price estimates) from request `since` on. */
  const jobPosts = (since: number) =>
    e2e.emu.requests.slice(since).filter((r) => r.method === "POST" && r.path === "/v1/fine-tunes");

  /** One example copied into its own scratch program (`dir` under this file's root), and everything the CLI
   *  printed for it. */
  function example(name: string, dir = name) {
    const ex = {
      p: undefined as unknown as ScratchProgram,
      printed: "",
      before: undefined as unknown as ReturnType<typeof mark>,
      async pulumi(...args: string[]): Promise<string> {
        const { output } = await ex.p.pulumi(args);
        ex.printed += output;
        return output;
      },
      async setUp(stack: string, config: Record<string, string> = {}, secrets: Record<string, string> = {}) {
        ex.before = mark(e2e);
        ex.p = await e2e.program(dir, { from: path.join(EXAMPLES, name) });
        await e2e.initStack(ex.p, stack, config, secrets);
      },
    };
    return ex;
  }

  describe("quickstart", () => {
    const ex = example("quickstart");
    test("up creates the dataset, the job and a serving endpoint", async () => {
      await ex.setUp("dev");
      expect(await ex.pulumi("up", "--yes", "--stack", "dev")).toMatch(/\+ 4 created/);
      const out = await ex.p.outputs("dev");
      expect(e2e.emu.store.liveEndpoint(out.endpointId as string)).toMatchObject({
        model: out.outputModelName,
      });
    });
    test("destroy leaves nothing live or billing", async () => {
      expect(await ex.pulumi("destroy", "--yes", "--stack", "dev")).toMatch(/- 4 deleted/);
      expect(leftovers(e2e, ex.before)).toEqual(NOTHING_LEFT);
    });
  });

  describe("per-branch: prod and a branch stack on one backend", () => {
    const ex = example("per-branch");
    const BRANCH = "br-feature-x";
    test("up of prod and of the branch: each stack its own job and endpoint, the branch's stopped on small hardware", async () => {
      await ex.setUp("prod");
      await e2e.initStack(ex.p, BRANCH);
      expect(await ex.pulumi("up", "--yes", "--stack", "prod")).toMatch(/\+ 4 created/);
      expect(await ex.pulumi("up", "--yes", "--stack", BRANCH)).toMatch(/\+ 4 created/);
      const stacks = (await ex.p.pulumi(["stack", "ls"])).stdout;
      expect(stacks).toContain("prod");
      expect(stacks).toContain(BRANCH);
      const prod = await ex.p.outputs("prod");
      const branch = await ex.p.outputs(BRANCH);
      expect(prod.jobId).not.toEqual(branch.jobId);
      expect(e2e.emu.store.liveEndpoint(prod.endpointId as string)).toMatchObject({
        hardware: "1x_nvidia_h100_80gb_sxm",
        displayName: "release-notes-prod",
        autoscaling: { min_replicas: 1, max_replicas: 2 },
        model: prod.outputModelName,
      });
      expect(prod.endpointState).toBe("STARTED");
      expect(e2e.emu.store.liveEndpoint(branch.endpointId as string)).toMatchObject({
        hardware: "1x_nvidia_l40s_48gb_pcie",
        displayName: `release-notes-${BRANCH}`,
        model: branch.outputModelName,
      });
      expect(branch.endpointState).toBe("STOPPED");
      expect(e2e.emu.store.jobs.get(prod.jobId as string)).toMatchObject({ nEpochs: 3, suffix: "rn-prod" });
      expect(e2e.emu.store.jobs.get(branch.jobId as string)).toMatchObject({
        nEpochs: 1,
        suffix: `rn-${BRANCH}`,
      });
    });
    test("destroying the branch leaves prod serving; destroying prod leaves nothing", async () => {
      const prod = await ex.p.outputs("prod");
      expect(await ex.pulumi("destroy", "--yes", "--stack", BRANCH)).toMatch(/- 4 deleted/);
      expect(e2e.emu.store.liveEndpoint(prod.endpointId as string)).toBeDefined();
      expect(leftovers(e2e, ex.before)).toMatchObject({
        endpointsLive: 1,
        endpointsBilling: 1,
        filesLive: 1,
      });
      expect(await ex.pulumi("destroy", "--yes", "--stack", "prod")).toMatch(/- 4 deleted/);
      expect(leftovers(e2e, ex.before)).toEqual(NOTHING_LEFT);
    });
  });

  describe("dpo, with a W&B key as a secret", () => {
    const ex = example("dpo");
    test("up trains with DPO and sends the W&B key to Together, which never shows it", async () => {
      await ex.setUp("dev", {}, { wandbApiKey: WANDB_KEY });
      expect(await ex.pulumi("up", "--yes", "--stack", "dev")).toMatch(/\+ 3 created/);
      const out = await ex.p.outputs("dev");
      expect(e2e.emu.store.jobs.get(out.jobId as string)).toMatchObject({ method: "dpo" });
      const posts = jobPosts(ex.before.requests);
      expect(posts).toHaveLength(1);
      expect(posts[0]!.body).toMatchObject({ wandb_api_key: "***" });
    });
    test("the W&B key is in no export, CLI output or request log", async () => {
      const exported = JSON.stringify(await ex.p.exportState("dev"));
      expect(exported).toContain("wandbApiKey");
      const job = resourcesByName(JSON.parse(exported)).get("tone-dpo")!;
      expect(job.inputs?.wandb).toHaveProperty("ciphertext");
      for (const text of [exported, ex.printed, JSON.stringify(e2e.emu.requests)]) {
        expect(text).not.toContain(WANDB_KEY);
      }
    });
    test("destroy leaves nothing live or billing", async () => {
      expect(await ex.pulumi("destroy", "--yes", "--stack", "dev")).toMatch(/- 3 deleted/);
      expect(ex.printed).not.toContain(WANDB_KEY);
      expect(leftovers(e2e, ex.before)).toEqual(NOTHING_LEFT);
    });
  });

  describe("byom, with a Hugging Face token as a secret", () => {
    const ex = example("byom");
    test("up trains the Hugging Face model with the token sent to Together", async () => {
      await ex.setUp("dev", { hfModel: "e2e-org/qwen3-0.6b-sql" }, { hfApiToken: HF_TOKEN });
      expect(await ex.pulumi("up", "--yes", "--stack", "dev")).toMatch(/\+ 3 created/);
      const out = await ex.p.outputs("dev");
      expect(out.jobId).toMatch(/^ft-/);
      const posts = jobPosts(ex.before.requests);
      expect(posts).toHaveLength(1);
      expect(posts[0]!.body).toMatchObject({ from_hf_model: "e2e-org/qwen3-0.6b-sql", hf_api_token: "***" });
    });
    test("the token is in no export, CLI output or request log", async () => {
      const exported = JSON.stringify(await ex.p.exportState("dev"));
      expect(exported).toContain("hfApiToken");
      const job = resourcesByName(JSON.parse(exported)).get("sql-byom")!;
      expect(job.inputs?.hfApiToken).toHaveProperty("ciphertext");
      for (const text of [exported, ex.printed, JSON.stringify(e2e.emu.requests)]) {
        expect(text).not.toContain(HF_TOKEN);
      }
    });
    test("destroy leaves nothing live or billing", async () => {
      expect(await ex.pulumi("destroy", "--yes", "--stack", "dev")).toMatch(/- 3 deleted/);
      expect(ex.printed).not.toContain(HF_TOKEN);
      expect(leftovers(e2e, ex.before)).toEqual(NOTHING_LEFT);
    });
  });

  describe("continue-training", () => {
    const ex = example("continue-training");
    test("up trains the second stage from the first job's checkpoint", async () => {
      await ex.setUp("dev");
      expect(await ex.pulumi("up", "--yes", "--stack", "dev")).toMatch(/\+ 5 created/);
      const out = await ex.p.outputs("dev");
      expect(e2e.emu.store.jobs.get(out.followupJobId as string)).toMatchObject({
        fromCheckpoint: out.baseJobId,
      });
    });
    test("destroy leaves nothing live or billing", async () => {
      expect(await ex.pulumi("destroy", "--yes", "--stack", "dev")).toMatch(/- 5 deleted/);
      expect(leftovers(e2e, ex.before)).toEqual(NOTHING_LEFT);
    });
  });

  describe("gitops (the prod stack its workflow deploys on merge)", () => {
    const ex = example("gitops");
    test("up trains and serves on the prod hardware", async () => {
      await ex.setUp("prod");
      expect(await ex.pulumi("up", "--yes", "--stack", "prod")).toMatch(/\+ 4 created/);
      const out = await ex.p.outputs("prod");
      expect(out.endpointState).toBe("STARTED");
      expect(out.hourlyPriceUsd).toBe(3.36);
    });
    test("destroy leaves nothing live or billing", async () => {
      expect(await ex.pulumi("destroy", "--yes", "--stack", "prod")).toMatch(/- 4 deleted/);
      expect(leftovers(e2e, ex.before)).toEqual(NOTHING_LEFT);
    });
  });
  describe("on Together's v2 platform: quickstart and per-branch, unchanged, with together:projectId set", () => {
    const v1EndpointPosts = (since: number) =>
      e2e.emu.requests.slice(since).filter((r) => r.method === "POST" && r.path === "/v1/endpoints");
    /** The v2 endpoint behind a stack's `endpointId` output and its one deployment, as the emulator holds them. */
    const served = (out: Record<string, unknown>) => {
      const { v2, clock } = e2e.emu;
      const endpoint = v2.liveEndpoint(out.endpointId as string)!;
      expect(endpoint).toBeDefined();
      const [deployment, ...others] = v2.deploymentsOf(endpoint.id);
      expect(others).toEqual([]);
      expect(out.endpointName).toBe(`${v2.project.slug}/${endpoint.name}`);
      expect(endpoint.trafficSplit).toEqual([{ deploymentId: deployment!.id, weight: 1 }]);
      return {
        endpoint,
        deployment: deployment!,
        state: deploymentState(deployment!, clock.now()),
        hardware: deployment!.config.instanceType.hardwareId,
      };
    };

    describe("quickstart", () => {
      const ex = example("quickstart", "quickstart-v2");
      test("up serves the trained model on a v2 endpoint and deployment, nothing on /v1/endpoints", async () => {
        await ex.setUp("dev", { "together:projectId": e2e.emu.projectId });
        const preview = await ex.pulumi("preview", "--stack", "dev");
        expect(preview).toContain(
          `DedicatedEndpoint "helpdesk": v2 project ${e2e.emu.projectId}: 1x_nvidia_h100_80gb_sxm costs $3.36/h per replica`,
        );
        expect(await ex.pulumi("up", "--yes", "--stack", "dev")).toMatch(/\+ 4 created/);
        const out = await ex.p.outputs("dev");
        const v2 = served(out);
        expect(v2.endpoint.name).toBe("pulumi-together-quickstart-dev-helpdesk");
        expect(v2.deployment.model.name).toBe(out.outputModelName);
        expect(v2.hardware).toBe("1x_nvidia_h100_80gb_sxm");
        expect(v2.state).toBe("DEPLOYMENT_STATE_READY");
        expect(v2.deployment.autoscaling).toMatchObject({ minReplicas: 1, maxReplicas: 1 });
        expect(out.hourlyPriceUsd).toBe(3.36);
        expect(v1EndpointPosts(ex.before.requests)).toEqual([]);
        expect(leftovers(e2e, ex.before)).toMatchObject({
          endpointsLive: 0,
          v2EndpointsLive: 1,
          deploymentsBilling: 1,
        });
      });
      test("destroy leaves nothing live or billing on v2", async () => {
        expect(await ex.pulumi("destroy", "--yes", "--stack", "dev")).toMatch(/- 4 deleted/);
        expect(leftovers(e2e, ex.before)).toEqual(NOTHING_LEFT);
      });
    });

    describe("per-branch: prod and a branch stack", () => {
      const ex = example("per-branch", "per-branch-v2");
      const BRANCH = "br-feature-x";
      test("prod serves started on H100 with 1..2 replicas; the branch's deployment is created stopped (0 replicas) on L40S", async () => {
        const project = { "together:projectId": e2e.emu.projectId };
        await ex.setUp("prod", project);
        await e2e.initStack(ex.p, BRANCH, project);
        expect(await ex.pulumi("up", "--yes", "--stack", "prod")).toMatch(/\+ 4 created/);
        expect(await ex.pulumi("up", "--yes", "--stack", BRANCH)).toMatch(/\+ 4 created/);
        const prod = await ex.p.outputs("prod");
        const branch = await ex.p.outputs(BRANCH);
        const p = served(prod);
        expect(p.endpoint.name).toBe("release-notes-prod");
        expect(p).toMatchObject({ hardware: "1x_nvidia_h100_80gb_sxm", state: "DEPLOYMENT_STATE_READY" });
        expect(p.deployment.autoscaling).toMatchObject({ minReplicas: 1, maxReplicas: 2 });
        expect(p.deployment.model.name).toBe(prod.outputModelName);
        expect(prod).toMatchObject({ endpointState: "STARTED", hourlyPriceUsd: 6.72 });
        const b = served(branch);
        expect(b.endpoint.name).toBe(`release-notes-${BRANCH}`);
        expect(b).toMatchObject({ hardware: "1x_nvidia_l40s_48gb_pcie", state: "DEPLOYMENT_STATE_STOPPED" });
        expect(b.deployment.autoscaling).toMatchObject({ minReplicas: 0, maxReplicas: 0 });
        expect(b.deployment.model.name).toBe(branch.outputModelName);
        expect(branch.endpointState).toBe("STOPPED");
        expect(isBillingDeployment(b.deployment, e2e.emu.clock.now())).toBe(false);
        expect(v1EndpointPosts(ex.before.requests)).toEqual([]);
      });
      test("destroying the branch leaves prod serving; destroying prod leaves nothing live or billing on v2", async () => {
        const prod = await ex.p.outputs("prod");
        expect(await ex.pulumi("destroy", "--yes", "--stack", BRANCH)).toMatch(/- 4 deleted/);
        expect(served(prod).state).toBe("DEPLOYMENT_STATE_READY");
        expect(leftovers(e2e, ex.before)).toMatchObject({
          v2EndpointsLive: 1,
          deploymentsBilling: 1,
          filesLive: 1,
        });
        expect(await ex.pulumi("destroy", "--yes", "--stack", "prod")).toMatch(/- 4 deleted/);
        expect(leftovers(e2e, ex.before)).toEqual(NOTHING_LEFT);
      });
    });
  });
});
