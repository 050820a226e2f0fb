// Partial failures on the real engine: the remote object exists but create did not finish (a job that fails, an
// endpoint in ERROR, a wait that times out). `up` must fail with the reason, the stack must hold the object's id
// (an init error, so nothing is orphaned), and refresh, up and destroy must each work on that state afterwards:
// the engine runs read and delete with the provider code stored in the partial failure's own properties.
import { describeWithCli } from "./kit/cli";
import { useE2E } from "./kit/fixture";
import type {
  CommandResult,
  ScratchProgram,
  StackExport,
  StackResource,
} from "../../scripts/real-cli/scratch-program";
import {
  H100,
  HOUR_MS,
  MODEL,
  TRAIN_JSONL,
  activeJobs,
  billingEndpoints,
  endpointStateOf,
  idsOf,
  jobStatusOf,
  liveIds,
  madeSince,
  requestsTo,
  stateOf,
  until,
} from "./kit/behind-pulumi";

const API_KEY = "tgp-SECRET-KEY-e2e-partial-8f02d1";

// One program; the stack name picks the scenario. Waits are in emulated minutes (x600: 1 min is 0.1 s).
const PROGRAM = `import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { DedicatedEndpoint, FineTuneJob, TrainingFile } from "pulumi-together";

const stack = pulumi.getStack();

function training() {
  const chats = new TrainingFile("chats", { source: path.join(__dirname, "train.jsonl") });
  const job = new FineTuneJob("tune", {
    model: ${JSON.stringify(MODEL)},
    trainingFile: chats.fileId,
    trainingType: { type: "lora", loraR: 8 },
    ...(stack.includes("timeout") ? { timeoutMinutes: 1 } : {}),
  });
  return { jobId: job.jobId };
}

function serving() {
  const endpoint = new DedicatedEndpoint("serve", {
    model: ${JSON.stringify(MODEL)},
    hardware: ${JSON.stringify(H100)},
    inactiveTimeoutMinutes: 0,
    // 1 min (0.1 s) to time out; otherwise 1440 min (2.4 min of real time), longer than any test waits.
    timeoutMinutes: stack.includes("timeout") ? 1 : 1440,
  });
  return { endpointId: endpoint.endpointId };
}

export const ids = stack.startsWith("job-") ? training() : serving();
`;

