// Recovery from Together itself, and stacks kept apart (GitOps: ephemeral runners, one stack per branch, several
// at once, one Together account). A runner killed mid-create takes its create journal with it: the next runner,
// with the same state backend and an empty journal, must find what the dead one made from what Together reports.
// Two stacks with identical inputs must each own their own objects, whether they share a machine (one journal
// folder) or not, and whether or not they were killed mid-wait.
import * as path from "node:path";
import { FineTuneJob, TrainingFile } from "../../sdk";
import { deploymentState } from "../../emulator/v2-deployment-state";
import {
  expectConverged,
  expectConvergedV2,
  faultFixture,
  killProviderWhen,
  type FaultFixture,
  type Program,
  type Scenario,
} from "./fault-stack";
import type { RunResult } from "../../testing/harness";

let fx: FaultFixture;
beforeAll(async () => {
  fx = await faultFixture("recovery");
});
afterAll(() => fx.close());

/** Objects of this scenario (and, for a group's first, of the group) that Together still holds. */
function live(s: Scenario): { files: string[]; jobs: string[]; endpoints: string[] } {
  const store = fx.emulator.store;
  const c = s.created();
  return {
    files: c.files.filter((id) => store.files.get(id)?.deleted === false),
    jobs: c.jobs.filter((id) => store.jobs.get(id)?.deleted === false),
    endpoints: c.endpoints.filter((id) => store.endpoints.get(id)?.deleted === false),
  };
}

/** Runs the ups of `ss` (one scenario, or stacks the real CLI could run at once) and kills their providers once
 *  `when` holds; each up must fail. */
async function killAllWhen(ss: Scenario[], when: () => boolean): Promise<void> {
  const ups = ss.map((s) =>
    s.up().then(
      () => undefined,
      (e: unknown) => e as Error,
    ),
  );
  await killProviderWhen(when);
  for (const err of await Promise.all(ups)) expect(err).toBeInstanceOf(Error);
}

/** This scenario's upload is being held by the latency fault (requests before `since` are earlier scenarios'). */
const uploadHeld = (since: number): boolean =>
  fx.emulator.requests
    .slice(since)
    .some((r) => r.fault === "latency" && r.path.startsWith("/_uploads/file-"));

const jobRunning = (s: Scenario): boolean => s.created().jobs.some((id) => s.jobStatus(id) === "running");

