// Two per-branch stacks of one project, with identical inputs (the same dataset, job and endpoint spec), deploying
// at the same time against one Together account, on the real engine: on one machine (one HOME, one create-journal
// folder) and on two (a HOME each). Each must own its own file, job and endpoint; destroying one must leave the
// other's objects live and its next `up` a no-op.
import * as fs from "node:fs";
import * as path from "node:path";
import { describeWithCli } from "./kit/cli";
import { useE2E } from "./kit/fixture";
import type { ScratchProgram } from "../../scripts/real-cli/scratch-program";
import {
  TRAIN_JSONL,
  activeJobs,
  billingEndpoints,
  endpointStateOf,
  idsOf,
  jobStatusOf,
  liveIds,
  madeSince,
  stateOf,
  FILE_JOB_ENDPOINT_PROGRAM,
} from "./kit/behind-pulumi";

const API_KEY = "tgp-SECRET-KEY-e2e-stacks-apart-41c07e";

const PROGRAM = FILE_JOB_ENDPOINT_PROGRAM;

const FILES = { "index.ts": PROGRAM, "train.jsonl": TRAIN_JSONL };

describeWithCli("two stacks with identical inputs deploying at once, on the real engine", (cli) => {
  const e2e = useE2E(cli, "stacks-apart", API_KEY);
  const made: { p: ScratchProgram; stack: string }[] = [];

  beforeAll(() => {
    e2e.onCleanup(async () => {
      for (const { p, stack } of made)
        await p.pulumi(["destroy", "--yes", "--stack", stack], { allowFailure: true });
    });
  });

  /** Both stacks' `up` at once; then each stack's objects are its own, and destroying the first spares the second. */
  async function deployApart(a: ScratchProgram, b: ScratchProgram, stacks: [string, string]): Promise<void> {
    const emu = e2e.emu;
    const before = {
      files: idsOf(emu, "files"),
      jobs: idsOf(emu, "jobs"),
      endpoints: idsOf(emu, "endpoints"),
    };
    await e2e.initStack(a, stacks[0]);
    await e2e.initStack(b, stacks[1]);
    made.push({ p: a, stack: stacks[0] }, { p: b, stack: stacks[1] });
    await Promise.all([
      a.pulumi(["up", "--yes", "--stack", stacks[0]]),
      b.pulumi(["up", "--yes", "--stack", stacks[1]]),
    ]);

    const outA = await a.outputs(stacks[0]);
    const outB = await b.outputs(stacks[1]);
    for (const key of ["fileId", "jobId", "endpointId"]) expect(outA[key]).not.toBe(outB[key]);
    expect(madeSince(emu, "files", before.files)).toHaveLength(2);
    expect(madeSince(emu, "jobs", before.jobs)).toHaveLength(2);
    expect(madeSince(emu, "endpoints", before.endpoints)).toHaveLength(2);
    // Each file says whose it is on Together.
    const nameOf = (id: unknown) => emu.store.files.get(String(id))?.filename;
    expect(nameOf(outA.fileId)).toMatch(
      new RegExp(`^e2e-${stacks[0]}-chats\\.[0-9a-f]{12}\\.train\\.jsonl$`),
    );
    expect(nameOf(outB.fileId)).toMatch(
      new RegExp(`^e2e-${stacks[1]}-chats\\.[0-9a-f]{12}\\.train\\.jsonl$`),
    );

    await a.pulumi(["destroy", "--yes", "--stack", stacks[0]]);
    expect(liveIds(emu, "files", [outA.fileId as string])).toEqual([]);
    expect(billingEndpoints(emu, [outA.endpointId as string])).toEqual([]);
    expect(liveIds(emu, "files", [outB.fileId as string])).toEqual([outB.fileId]);
    expect(jobStatusOf(emu, outB.jobId as string)).toBe("completed");
    expect(endpointStateOf(emu, outB.endpointId as string)).toBe("STARTED");
    const again = await b.pulumi(["up", "--yes", "--stack", stacks[1]]);
    expect(again.output).toMatch(/4 unchanged/);
    expect(stateOf(await b.exportState(stacks[1]), "tune")?.id).toBe(outB.jobId);

    await b.pulumi(["destroy", "--yes", "--stack", stacks[1]]);
    expect(billingEndpoints(emu, [outB.endpointId as string])).toEqual([]);
    expect(activeJobs(emu, [outB.jobId as string])).toEqual([]);
  }

  test("on one machine (one HOME, one journal folder): each stack owns its own file, job and endpoint", async () => {
    const p = await e2e.program("one-machine", { files: FILES });
    await deployApart(p, p, ["branch-a", "branch-b"]);
  }, 300_000);

  test("on two machines (a HOME each, one backend): each stack owns its own file, job and endpoint", async () => {
    const a = await e2e.program("machine-a", { files: FILES, env: { HOME: home("machine-a") } });
    const b = await e2e.program("machine-b", {
      files: FILES,
      backendDir: a.backendDir,
      env: { HOME: home("machine-b") },
    });
    await deployApart(a, b, ["branch-c", "branch-d"]);
  }, 300_000);

  function home(name: string): string {
    const dir = path.join(e2e.root, `${name}-home`);
    fs.mkdirSync(dir, { recursive: true });
    return dir;
  }
});
