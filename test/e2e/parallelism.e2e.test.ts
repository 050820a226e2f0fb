// Three independent chains (file -> job -> endpoint) in one stack on the real engine, under the default
// parallelism and again with `-p 1`: every resource is created, each job trains on its own file, each
// endpoint serves its own job's model, and the outputs are not crossed. The engine runs every callback in
// one provider process: under the default parallelism the three jobs' creates overlap there (all three
// are posted to Together before the first one completes); with -p 1 they run strictly one after another.
import { describeWithCli } from "./kit/cli";
import { useE2E } from "./kit/fixture";
import { resourcesByName, type ScratchProgram } from "../../scripts/real-cli/scratch-program";

const API_KEY = "tgp-SECRET-KEY-e2e-parallelism-90c3aa";
const CHAINS = ["a", "b", "c"] as const;
/** Lines per dataset: each file has its own size, so a job's file is recognisable by its bytes. */
const LINES = { a: 10, b: 13, c: 16 } as const;
/** Time in queue per job (emulated): ~3 s of real time at the e2e time scale, so overlap is unmistakable. */
const QUEUED_MS = 30 * 60_000;

function dataset(chain: string, lines: number): string {
  return Array.from({ length: lines }, (_, i) =>
    JSON.stringify({
      messages: [
        { role: "user", content: `[${chain}] question ${i + 1}: how do I reset item ${i + 1}?` },
        { role: "assistant", content: `[${chain}] Hold the button on item ${i + 1} for five seconds.` },
      ],
    }),
  ).join("\n");
}

const PROGRAM = `
import * as path from "node:path";
import { DedicatedEndpoint, FineTuneJob, TrainingFile } from "pulumi-together";

export const chains = ${JSON.stringify(CHAINS)}.map((x) => {
  const file = new TrainingFile("corpus-" + x, { source: path.join(__dirname, "data", "corpus-" + x + ".jsonl") });
  const job = new FineTuneJob("tune-" + x, {
    model: "Qwen/Qwen3-0.6B",
    trainingFile: file.fileId,
    trainingType: { type: "lora" },
    nEpochs: 1,
    maxPriceUsd: 5,
  });
  const endpoint = new DedicatedEndpoint("serve-" + x, {
    model: job.outputModelName,
    hardware: "1x_nvidia_l40s_48gb_pcie",
    inactiveTimeoutMinutes: 15,
  });
  return {
    fileId: file.fileId,
    jobId: job.jobId,
    outputModelName: job.outputModelName,
    endpointId: endpoint.endpointId,
    endpointModel: endpoint.model,
  };
});
`;

interface Chain {
  fileId: string;
  jobId: string;
  outputModelName: string;
  endpointId: string;
  endpointModel: string;
}

/** One Create RPC as the engine's verbose log shows it: the provider instance, the resource, and the log
 *  lines where it started and where it succeeded. */
interface CreateCall {
  provider: string;
  name: string;
  start: number;
  end: number;
}

/**
 * Create RPCs from `pulumi up -v=7 --logtostderr`: the engine logs `Provider[0x…].Create(urn) executing` and,
 * once the provider process answered, `… success`. The preview pass logs `executing` for its (never sent)
 * creates too, on its own provider instance; only calls that succeeded are kept.
 */
function createCalls(log: string): CreateCall[] {
  const calls = new Map<string, CreateCall>();
  log.split("\n").forEach((line, i) => {
    const m = /(Provider\[0x[0-9a-f]+\])\.Create\(urn:pulumi:[^)]*::([\w-]+)\) (executing|success)/.exec(
      line,
    );
    if (m === null) return;
    const [, provider, name, what] = m as unknown as [string, string, string, string];
    const key = `${provider} ${name}`;
    if (what === "executing") calls.set(key, { provider, name, start: i, end: -1 });
    else calls.get(key)!.end = i;
  });
  return [...calls.values()].filter((c) => c.end >= 0);
}

function overlaps(a: CreateCall, b: CreateCall): boolean {
  return a.start < b.end && b.start < a.end;
}