describeWithCli("partial failures on the real engine", (cli) => {
  const e2e = useE2E(cli, "partial", API_KEY);
  let p: ScratchProgram;
  const stacks: string[] = [];

  beforeAll(async () => {
    p = await e2e.program("partial", { files: { "index.ts": PROGRAM, "train.jsonl": TRAIN_JSONL } });
    // A failing test must not leave an endpoint billing or a job running in the emulator.
    e2e.onCleanup(async () => {
      for (const stack of stacks) {
        if ((await p.exportState(stack)).deployment.resources?.length)
          await p.pulumi(["destroy", "--yes", "--stack", stack], { allowFailure: true });
      }
    });
  });

  afterEach(() => {
    e2e.emu.control.setJobDurations({ queuedMs: 60_000 });
    e2e.emu.control.setEndpointStartMs(180_000);
  });

  async function newStack(stack: string): Promise<void> {
    stacks.push(stack);
    await e2e.initStack(p, stack);
  }

  /** `up`, expected to fail; `whileWaiting` runs once the provider polls the object it created. */
  async function failingUp(
    stack: string,
    kind: "jobs" | "endpoints",
    whileWaiting?: (id: string) => void,
  ): Promise<{ result: CommandResult; id: string }> {
    const emu = e2e.emu;
    const before = idsOf(emu, kind);
    const since = emu.requests.length;
    const { done } = p.start(["up", "--yes", "--stack", stack]);
    let ended = false;
    void done.then(() => (ended = true));
    const polled = (id: string) =>
      requestsTo(emu, "GET", `/v1/${kind === "jobs" ? "fine-tunes" : "endpoints"}/${id}`, since).length > 0;
    if (whileWaiting !== undefined) {
      const id = await until(`the provider to poll the new ${kind}`, () => {
        const made = madeSince(emu, kind, before)[0];
        return made !== undefined && polled(made) ? made : ended ? "" : undefined;
      });
      if (id !== "") whileWaiting(id);
    }
    const result = await done;
    expect(result.code).not.toBe(0);
    const made = madeSince(emu, kind, before);
    expect(made).toHaveLength(1);
    return { result, id: made[0]! };
  }

  /** The resource kept by the failed create: its id, the engine's init error, and provider code to run later. */
  function expectKeptWithInitError(
    state: StackExport,
    name: string,
    id: string,
    reason: string,
  ): StackResource {
    const r = stateOf(state, name);
    expect(r?.id).toBe(id);
    expect(r?.initErrors).toEqual([expect.stringContaining(reason)]);
    expect(typeof r?.outputs?.__provider).toBe("string");
    expect(state.deployment.pending_operations ?? []).toEqual([]);
    return r!;
  }

  async function destroyLeavesNothing(stack: string, jobs: string[], endpoints: string[], files: string[]) {
    const out = await p.pulumi(["destroy", "--yes", "--stack", stack]);
    expect(out.output).toMatch(/deleted/);
    expect(activeJobs(e2e.emu, jobs)).toEqual([]);
    expect(billingEndpoints(e2e.emu, endpoints)).toEqual([]);
    expect(liveIds(e2e.emu, "endpoints", endpoints)).toEqual([]);
    expect(liveIds(e2e.emu, "files", files)).toEqual([]);
    expect((await p.exportState(stack)).deployment.resources ?? []).toEqual([]);
  }

  test("a job that fails: up fails with Together's reason and keeps the job; refresh works; up replaces it with a new job; destroy", async () => {
    await newStack("job-fails");
    const emu = e2e.emu;
    const filesBefore = idsOf(emu, "files");
    // Queued for ten emulated hours, so the failure lands during the provider's wait.
    emu.control.setJobDurations({ queuedMs: 10 * HOUR_MS });
    const { result, id } = await failingUp("job-fails", "jobs", (jobId) =>
      emu.control.failJob(jobId, "CUDA out of memory on rank 0"),
    );
    expect(result.output).toContain(`FineTuneJob "tune": fine-tune job ${id} ended with status error.`);
    expect(result.output).toContain("CUDA out of memory on rank 0");
    const failed = expectKeptWithInitError(
      await p.exportState("job-fails"),
      "tune",
      id,
      "ended with status error",
    );
    expect(failed.outputs).toMatchObject({ jobId: id, status: "error" });

    const refresh = await p.pulumi(["refresh", "--yes", "--stack", "job-fails"]);
    expect(refresh.code).toBe(0);
    expect(stateOf(await p.exportState("job-fails"), "tune")).toMatchObject({
      id,
      outputs: { status: "error" },
    });

    emu.control.setJobDurations({ queuedMs: 60_000 });
    const jobsBefore = idsOf(emu, "jobs");
    const up = await p.pulumi(["up", "--yes", "--stack", "job-fails"]);
    expect(up.output).toContain(
      `fine-tune job ${id} ended with status error; this update replaces it with a new job`,
    );
    expect(up.output).toMatch(/1 replaced/);
    const [replacement] = madeSince(emu, "jobs", jobsBefore);
    expect(jobStatusOf(emu, replacement!)).toBe("completed");
    const after = stateOf(await p.exportState("job-fails"), "tune");
    expect(after).toMatchObject({ id: replacement, outputs: { status: "completed" } });
    expect(after?.initErrors ?? []).toEqual([]);

    await destroyLeavesNothing("job-fails", [id, replacement!], [], madeSince(emu, "files", filesBefore));
  }, 180_000);

  test("a job wait that times out: up fails saying the job keeps running; refresh works; up resumes the same job; destroy", async () => {
    await newStack("job-timeout");
    const emu = e2e.emu;
    const filesBefore = idsOf(emu, "files");
    emu.control.setJobDurations({ queuedMs: 10 * HOUR_MS });
    const { result, id } = await failingUp("job-timeout", "jobs");
    expect(result.output).toContain(
      `FineTuneJob "tune": Timed out after 60 s at time scale 600 waiting for fine-tune job ${id} to complete (last state: status queued`,
    );
    expect(result.output).toContain("The job keeps running (and billing) and stays in state");
    const failed = expectKeptWithInitError(
      await p.exportState("job-timeout"),
      "tune",
      id,
      "Timed out after 60 s",
    );
    expect(failed.outputs).toMatchObject({ jobId: id, status: "queued" });

    const refresh = await p.pulumi(["refresh", "--yes", "--stack", "job-timeout"]);
    expect(refresh.code).toBe(0);
    expect(stateOf(await p.exportState("job-timeout"), "tune")).toMatchObject({
      id,
      outputs: { status: "queued" },
    });

    // The job finishes its queue and trains; the next up picks up the wait on the same job.
    emu.clock.advance(10 * HOUR_MS);
    const since = emu.requests.length;
    const up = await p.pulumi(["up", "--yes", "--stack", "job-timeout"]);
    expect(up.output).toMatch(/1 updated/);
    expect(requestsTo(emu, "POST", "/v1/fine-tunes", since)).toEqual([]);
    const after = stateOf(await p.exportState("job-timeout"), "tune");
    expect(after).toMatchObject({ id, outputs: { status: "completed" } });
    expect(after?.initErrors ?? []).toEqual([]);

    await destroyLeavesNothing("job-timeout", [id], [], madeSince(emu, "files", filesBefore));
  }, 180_000);

  test("a job wait that times out, then destroy straight away: the running job is cancelled", async () => {
    await newStack("job-timeout-destroyed");
    const emu = e2e.emu;
    const filesBefore = idsOf(emu, "files");
    emu.control.setJobDurations({ queuedMs: 10 * HOUR_MS });
    const { id } = await failingUp("job-timeout-destroyed", "jobs");
    expectKeptWithInitError(await p.exportState("job-timeout-destroyed"), "tune", id, "Timed out after 60 s");
    expect(activeJobs(emu, [id])).toEqual([id]);

    const since = emu.requests.length;
    await destroyLeavesNothing("job-timeout-destroyed", [id], [], madeSince(emu, "files", filesBefore));
    expect(requestsTo(emu, "POST", `/v1/fine-tunes/${id}/cancel`, since)).toHaveLength(1);
    expect(jobStatusOf(emu, id)).toBe("cancelled");
  }, 180_000);

  test("an endpoint in ERROR: up fails at once with Together's state and keeps it; refresh works; up starts it again; destroy", async () => {
    await newStack("endpoint-error");
    const emu = e2e.emu;
    // Ten emulated hours to start (a minute of real time): the ERROR lands during the wait, and up must fail on
    // it at once rather than at its 1440-minute deadline (2.4 min of real time).
    emu.control.setEndpointStartMs(10 * HOUR_MS);
    const started = Date.now();
    const { result, id } = await failingUp("endpoint-error", "endpoints", (endpointId) =>
      emu.control.setEndpointError(endpointId, "replica crashed: CUDA out of memory"),
    );
    expect(result.output).toContain(
      `DedicatedEndpoint "serve": endpoint ${id} create failed: Together reports ERROR`,
    );
    expect(result.output).toContain("It is kept in the stack so that destroy removes it");
    expect(Date.now() - started).toBeLessThan(60_000);
    const failed = expectKeptWithInitError(
      await p.exportState("endpoint-error"),
      "serve",
      id,
      "create failed",
    );
    expect(failed.outputs).toMatchObject({ endpointId: id, state: "ERROR", liveState: "ERROR" });

    const refresh = await p.pulumi(["refresh", "--yes", "--stack", "endpoint-error"]);
    expect(refresh.code).toBe(0);
    expect(stateOf(await p.exportState("endpoint-error"), "serve")).toMatchObject({
      id,
      outputs: { state: "ERROR" },
    });

    emu.control.setEndpointStartMs(180_000);
    const since = emu.requests.length;
    const up = await p.pulumi(["up", "--yes", "--stack", "endpoint-error"]);
    expect(up.output).toMatch(/1 updated/);
    expect(requestsTo(emu, "POST", "/v1/endpoints", since)).toEqual([]);
    expect(requestsTo(emu, "PATCH", `/v1/endpoints/${id}`, since).map((r) => r.body)).toEqual([
      expect.objectContaining({ state: "STARTED" }),
    ]);
    expect(endpointStateOf(emu, id)).toBe("STARTED");
    const after = stateOf(await p.exportState("endpoint-error"), "serve");
    expect(after).toMatchObject({ id, outputs: { state: "STARTED", liveState: "STARTED" } });
    expect(after?.initErrors ?? []).toEqual([]);

    await destroyLeavesNothing("endpoint-error", [], [id], []);
  }, 180_000);

  test("an endpoint wait that times out: up fails naming the last state and keeps it; refresh works; up resumes the same endpoint; destroy", async () => {
    await newStack("endpoint-timeout");
    const emu = e2e.emu;
    emu.control.setEndpointStartMs(2 * HOUR_MS);
    const { result, id } = await failingUp("endpoint-timeout", "endpoints");
    expect(result.output).toContain(
      `DedicatedEndpoint "serve": endpoint ${id} did not reach STARTED within 1 min (last state PENDING)`,
    );
    const failed = expectKeptWithInitError(
      await p.exportState("endpoint-timeout"),
      "serve",
      id,
      "did not reach STARTED",
    );
    expect(failed.outputs).toMatchObject({ endpointId: id, state: "PENDING" });
    expect(billingEndpoints(emu, [id])).toEqual([id]);

    const refresh = await p.pulumi(["refresh", "--yes", "--stack", "endpoint-timeout"]);
    expect(refresh.code).toBe(0);
    expect(stateOf(await p.exportState("endpoint-timeout"), "serve")?.id).toBe(id);

    emu.clock.advance(2 * HOUR_MS);
    const since = emu.requests.length;
    const up = await p.pulumi(["up", "--yes", "--stack", "endpoint-timeout"]);
    expect(up.output).toMatch(/1 updated/);
    expect(requestsTo(emu, "POST", "/v1/endpoints", since)).toEqual([]);
    expect(endpointStateOf(emu, id)).toBe("STARTED");
    const after = stateOf(await p.exportState("endpoint-timeout"), "serve");
    expect(after).toMatchObject({ id, outputs: { state: "STARTED" } });
    expect(after?.initErrors ?? []).toEqual([]);

    await destroyLeavesNothing("endpoint-timeout", [], [id], []);
  }, 180_000);
});
