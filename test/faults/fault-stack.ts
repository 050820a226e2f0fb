// The fault suite's fixture: one emulator per test file, one fresh stack (state file, stack name) per
// scenario, and the bookkeeping that turns the emulator's own records into the guarantees we claim:
// no duplicate creations and nothing left billing after destroy, whatever faults were injected.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { expect } from "@jest/globals";
import { startEmulator, type Emulator } from "../../emulator";
import { endpointState } from "../../emulator/endpoint-state";
import { jobStatus, TERMINAL_STATUSES } from "../../emulator/job-timeline";
import { deploymentState, isBillingDeployment } from "../../emulator/v2-deployment-state";
import { LifecycleHarness, type RunOptions, type RunResult } from "../../testing/harness";
import { recordTally, type Tally } from "./tally";

/** Emulated time runs 600x: a default job (~4 emulated minutes) and an endpoint start (~3) take ~1 s. */
export const TIME_SCALE = 600;
export const PROJECT = "pulumi-together-quickstart";

export type Program = () => Record<string, unknown>;

/** The real quickstart example (jest maps `pulumi-together` to sdk/; tsc cannot resolve it from examples/). */
export function quickstartProgram(): Program {
  return (require("../../examples/quickstart/program") as { program: Program }).program;
}

export interface Counts {
  files: number;
  jobs: number;
  endpoints: number;
}

interface Seen {
  files: Set<string>;
  jobs: Set<string>;
  /** v1 and v2 endpoints. */
  endpoints: Set<string>;
  deployments: Set<string>;
}

export class Scenario {
  /** The machine running this stack's `up`s: `onNewRunner` swaps it for one with an empty journal. */
  harness: LifecycleHarness;
  readonly run: RunOptions;
  private readonly seen: Seen;
  private readonly faultsAtStart: number;
  private runners = 0;

  constructor(
    readonly emulator: Emulator,
    readonly name: string,
    readonly program: Program,
    private readonly dir: string,
    private readonly env: Record<string, string> = {},
    /** The create-journal folder: each scenario's own unless it shares one (one machine, one HOME). */
    private journalDir = path.join(dir, `${name}-in-flight`),
    /** Extra stack config, e.g. together:projectId to serve on v2. */
    config: Record<string, string> = {},
  ) {
    this.harness = this.newHarness();
    this.run = {
      config: { "together:apiKey": emulator.apiKey, "together:baseUrl": emulator.baseUrl, ...config },
      secretKeys: ["together:apiKey"],
    };
    const store = emulator.store;
    this.seen = {
      files: new Set(store.files.keys()),
      jobs: new Set(store.jobs.keys()),
      endpoints: new Set([...store.endpoints.keys(), ...emulator.v2.endpoints.keys()]),
      deployments: new Set(emulator.v2.deployments.keys()),
    };
    this.faultsAtStart = emulator.faults.injected;
  }

  private newHarness(): LifecycleHarness {
    return new LifecycleHarness({
      stateFile: path.join(this.dir, `${this.name}.json`),
      project: PROJECT,
      stack: this.name,
      env: {
        PULUMI_TOGETHER_TIME_SCALE: String(TIME_SCALE),
        PULUMI_TOGETHER_JOURNAL_DIR: this.journalDir,
        ...this.env,
      },
    });
  }

  /** The next `up`s run on a fresh CI runner: the same state backend, an empty create journal. */
  onNewRunner(): void {
    this.journalDir = path.join(this.dir, `${this.name}-runner-${++this.runners}-in-flight`);
    this.harness = this.newHarness();
  }

  up(): Promise<RunResult> {
    return this.harness.up(this.program, this.run);
  }

  destroy(): Promise<RunResult> {
    return this.harness.destroy(this.run);
  }

  /** An up that is expected to fail: resolves with the error (and fails the test if the up succeeded). */
  async failingUp(): Promise<Error> {
    const err = await this.up().then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    if (err === undefined) throw new Error(`${this.name}: the up was expected to fail but succeeded`);
    return err;
  }

  get faultsInjected(): number {
    return this.emulator.faults.injected - this.faultsAtStart;
  }