describe("a runner killed mid-create, then a fresh runner (empty journal, same state)", () => {
  it("killed during the upload: the cut-off file is deleted and the dataset uploaded once more", async () => {
    await fx.scenario(
      "new-runner-upload",
      async (s) => {
        const since = fx.emulator.requests.length;
        fx.emulator.faults.add({
          method: "PUT",
          path: /^\/_uploads\/file-/,
          action: { type: "latency", ms: 5_000 },
        });
        await killAllWhen([s], () => uploadHeld(since));
        expect(s.created().files).toHaveLength(1);
        s.onNewRunner();
      },
      {
        // Bytes cut off mid-upload cannot be resumed: a second upload is the one legitimate extra file.
        expected: { files: 2, jobs: 1, endpoints: 1 },
        converged: (s, up) => {
          expectConverged(s, up);
          expect(live(s).files).toHaveLength(1);
          expect(up.providerLog).toMatch(
            /deleting file-\S+, an upload of .* an interrupted earlier run left incomplete/,
          );
        },
      },
    );
  });

  it("killed during the upload, re-run on the same runner (its journal present): one live file in the end", async () => {
    await fx.scenario(
      "same-runner-upload",
      async (s) => {
        const since = fx.emulator.requests.length;
        fx.emulator.faults.add({
          method: "PUT",
          path: /^\/_uploads\/file-/,
          action: { type: "latency", ms: 5_000 },
        });
        await killAllWhen([s], () => uploadHeld(since));
      },
      {
        expected: { files: 2, jobs: 1, endpoints: 1 },
        converged: (s, up) => {
          expectConverged(s, up);
          expect(live(s).files).toHaveLength(1);
        },
      },
    );
  });

  it("killed while the job trains: the fresh runner adopts the job from Together", async () => {
    await fx.scenario(
      "new-runner-job",
      async (s) => {
        fx.emulator.control.setJobDurations({ msPer1kTokens: 50_000 });
        await killAllWhen([s], () => jobRunning(s));
        fx.emulator.control.setJobDurations({ msPer1kTokens: 200 });
        s.onNewRunner();
      },
      {
        injectsFaults: false,
        converged: (s, up) => {
          expectConverged(s, up);
          expect(up.providerLog).toMatch(
            /FineTuneJob "helpdesk-lora": adopting ft-\S+ created by an interrupted earlier run \(found on Together/,
          );
        },
      },
    );
  });

  it("killed while the endpoint starts: the fresh runner adopts the endpoint from Together", async () => {
    await fx.scenario(
      "new-runner-endpoint",
      async (s) => {
        fx.emulator.control.setEndpointStartMs(60 * 60_000);
        await killAllWhen([s], () =>
          s.created().endpoints.some((id) => ["PENDING", "STARTING"].includes(s.endpointState(id) ?? "")),
        );
        fx.emulator.control.setEndpointStartMs(180_000);
        s.onNewRunner();
      },
      {
        injectsFaults: false,
        converged: (s, up) => {
          expectConverged(s, up);
          expect(up.providerLog).toMatch(
            /DedicatedEndpoint "helpdesk": adopting \S+ created by an interrupted earlier run \(found on Together/,
          );
        },
      },
    );
  });
});

describe("on Together's v2 platform (together:projectId): a runner killed mid-create, then a fresh runner", () => {
  const v2 = () => ({ "together:projectId": fx.emulator.projectId });
  const provisioning = (s: Scenario): boolean =>
    s.createdDeployments().some((id) => {
      const d = fx.emulator.v2.deployments.get(id);
      return (
        d !== undefined && deploymentState(d, fx.emulator.clock.now()) === "DEPLOYMENT_STATE_PROVISIONING"
      );
    });
  const adopted = (s: Scenario, up: RunResult): void => {
    expectConvergedV2(s, up);
    expect(up.providerLog).toMatch(
      /DedicatedEndpoint "helpdesk": adopting ep_\S+ created by an interrupted earlier run \(found on Together/,
    );
  };

  it("killed while the deployment provisions: the endpoint and its deployment are adopted, not made again", async () => {
    await fx.scenario(
      "v2-new-runner-deployment",
      async (s) => {
        fx.emulator.control.setDeploymentTimings({ provisionMs: 60 * 60_000 });
        await killAllWhen([s], () => provisioning(s));
        fx.emulator.control.setDeploymentTimings({ provisionMs: 180_000 });
        s.onNewRunner();
      },
      {
        config: v2(),
        injectsFaults: false,
        converged: (s, up) => {
          adopted(s, up);
          expect(up.providerLog).toMatch(/reusing deployment dep_\S+ of the interrupted run/);
          expect(s.createdDeployments()).toHaveLength(1);
        },
      },
    );
  });

  it("killed between the endpoint and its deployment (the deployment request held): one of each in the end", async () => {
    await fx.scenario(
      "v2-new-runner-endpoint",
      async (s) => {
        const since = fx.emulator.requests.length;
        fx.emulator.faults.add({
          method: "POST",
          path: /^\/v2\/projects\/[^/]+\/endpoints\/[^/]+\/deployments$/,
          action: { type: "latency", ms: 3_000 },
        });
        await killAllWhen([s], () =>
          fx.emulator.requests
            .slice(since)
            .some((r) => r.fault === "latency" && r.path.endsWith("/deployments")),
        );
        expect(s.created().endpoints).toHaveLength(1);
        s.onNewRunner();
      },
      { config: v2(), converged: adopted },
    );
  });
});

describe("two stacks of one project with identical inputs, one Together account", () => {
  for (const sharedJournal of [true, false]) {
    const where = sharedJournal ? "one machine (shared HOME)" : "two machines";
    it(`deploy on ${where}: each owns its own objects; destroying one leaves the other live`, async () => {
      const names = sharedJournal ? ["pair-home-a", "pair-home-b"] : ["pair-apart-a", "pair-apart-b"];
      await fx.group(names, async () => undefined, { sharedJournal, injectsFaults: false });
    });
  }

  it("both killed while their jobs train, both re-run on fresh runners: each adopts its own job", async () => {
    await fx.group(
      ["pair-killed-a", "pair-killed-b"],
      async (ss) => {
        fx.emulator.control.setJobDurations({ msPer1kTokens: 50_000 });
        // One after the other (the harness serves one stack at a time); the group's first scenario sees every job.
        for (const s of ss) {
          const before = new Set(ss[0]!.created().jobs);
          await killAllWhen([s], () =>
            ss[0]!.created().jobs.some((id) => !before.has(id) && s.jobStatus(id) === "running"),
          );
        }
        expect(ss[0]!.created().jobs).toHaveLength(2);
        fx.emulator.control.setJobDurations({ msPer1kTokens: 200 });
        for (const s of ss) s.onNewRunner();
      },
      { sharedJournal: true, injectsFaults: false },
    );
  });
});

describe("one stack, several resources with identical inputs, created in parallel", () => {
  /** One dataset, two jobs sending the very same request (same file, same explicit suffix). */
  const twins: Program = () => {
    const data = new TrainingFile("data", {
      source: path.join(__dirname, "../../examples/quickstart/data/helpdesk-chats.jsonl"),
    });
    const args = {
      model: "Qwen/Qwen3-0.6B",
      trainingFile: data.fileId,
      suffix: "twin",
      trainingType: { type: "lora" as const, loraR: 8 },
    };
    const a = new FineTuneJob("twin-a", args);
    const b = new FineTuneJob("twin-b", args);
    return { a: a.jobId, b: b.jobId };
  };
  const twinsConverged = (s: Scenario, up: RunResult): void => {
    expect(up.outputs.a).not.toBe(up.outputs.b);
    expect(s.jobStatus(up.outputs.a as string)).toBe("completed");
    expect(s.jobStatus(up.outputs.b as string)).toBe("completed");
  };

  it("get one job each, and after a kill mid-training a fresh runner gives each its own job back", async () => {
    await fx.scenario(
      "twins",
      async (s) => {
        fx.emulator.control.setJobDurations({ msPer1kTokens: 50_000 });
        await killAllWhen(
          [s],
          () => s.created().jobs.filter((id) => s.jobStatus(id) === "running").length === 2,
        );
        fx.emulator.control.setJobDurations({ msPer1kTokens: 200 });
        s.onNewRunner();
      },
      {
        program: twins,
        injectsFaults: false,
        expected: { files: 1, jobs: 2, endpoints: 0 },
        converged: twinsConverged,
      },
    );
  });
});