describeWithCli("parallelism: three chains in one stack on the real engine", (cli) => {
  const e2e = useE2E(cli, "parallelism", API_KEY);
  let p: ScratchProgram;

  beforeAll(async () => {
    p = await e2e.program("parallelism", {
      files: {
        "index.ts": PROGRAM,
        ...Object.fromEntries(CHAINS.map((x) => [`data/corpus-${x}.jsonl`, dataset(x, LINES[x])])),
      },
    });
    e2e.emu.control.setJobDurations({ queuedMs: QUEUED_MS });
    await e2e.initStack(p, "wide");
    await e2e.initStack(p, "narrow");
  });

  /** Runs `up` on `stack` with extra flags; returns the chains, the engine log and the request-log window. */
  async function upStack(stack: string, flags: string[]) {
    const since = e2e.emu.requests.length;
    const { output } = await p.pulumi(["up", "--yes", "--stack", stack, "-v=7", "--logtostderr", ...flags]);
    expect(output).toMatch(/\+ 10 created/);
    const chains = (await p.outputs(stack)).chains as Chain[];
    return { chains, log: output, requests: e2e.emu.requests.slice(since) };
  }

  /** The checks both runs share: nothing crossed between chains, at Together or in the outputs. */
  function expectChainsIntact(chains: Chain[]): void {
    expect(chains).toHaveLength(3);
    for (const key of ["fileId", "jobId", "outputModelName", "endpointId"] as const) {
      expect(new Set(chains.map((c) => c[key])).size).toBe(3);
    }
    chains.forEach((chain, i) => {
      const x = CHAINS[i]!;
      const file = e2e.emu.store.liveFile(chain.fileId)!;
      expect(file.bytes).toBe(Buffer.byteLength(dataset(x, LINES[x])));
      const job = e2e.emu.store.liveJob(chain.jobId)!;
      expect(job.trainingFile).toBe(chain.fileId);
      expect(job.trainingFileLines).toBe(LINES[x]);
      expect(job.outputName).toBe(chain.outputModelName);
      expect(chain.endpointModel).toBe(chain.outputModelName);
      expect(e2e.emu.store.liveEndpoint(chain.endpointId)).toMatchObject({ model: job.outputName });
    });
  }

  test("default parallelism: all ten created, chains intact, the three job creates overlap in one provider process", async () => {
    const { chains, log, requests } = await upStack("wide", []);
    expectChainsIntact(chains);

    const jobs = chains.map((c) => e2e.emu.store.jobs.get(c.jobId)!);
    const posts = requests.filter((r) => r.method === "POST" && r.path === "/v1/fine-tunes");
    expect(posts).toHaveLength(3);
    const firstCompletion = Math.min(...jobs.map((j) => j.schedule.completedAt));
    for (const post of posts) expect(post.at).toBeLessThan(firstCompletion);

    const creates = createCalls(log);
    expect(creates.map((c) => c.name).sort()).toEqual(
      CHAINS.flatMap((x) => [`corpus-${x}`, `serve-${x}`, `tune-${x}`]).sort(),
    );
    expect(new Set(creates.map((c) => c.provider)).size).toBe(1);
    const tunes = creates.filter((c) => c.name.startsWith("tune-"));
    expect(
      overlaps(tunes[0]!, tunes[1]!) && overlaps(tunes[1]!, tunes[2]!) && overlaps(tunes[0]!, tunes[2]!),
    ).toBe(true);
  });

  test("-p 1: all ten created, chains intact, and no two creates overlap", async () => {
    const { chains, log, requests } = await upStack("narrow", ["-p", "1"]);
    expectChainsIntact(chains);

    // Each job is posted only after the previous one completed.
    const jobs = chains
      .map((c) => e2e.emu.store.jobs.get(c.jobId)!)
      .sort((a, b) => a.createdAt - b.createdAt);
    const posts = requests.filter((r) => r.method === "POST" && r.path === "/v1/fine-tunes");
    expect(posts).toHaveLength(3);
    for (let i = 1; i < jobs.length; i++) {
      expect(jobs[i]!.createdAt).toBeGreaterThanOrEqual(jobs[i - 1]!.schedule.completedAt);
    }

    const creates = createCalls(log);
    expect(creates).toHaveLength(9);
    expect(new Set(creates.map((c) => c.provider)).size).toBe(1);
    for (const a of creates) {
      for (const b of creates) if (a !== b) expect(overlaps(a, b)).toBe(false);
    }
  });

  test("outputs of the two stacks are their own", async () => {
    const wide = (await p.outputs("wide")).chains as Chain[];
    const narrow = (await p.outputs("narrow")).chains as Chain[];
    const ids = [...wide, ...narrow].flatMap((c) => [c.fileId, c.jobId, c.endpointId]);
    expect(new Set(ids).size).toBe(18);
    for (const stack of ["wide", "narrow"]) {
      const state = resourcesByName(await p.exportState(stack));
      expect([...state.keys()].sort()).toEqual(
        CHAINS.flatMap((x) => [`corpus-${x}`, `serve-${x}`, `tune-${x}`]).sort(),
      );
    }
  });

  test("destroy (default parallelism and -p 1) leaves nothing live or billing", async () => {
    const wide = await p.pulumi(["destroy", "--yes", "--stack", "wide"]);
    expect(wide.output).toMatch(/- 10 deleted/);
    const narrow = await p.pulumi(["destroy", "--yes", "--stack", "narrow", "-p", "1"]);
    expect(narrow.output).toMatch(/- 10 deleted/);
    expect(e2e.emu.summary()).toMatchObject({
      filesCreated: 6,
      filesLive: 0,
      jobsCreated: 6,
      jobsActive: 0,
      endpointsCreated: 6,
      endpointsLive: 0,
      endpointsBilling: 0,
    });
    for (const stack of ["wide", "narrow"]) {
      expect((await p.exportState(stack)).deployment.resources ?? []).toEqual([]);
    }
  });
});
