// Each kind's create() killed in the middle of its wait (the provider process died: the promise is abandoned
// and its API calls never answer), then create() again, in-process against the emulator: the create journal
// hands the second create the object the first made, so exactly one exists.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { TogetherClient } from "../../../provider/client";
import { lifecycle as endpointLifecycle } from "../../../provider/resources/dedicated-endpoint/lifecycle";
import { lifecycle as jobLifecycle } from "../../../provider/resources/fine-tune-job/lifecycle";
import { lifecycle as fileLifecycle } from "../../../provider/resources/training-file/lifecycle";
import { JOURNAL_DIR_ENV } from "../../../provider/shared/create-journal";
import { resetDeploymentMemory } from "../../../provider/shared/deployment-memory";
import type { ProviderContext, ResourceLifecycle } from "../../../provider/shared/types";
import { startEmulator, type Emulator } from "../../../emulator";

const TIME_SCALE = 600;
const FIXTURE = path.join(__dirname, "..", "..", "lifecycle", "fixtures", "fine-tune-job", "train.jsonl");

let emu: Emulator;
let client: TogetherClient;
let journal: string;

beforeAll(async () => {
  emu = await startEmulator({ timeScale: TIME_SCALE });
  client = new TogetherClient({ baseUrl: emu.baseUrl, apiKey: emu.apiKey, sleepScale: 1 / TIME_SCALE });
});
afterAll(() => emu.close());
beforeEach(() => {
  journal = fs.mkdtempSync(path.join(os.tmpdir(), "in-flight-"));
  process.env[JOURNAL_DIR_ENV] = journal;
});
afterEach(() => {
  delete process.env[JOURNAL_DIR_ENV];
  fs.rmSync(journal, { recursive: true, force: true });
});

const never = new Promise<never>(() => undefined);

/** A context whose API calls stop answering once `kill()` is called, answers already under way included. */
function killable(): { ctx: ProviderContext; kill(): void; logs: string[] } {
  let dead = false;
  const api = <T extends object>(target: T): T =>
    new Proxy(target, {
      get(t, prop, receiver) {
        const v = Reflect.get(t, prop, receiver) as unknown;
        if (typeof v !== "function") return v;
        return (...args: unknown[]) =>
          dead
            ? never
            : (v as (...a: unknown[]) => Promise<unknown>).apply(t, args).then((r) => (dead ? never : r));
      },
    });
  const wrapped = Object.assign(Object.create(client) as TogetherClient, {
    files: api(client.files),
    fineTunes: api(client.fineTunes),
    endpoints: api(client.endpoints),
    hardware: api(client.hardware),
  });
  const { ctx, logs } = context(wrapped);
  return { ctx, logs, kill: () => (dead = true) };
}

function context(c: TogetherClient = client): { ctx: ProviderContext; logs: string[] } {
  const logs: string[] = [];
  const push = (m: string): void => void logs.push(m);
  return {
    ctx: {
      client: () => c,
      log: { info: push, warn: push, error: push },
      timeScale: TIME_SCALE,
      secrets: { add: () => undefined },
    },
    logs,
  };
}

const recorded = (): boolean =>
  fs
    .readdirSync(journal)
    .some((f) => f.endsWith(".json") && fs.readFileSync(path.join(journal, f), "utf8").includes('"id"'));

/** Starts a create, kills it once the journal holds the id of what it made, then runs a fresh create. */
async function interruptedThenAgain(
  lifecycle: ResourceLifecycle,
  news: Record<string, unknown>,
  killWhen: () => boolean,
): Promise<{ id: string; logs: string[] }> {
  const first = killable();
  const inputs = (await lifecycle.check({}, news, first.ctx)).inputs ?? {};
  void lifecycle.create(inputs, first.ctx).catch(() => undefined);
  for (let i = 0; i < 2_000 && !(recorded() && killWhen()); i++) await new Promise((r) => setTimeout(r, 5));
  expect(recorded() && killWhen()).toBe(true);
  first.kill();
  const again = context();
  const { id } = await lifecycle.create(inputs, again.ctx);
  expect(fs.readdirSync(journal)).toEqual([]);
  return { id, logs: again.logs };
}

