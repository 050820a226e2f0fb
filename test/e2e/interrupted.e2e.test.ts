// An `up` killed outright while the provider waits on a fine-tune job, and separately while it waits on an
// endpoint: SIGKILL to the process group of the CLI and the program runner, as a cancelled CI job or `kill -9`
// does. What the real engine (v3.276.0) does then, and what these tests pin:
// - the dynamic-provider process is not in that group (the engine starts plugins with Setpgid) and nothing
//   kills it; the provider must notice its engine is gone and exit (provider/shared/engine-watch.ts), or it
//   lingers (measured before the fix: spinning at 100% CPU on EPIPE, for good);
// - the killed CLI leaves its lock in the file backend: the next `up` refuses to run until `pulumi cancel`;
// - the stack keeps a pending CREATE; the next `up` warns of it and calls create again, and the provider must
//   adopt what the killed run made (one job, one endpoint, never a second one billing);
// - the engine carries that pending CREATE into every later snapshot (destroy included) until
//   `pulumi refresh --clear-pending-creates`.
import * as fs from "node:fs";
import * as path from "node:path";
import { describeWithCli } from "./kit/cli";
import { useE2E } from "./kit/fixture";
import type { CommandResult, ScratchProgram, StackExport } from "../../scripts/real-cli/scratch-program";
import {
  HOUR_MS,
  TRAIN_JSONL,
  activeJobs,
  billingEndpoints,
  idsOf,
  liveIds,
  madeSince,
  processesIn,
  requestsTo,
  stateOf,
  until,
  FILE_JOB_ENDPOINT_PROGRAM,
} from "./kit/behind-pulumi";

const API_KEY = "tgp-SECRET-KEY-e2e-interrupted-5d93aa";
const TYPE = "pulumi-nodejs:dynamic/together";

const PROGRAM = FILE_JOB_ENDPOINT_PROGRAM;

/** The warning the engine prints on an `up` that finds pending operations (pkg/resource/deploy/deployment_executor.go). */
const PENDING_WARNING =
  /warning: Attempting to deploy or update resources with 1 pending operations from previous deployment\./;