  /** Ids of the objects this scenario created, deleted ones included (endpoints: v1 and v2). */
  created(): { files: string[]; jobs: string[]; endpoints: string[] } {
    const store = this.emulator.store;
    return {
      files: [...store.files.keys()].filter((id) => !this.seen.files.has(id)),
      jobs: [...store.jobs.keys()].filter((id) => !this.seen.jobs.has(id)),
      endpoints: [...store.endpoints.keys(), ...this.emulator.v2.endpoints.keys()].filter(
        (id) => !this.seen.endpoints.has(id),
      ),
    };
  }

  /** v2 deployments this scenario created, deleted ones included. */
  createdDeployments(): string[] {
    return [...this.emulator.v2.deployments.keys()].filter((id) => !this.seen.deployments.has(id));
  }

  /** This scenario's jobs still running (or queued) and endpoints not deleted: what would still bill. */
  billing(): string[] {
    const store = this.emulator.store;
    const now = this.emulator.clock.now();
    const c = this.created();
    const jobs = c.jobs.filter((id) => {
      const j = store.jobs.get(id);
      return j !== undefined && !j.deleted && !TERMINAL_STATUSES.has(jobStatus(j, now));
    });
    const endpoints = c.endpoints.filter(
      (id) =>
        store.endpoints.get(id)?.deleted === false || this.emulator.v2.endpoints.get(id)?.deleted === false,
    );
    const deployments = this.createdDeployments().filter((id) => {
      const d = this.emulator.v2.deployments.get(id);
      return d !== undefined && isBillingDeployment(d, now);
    });
    return [...jobs, ...endpoints, ...deployments];
  }

  jobStatus(id: string): string | undefined {
    const j = this.emulator.store.jobs.get(id);
    return j ? jobStatus(j, this.emulator.clock.now()) : undefined;
  }

  endpointState(id: string): string | undefined {
    const e = this.emulator.store.endpoints.get(id);
    return e && !e.deleted ? endpointState(e, this.emulator.clock.now()) : undefined;
  }

  /** Duplicates per kind: creations beyond what the scenario legitimately makes (a v2 endpoint's second
   *  deployment counts as a duplicate endpoint: one endpoint serves through one deployment here). */
  duplicates(expected: Counts): Counts {
    const c = this.created();
    const v2 = c.endpoints.filter((id) => this.emulator.v2.endpoints.has(id)).length;
    const extraDeployments = Math.max(0, this.createdDeployments().length - v2);
    return {
      files: Math.max(0, c.files.length - expected.files),
      jobs: Math.max(0, c.jobs.length - expected.jobs),
      endpoints: Math.max(0, c.endpoints.length - expected.endpoints) + extraDeployments,
    };
  }
}

/** What the converging up must leave: the stack's three resources, the endpoint serving the job's model. */
export function expectConverged(s: Scenario, up: RunResult): void {
  expect(s.harness.state().resources.map((r) => r.type.slice(r.type.lastIndexOf(":") + 1))).toEqual([
    "TrainingFile",
    "FineTuneJob",
    "DedicatedEndpoint",
  ]);
  const jobId = up.outputs.jobId as string;
  const endpointId = up.outputs.endpointId as string;
  expect(s.jobStatus(jobId)).toBe("completed");
  expect(s.endpointState(endpointId)).toBe("STARTED");
  expect(s.emulator.store.endpoints.get(endpointId)?.model).toBe(up.outputs.outputModelName);
}

/** expectConverged on v2: the endpoint's one deployment READY and routed, serving the job's model. */
export function expectConvergedV2(s: Scenario, up: RunResult): void {
  expect(s.harness.state().resources.map((r) => r.type.slice(r.type.lastIndexOf(":") + 1))).toEqual([
    "TrainingFile",
    "FineTuneJob",
    "DedicatedEndpoint",
  ]);
  expect(s.jobStatus(up.outputs.jobId as string)).toBe("completed");
  const v2 = s.emulator.v2;
  const endpointId = up.outputs.endpointId as string;
  const ep = v2.liveEndpoint(endpointId);
  expect(ep?.trafficSplit).toEqual([{ deploymentId: expect.any(String), weight: 1 }]);
  const d = v2.liveDeployment(endpointId, ep!.trafficSplit[0]!.deploymentId)!;
  expect(deploymentState(d, s.emulator.clock.now())).toBe("DEPLOYMENT_STATE_READY");
  expect(d.model.name).toBe(up.outputs.outputModelName);
  expect(v2.deploymentsOf(endpointId)).toHaveLength(1);
}