describe("create() interrupted mid-wait, then create() again", () => {
  test("TrainingFile: the uploaded file is adopted, not uploaded again", async () => {
    const before = emu.summary().filesCreated;
    // Hold the upload's own read-back so the kill lands before processing is seen as done.
    emu.faults.add({ method: "GET", path: /^\/v1\/files\/file-/, action: { type: "latency", ms: 300 } });
    const { id, logs } = await interruptedThenAgain(
      fileLifecycle,
      { logicalName: "train", source: "train.jsonl", sourcePath: FIXTURE },
      () => emu.summary().filesCreated > before,
    );
    expect(emu.summary().filesCreated - before).toBe(1);
    expect(logs).toContain(`TrainingFile "train": adopting ${id} created by an interrupted earlier run`);
  });

  test("FineTuneJob: the started job is adopted, not started again", async () => {
    const file = await client.files.upload({
      path: FIXTURE,
      fileName: "t.jsonl",
      purpose: "fine-tune",
      fileType: "jsonl",
    });
    await emu.idle();
    const before = emu.summary().jobsCreated;
    const { id, logs } = await interruptedThenAgain(
      jobLifecycle,
      { logicalName: "ft", trainingFile: file.id, model: "Qwen/Qwen3-0.6B", waitFor: "running" },
      () => emu.summary().jobsCreated > before,
    );
    expect(emu.summary().jobsCreated - before).toBe(1);
    expect(logs.some((l) => l.includes(`adopting ${id} created by an interrupted earlier run`))).toBe(true);
  });

  test("FineTuneJob restarted by Together after the kill, re-run with no journal (a fresh runner): the job it was restarted as is adopted once, from Together", async () => {
    const file = await client.files.upload({
      path: FIXTURE,
      fileName: "t2.jsonl",
      purpose: "fine-tune",
      fileType: "jsonl",
    });
    await emu.idle();
    // Training far longer than the test, however slow the machine: restartJob needs the job still running.
    const durations = { ...emu.store.jobDurations };
    emu.control.setJobDurations({ msPer1kTokens: 1e12 });
    try {
      const before = emu.summary().jobsCreated;
      const news = {
        logicalName: "ft-restarted",
        pulumiProject: "proj",
        pulumiStack: "dev",
        trainingFile: file.id,
        model: "Qwen/Qwen3-0.6B",
        suffix: "dev-ft-restarted",
        waitFor: "running",
      };
      const first = killable();
      const inputs = (await jobLifecycle.check({}, news, first.ctx)).inputs ?? {};
      // Its failure is kept: should it fail before making a job, the assertion below says why.
      let firstEnded: string | undefined;
      jobLifecycle.create(inputs, first.ctx).catch((e: unknown) => (firstEnded = `failed: ${String(e)}`));
      // Killed once the job exists: the one on this test's own training file. (Not "the journal holds an id" and
      // the newest job: in one fresh-clone CI run under load that took an earlier test's completed job.)
      const mine = () => [...emu.store.jobs.values()].find((j) => j.trainingFile === file.id);
      for (let i = 0; i < 12_000 && mine() === undefined && firstEnded === undefined; i++)
        await new Promise((r) => setTimeout(r, 5));
      first.kill();
      expect({ job: mine() !== undefined, firstCreate: firstEnded }).toEqual({
        job: true,
        firstCreate: undefined,
      });
      const original = mine()!.id;
      const restarted = emu.control.restartJob(original);
      // A fresh runner: no journal, and a new provider process that has seen nothing of the first.
      fs.rmSync(journal, { recursive: true, force: true });
      resetDeploymentMemory();
      const again = context();
      const { id } = await jobLifecycle.create(inputs, again.ctx);
      // The original and its restart both match the request; they lead to one live job, adopted once.
      expect(id).toBe(restarted);
      expect(emu.summary().jobsCreated - before).toBe(2);
      expect(
        again.logs.some((l) => l.includes(`adopting ${restarted} created by an interrupted earlier run`)),
      ).toBe(true);
    } finally {
      emu.control.setJobDurations(durations);
    }
  });

  test("DedicatedEndpoint: the starting endpoint is adopted, not created again", async () => {
    const before = emu.summary().endpointsCreated;
    emu.control.setEndpointStartMs(30 * 60_000);
    try {
      const { id, logs } = await interruptedThenAgain(
        endpointLifecycle,
        {
          logicalName: "ep",
          model: "Qwen/Qwen3-8B",
          hardware: "1x_nvidia_h100_80gb_sxm",
          displayName: "unit-interrupted",
          inactiveTimeoutMinutes: 0,
        },
        () => emu.summary().endpointsCreated > before,
      );
      expect(emu.summary().endpointsCreated - before).toBe(1);
      expect(logs.some((l) => l.includes(`adopting ${id} created by an interrupted earlier run`))).toBe(true);
      await endpointLifecycle.delete(id, {}, context().ctx);
    } finally {
      emu.control.setEndpointStartMs(180_000);
    }
  });
});