describeWithCli("an up killed mid-wait, then run again, on the real engine", (cli) => {
  const e2e = useE2E(cli, "interrupted", API_KEY);
  let p: ScratchProgram;

  beforeAll(async () => {
    p = await e2e.program("interrupted", { files: { "index.ts": PROGRAM, "train.jsonl": TRAIN_JSONL } });
    // A failing test must not leave an endpoint billing: unlock (a killed run holds the lock) and destroy.
    e2e.onCleanup(async () => {
      for (const stack of ["job-kill", "endpoint-kill", "new-runner"]) {
        const left = await p.exportState(stack).catch(() => undefined);
        if (!left?.deployment.resources?.length) continue;
        await p.pulumi(["cancel", "--yes", "--stack", stack], { allowFailure: true });
        await p.pulumi(["destroy", "--yes", "--stack", stack], { allowFailure: true });
      }
    });
  });

  afterEach(() => {
    // The emulator is shared by the tests of this file: undo what a test slowed down, even when it failed.
    e2e.emu.control.setJobDurations({ queuedMs: 60_000 });
    e2e.emu.control.setEndpointStartMs(180_000);
  });

  /**
   * Starts `up`, waits until `midWait` says the provider is polling the object it created, then SIGKILLs the
   * process group of the CLI and the program runner, and checks that nothing of the run survives: the
   * dynamic-provider process, in a group of its own, must exit by itself once its engine is gone.
   */
  async function killUpWhen(stack: string, what: string, midWait: () => boolean): Promise<CommandResult> {
    const { child, done } = p.start(["up", "--yes", "--stack", stack]);
    let exited = false;
    void done.then(() => (exited = true));
    const killAll = (): void => {
      try {
        process.kill(-child.pid!, "SIGKILL");
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== "ESRCH") throw e;
      }
    };
    let endedFirst: boolean;
    try {
      await until(what, () => (midWait() || exited ? true : undefined), 90_000);
      endedFirst = exited;
    } catch (e) {
      killAll();
      throw e;
    }
    killAll();
    const result = await done;
    if (endedFirst) throw new Error(`up ended before it was killed:\n${result.output}`);
    expect(result.signal).toBe("SIGKILL");
    try {
      await until(
        "the killed run's dynamic-provider process to exit",
        () => (processesIn(p.dir).length === 0 ? true : undefined),
        30_000,
      );
    } catch (e) {
      // Never leave a lingering provider behind (it would spin, and could finish the create alone).
      for (const pid of processesIn(p.dir)) process.kill(pid, "SIGKILL");
      throw e;
    }
    return result;
  }

  /**
   * The killed CLI left its lock in the file backend: the next `up` refuses to run until `pulumi cancel` removes
   * it (the state, pending operations included, is left as it is). Then `up` runs again.
   */
  async function upAfterKill(stack: string): Promise<CommandResult> {
    const since = e2e.emu.requests.length;
    const locked = await p.pulumi(["up", "--yes", "--stack", stack], { allowFailure: true });
    expect(locked.code).not.toBe(0);
    expect(locked.output).toContain("error: the stack is currently locked by 1 lock(s).");
    expect(e2e.emu.requests.length).toBe(since);
    await p.pulumi(["cancel", "--yes", "--stack", stack]);
    return p.pulumi(["up", "--yes", "--stack", stack]);
  }

  function pendingCreates(state: StackExport): string[] {
    return (state.deployment.pending_operations ?? [])
      .filter((op) => op.type === "creating")
      .map((op) => op.resource.urn);
  }

  test("killed while waiting for the fine-tune job: the provider exits with the CLI; after `pulumi cancel` the next up warns of the pending create and adopts the job (one job, one endpoint); the warning lasts until refresh --clear-pending-creates; destroy leaves nothing", async () => {
    await e2e.initStack(p, "job-kill");
    const emu = e2e.emu;
    const jobsBefore = idsOf(emu, "jobs");
    const endpointsBefore = idsOf(emu, "endpoints");
    const filesBefore = idsOf(emu, "files");
    const since = emu.requests.length;
    // Ten emulated hours in the queue: a minute of real time, far longer than the test waits.
    emu.control.setJobDurations({ queuedMs: 10 * HOUR_MS });

    let jobId = "";
    await killUpWhen("job-kill", "the provider to poll the job it created", () => {
      jobId = madeSince(emu, "jobs", jobsBefore)[0] ?? "";
      return jobId !== "" && requestsTo(emu, "GET", `/v1/fine-tunes/${jobId}`, since).length > 0;
    });

    const killed = await p.exportState("job-kill");
    const jobUrn = `urn:pulumi:job-kill::e2e::${TYPE}:FineTuneJob::tune`;
    expect(pendingCreates(killed)).toEqual([jobUrn]);
    expect(stateOf(killed, "tune")).toBeUndefined();
    expect(stateOf(killed, "chats")?.id).toMatch(/^file-/);

    // The killed run's job finishes training while nobody watches.
    emu.control.setJobDurations({ queuedMs: 60_000 });
    emu.clock.advance(10 * HOUR_MS);

    const rerun = await upAfterKill("job-kill");
    expect(rerun.output).toMatch(PENDING_WARNING);
    expect(rerun.output).toContain(`* ${jobUrn}, interrupted while creating`);
    expect(rerun.output).toContain(
      `FineTuneJob "tune": adopting ${jobId} created by an interrupted earlier run`,
    );
    expect(madeSince(emu, "jobs", jobsBefore)).toEqual([jobId]);
    expect(requestsTo(emu, "POST", "/v1/fine-tunes", since)).toHaveLength(1);
    const endpoints = madeSince(emu, "endpoints", endpointsBefore);
    expect(endpoints).toHaveLength(1);
    const after = await p.exportState("job-kill");
    expect(stateOf(after, "tune")?.id).toBe(jobId);
    expect(stateOf(after, "serve")?.id).toBe(endpoints[0]);
    expect(await p.outputs("job-kill")).toMatchObject({ jobId, endpointId: endpoints[0] });
    // The engine carries a pending CREATE into every later snapshot, and warns of it at every update, until
    // the user clears it (pkg/backend/snapshot.go): the provider says how.
    expect(pendingCreates(after)).toEqual([jobUrn]);
    expect(rerun.output).toContain("pulumi refresh --clear-pending-creates");
    const again = await p.pulumi(["up", "--yes", "--stack", "job-kill"]);
    expect(again.output).toMatch(PENDING_WARNING);
    expect(again.output).toMatch(/4 unchanged/);
    await p.pulumi(["refresh", "--yes", "--clear-pending-creates", "--stack", "job-kill"]);
    const cleared = await p.exportState("job-kill");
    expect(cleared.deployment.pending_operations ?? []).toEqual([]);
    expect(stateOf(cleared, "tune")?.id).toBe(jobId);

    await p.pulumi(["destroy", "--yes", "--stack", "job-kill"]);
    expect(billingEndpoints(emu, endpoints)).toEqual([]);
    expect(liveIds(emu, "endpoints", endpoints)).toEqual([]);
    expect(activeJobs(emu, [jobId])).toEqual([]);
    expect(liveIds(emu, "files", madeSince(emu, "files", filesBefore))).toEqual([]);
    expect((await p.exportState("job-kill")).deployment.resources ?? []).toEqual([]);
  }, 240_000);

  test("killed while waiting for the job on one runner; a fresh runner (its own HOME, PULUMI_HOME and journal, the same backend) finds the job from what Together reports and adopts it: one file, one job, one endpoint", async () => {
    await e2e.initStack(p, "new-runner");
    const emu = e2e.emu;
    const jobsBefore = idsOf(emu, "jobs");
    const endpointsBefore = idsOf(emu, "endpoints");
    const filesBefore = idsOf(emu, "files");
    const since = emu.requests.length;
    emu.control.setJobDurations({ queuedMs: 10 * HOUR_MS });
    let jobId = "";
    await killUpWhen("new-runner", "the provider to poll the job it created", () => {
      jobId = madeSince(emu, "jobs", jobsBefore)[0] ?? "";
      return jobId !== "" && requestsTo(emu, "GET", `/v1/fine-tunes/${jobId}`, since).length > 0;
    });
    emu.control.setJobDurations({ queuedMs: 60_000 });

    // Runner B: another checkout of the program, another HOME; only the state backend (and the stack's config
    // file, which is in the repository) is shared. Runner A's journal is gone with it.
    const home = path.join(e2e.root, "runner-b-home");
    fs.mkdirSync(home, { recursive: true });
    const b = await e2e.program("interrupted-runner-b", {
      files: { "index.ts": PROGRAM, "train.jsonl": TRAIN_JSONL },
      backendDir: p.backendDir,
      env: { HOME: home },
    });
    fs.copyFileSync(path.join(p.dir, "Pulumi.new-runner.yaml"), path.join(b.dir, "Pulumi.new-runner.yaml"));
    await b.pulumi(["cancel", "--yes", "--stack", "new-runner"]);
    const rerun = await b.pulumi(["up", "--yes", "--stack", "new-runner"]);
    expect(rerun.output).toMatch(PENDING_WARNING);
    expect(rerun.output).toContain(
      `FineTuneJob "tune": adopting ${jobId} created by an interrupted earlier run (found on Together by this resource's project, stack and name)`,
    );
    expect(madeSince(emu, "jobs", jobsBefore)).toEqual([jobId]);
    expect(requestsTo(emu, "POST", "/v1/fine-tunes", since)).toHaveLength(1);
    const endpoints = madeSince(emu, "endpoints", endpointsBefore);
    expect(endpoints).toHaveLength(1);
    expect(liveIds(emu, "files", madeSince(emu, "files", filesBefore))).toHaveLength(1);
    expect(await b.outputs("new-runner")).toMatchObject({ jobId, endpointId: endpoints[0] });

    await b.pulumi(["destroy", "--yes", "--stack", "new-runner"]);
    expect(billingEndpoints(emu, endpoints)).toEqual([]);
    expect(activeJobs(emu, [jobId])).toEqual([]);
    expect(liveIds(emu, "files", madeSince(emu, "files", filesBefore))).toEqual([]);
    await b.pulumi(["refresh", "--yes", "--clear-pending-creates", "--stack", "new-runner"]);
  }, 300_000);

  test("killed while waiting for the endpoint: the provider exits with the CLI; after `pulumi cancel` the next up warns of the pending create and adopts the endpoint (one job, one endpoint); destroy leaves nothing billing and keeps the pending create until cleared", async () => {
    await e2e.initStack(p, "endpoint-kill");
    const emu = e2e.emu;
    const jobsBefore = idsOf(emu, "jobs");
    const endpointsBefore = idsOf(emu, "endpoints");
    const filesBefore = idsOf(emu, "files");
    const since = emu.requests.length;
    // Ten emulated hours to start: a minute of real time.
    emu.control.setEndpointStartMs(10 * HOUR_MS);

    let endpointId = "";
    await killUpWhen("endpoint-kill", "the provider to poll the endpoint it created", () => {
      endpointId = madeSince(emu, "endpoints", endpointsBefore)[0] ?? "";
      return endpointId !== "" && requestsTo(emu, "GET", `/v1/endpoints/${endpointId}`, since).length > 0;
    });

    const killed = await p.exportState("endpoint-kill");
    const endpointUrn = `urn:pulumi:endpoint-kill::e2e::${TYPE}:DedicatedEndpoint::serve`;
    expect(pendingCreates(killed)).toEqual([endpointUrn]);
    expect(stateOf(killed, "serve")).toBeUndefined();
    const [jobId] = madeSince(emu, "jobs", jobsBefore);
    expect(stateOf(killed, "tune")?.id).toBe(jobId);

    // The killed run's endpoint finishes starting (and bills) while nobody watches.
    emu.control.setEndpointStartMs(180_000);
    emu.clock.advance(10 * HOUR_MS);

    const rerun = await upAfterKill("endpoint-kill");
    expect(rerun.output).toMatch(PENDING_WARNING);
    expect(rerun.output).toContain(`* ${endpointUrn}, interrupted while creating`);
    expect(rerun.output).toContain(
      `DedicatedEndpoint "serve": adopting ${endpointId} created by an interrupted earlier run`,
    );
    expect(madeSince(emu, "endpoints", endpointsBefore)).toEqual([endpointId]);
    expect(requestsTo(emu, "POST", "/v1/endpoints", since)).toHaveLength(1);
    expect(madeSince(emu, "jobs", jobsBefore)).toEqual([jobId]);
    const after = await p.exportState("endpoint-kill");
    expect(pendingCreates(after)).toEqual([endpointUrn]);
    expect(stateOf(after, "serve")?.id).toBe(endpointId);
    expect(stateOf(after, "serve")?.outputs).toMatchObject({ state: "STARTED", liveState: "STARTED" });

    // Destroyed without clearing the pending create first: destroy keeps it too.
    await p.pulumi(["destroy", "--yes", "--stack", "endpoint-kill"]);
    expect(billingEndpoints(emu, [endpointId])).toEqual([]);
    expect(liveIds(emu, "endpoints", [endpointId])).toEqual([]);
    expect(activeJobs(emu, [jobId!])).toEqual([]);
    expect(liveIds(emu, "files", madeSince(emu, "files", filesBefore))).toEqual([]);
    const destroyed = await p.exportState("endpoint-kill");
    expect(destroyed.deployment.resources ?? []).toEqual([]);
    expect(pendingCreates(destroyed)).toEqual([endpointUrn]);
    await p.pulumi(["refresh", "--yes", "--clear-pending-creates", "--stack", "endpoint-kill"]);
    expect((await p.exportState("endpoint-kill")).deployment.pending_operations ?? []).toEqual([]);
  }, 240_000);
});