export const ONE_EACH: Counts = { files: 1, jobs: 1, endpoints: 1 };

export interface ScenarioOptions {
  program?: Program;
  /** Creations the scenario legitimately makes (default one of each); more are duplicates. */
  expected?: Counts;
  /** Re-applies faults before the final destroy, so destroy is shown to cope with them too. */
  destroyFaults?: () => void;
  /** False for server-side failures (a failed job, an ERROR endpoint): no fault rule is expected to fire. */
  injectsFaults?: boolean;
  /** Extra environment for the scenario's provider processes (e.g. a short client timeout). */
  env?: Record<string, string>;
  /** Extra stack config for the scenario (e.g. together:projectId: the endpoint serves on v2). */
  config?: Record<string, string>;
  /** What the converging up must leave, for programs other than the quickstart (default expectConverged). */
  converged?: (s: Scenario, up: RunResult) => void;
}

export interface GroupOptions extends ScenarioOptions {
  /** The stacks share one create-journal folder (one machine, one HOME) instead of one each. */
  sharedJournal?: boolean;
}

export interface FaultFixture {
  readonly emulator: Emulator;
  /**
   * Several stacks of one project, with identical inputs, against one Together account: `inject` runs the faulted
   * part; then every stack's `up` must converge, no stack may hold another's object (stolen), and
   * destroying the first must leave the others' objects live and their next `up` a no-op.
   */
  group(names: string[], inject: (ss: Scenario[]) => Promise<void>, opts?: GroupOptions): Promise<void>;
  /**
   * Runs one scenario: `inject` applies the faults and runs the faulted part; then the fault rules are
   * cleared, a later `up` must converge and `destroy` must leave nothing. The counts are recorded for the
   * suite's summary line even when a step fails; the assertions on them come last.
   */
  scenario(name: string, inject: (s: Scenario) => Promise<void>, opts?: ScenarioOptions): Promise<void>;
  close(): Promise<void>;
}

export async function faultFixture(group: string): Promise<FaultFixture> {
  const emulator = await startEmulator({ timeScale: TIME_SCALE });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `faults-${group}-`));
  const tally: Tally = { group, scenarios: 0, faultsInjected: 0, duplicates: 0, leftBilling: 0, stolen: 0 };
  const defaults = { ...emulator.store.jobDurations };
  const defaultStartMs = emulator.store.endpointStartMs;
  const defaultDeploymentTimings = {
    provisionMs: emulator.v2.provisionMs,
    scaleMs: emulator.v2.scaleMs,
    stopMs: emulator.v2.stopMs,
  };

  return {
    emulator,
    async scenario(name, inject, opts = {}) {
      const s = new Scenario(
        emulator,
        name,
        opts.program ?? quickstartProgram(),
        dir,
        opts.env,
        undefined,
        opts.config,
      );
      const expected = opts.expected ?? ONE_EACH;
      let failure: Error | undefined;
      try {
        await inject(s);
        emulator.faults.clear();
        const up = await s.up();
        (opts.converged ?? expectConverged)(s, up);
        opts.destroyFaults?.();
        await s.destroy();
        expect(s.harness.state().resources).toEqual([]);
      } catch (err) {
        failure = err instanceof Error ? err : new Error(String(err));
        emulator.faults.clear();
        await s.destroy().catch(() => undefined);
      } finally {
        emulator.faults.clear();
        emulator.control.setJobDurations(defaults);
        emulator.control.setEndpointStartMs(defaultStartMs);
        emulator.control.setDeploymentTimings(defaultDeploymentTimings);
      }
      const duplicates = s.duplicates(expected);
      const billing = s.billing();
      tally.scenarios += 1;
      tally.faultsInjected += s.faultsInjected;
      tally.duplicates += duplicates.files + duplicates.jobs + duplicates.endpoints;
      tally.leftBilling += billing.length;
      if (failure !== undefined) throw failure;
      expect({ duplicates, billing }).toEqual({
        duplicates: { files: 0, jobs: 0, endpoints: 0 },
        billing: [],
      });
      if (opts.injectsFaults !== false) expect(s.faultsInjected).toBeGreaterThan(0);
    },
    async group(names, inject, opts = {}) {
      const shared = opts.sharedJournal ? path.join(dir, `${names.join("+")}-in-flight`) : undefined;
      const ss = names.map(
        (n) => new Scenario(emulator, n, opts.program ?? quickstartProgram(), dir, opts.env, shared),
      );
      const first = ss[0]!;
      const expected = opts.expected ?? ONE_EACH;
      let failure: Error | undefined;
      let stolen: string[] = [];
      try {
        await inject(ss);
        emulator.faults.clear();
        // One after the other: the harness runs programs in this process, whose Pulumi runtime serves one stack
        // at a time. The real CLI runs them at once (test/e2e/stacks-apart.e2e.test.ts).
        const ups: RunResult[] = [];
        for (const s of ss) ups.push(await s.up());
        ss.forEach((s, i) => (opts.converged ?? expectConverged)(s, ups[i]!));
        stolen = heldByMoreThanOne(ss);
        await first.destroy();
        for (const [i, s] of ss.entries()) {
          if (i === 0) continue;
          (opts.converged ?? expectConverged)(s, ups[i]!);
          const again = await s.up();
          expect(again.ops.filter((o) => o.op !== "same").map((o) => `${o.op} ${o.name}`)).toEqual([]);
        }
        for (const s of ss.slice(1)) await s.destroy();
        for (const s of ss) expect(s.harness.state().resources).toEqual([]);
      } catch (err) {
        failure = err instanceof Error ? err : new Error(String(err));
        emulator.faults.clear();
        for (const s of ss) await s.destroy().catch(() => undefined);
      } finally {
        emulator.faults.clear();
        emulator.control.setJobDurations(defaults);
        emulator.control.setEndpointStartMs(defaultStartMs);
      }
      // The first scenario was made before the others: what it sees as created is the group's.
      const made = first.created();
      const duplicates = {
        files: Math.max(0, made.files.length - expected.files * ss.length),
        jobs: Math.max(0, made.jobs.length - expected.jobs * ss.length),
        endpoints: Math.max(0, made.endpoints.length - expected.endpoints * ss.length),
      };
      const billing = first.billing();
      tally.scenarios += 1;
      tally.faultsInjected += first.faultsInjected;
      tally.duplicates += duplicates.files + duplicates.jobs + duplicates.endpoints;
      tally.leftBilling += billing.length;
      tally.stolen += stolen.length;
      if (failure !== undefined) throw failure;
      expect({ duplicates, billing, stolen }).toEqual({
        duplicates: { files: 0, jobs: 0, endpoints: 0 },
        billing: [],
        stolen: [],
      });
    },
    async close() {
      recordTally(tally);
      await emulator.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Ids that more than one stack's state holds: an object one stack took from another. */
function heldByMoreThanOne(ss: Scenario[]): string[] {
  const holders = new Map<string, number>();
  for (const s of ss) {
    for (const r of s.harness.state().resources) holders.set(r.id, (holders.get(r.id) ?? 0) + 1);
  }
  return [...holders].filter(([, n]) => n > 1).map(([id]) => id);
}

/** SIGKILLs this process's dynamic-provider child (the one serving the current run) once `ready()` holds. */
export async function killProviderWhen(ready: () => boolean, timeoutMs = 30_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (ready()) {
      const pids = providerChildren();
      if (pids.length > 0) {
        for (const pid of pids) process.kill(pid, "SIGKILL");
        return pids.length;
      }
    }
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  throw new Error("the condition to interrupt the up never held (or no provider process was running)");
}

/** Children of this process started from `@pulumi/pulumi/cmd/dynamic-provider` (Linux /proc). */
function providerChildren(): number[] {
  const pids: number[] = [];
  for (const entry of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, "utf8");
      // Field 4 (after the parenthesised command name) is the parent pid.
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      if (ppid !== process.pid) continue;
      const cmd = fs.readFileSync(`/proc/${entry}/cmdline`, "utf8");
      if (cmd.includes("cmd/dynamic-provider")) pids.push(Number(entry));
    } catch {
      // the process ended while we looked
    }
  }
  return pids;
}
