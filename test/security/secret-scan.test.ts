// Every example that carries a secret, run through preview, up, refresh and destroy (and one failing run) with
// recognisable values: none may appear in state outside secret envelopes, in the provider's output, in any
// error, or in what the emulator recorded beyond the Authorization header and the create body's token fields.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { startEmulator, type Emulator } from "../../emulator";
import { jobStatus } from "../../emulator/job-timeline";
import { HarnessRunError, LifecycleHarness, type RunOptions, type RunResult } from "../../testing/harness";
import { FineTuneJob, TrainingFile } from "../../sdk";
import { leaks, SCAN, withoutEnvelopes } from "./helpers";

const TIME_SCALE = 600;
type Program = () => Record<string, unknown>;

let emulator: Emulator;
let dir: string;
beforeAll(async () => {
  emulator = await startEmulator({ timeScale: TIME_SCALE, apiKey: SCAN.apiKey });
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "secret-scan-"));
});
afterAll(async () => {
  await emulator.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

function example(name: string): Program {
  return (require(`../../examples/${name}/program`) as { program: Program }).program;
}

/** A stack whose every run is scanned: outputs, provider log and errors as they happen, state after each. */
class ScannedStack {
  readonly found: string[] = [];
  readonly errors: Error[] = [];
  private readonly harness: LifecycleHarness;
  private readonly run: RunOptions;

  constructor(
    private readonly project: string,
    private readonly program: Program,
    config: Record<string, string>,
    secretConfig: string[],
  ) {
    this.harness = new LifecycleHarness({
      stateFile: path.join(dir, `${project}.json`),
      project,
      stack: "scan",
      env: { PULUMI_TOGETHER_TIME_SCALE: String(TIME_SCALE) },
    });
    const namespaced: Record<string, string> = {
      "together:apiKey": SCAN.apiKey,
      "together:baseUrl": emulator.baseUrl,
    };
    for (const [k, v] of Object.entries(config)) namespaced[`${project}:${k}`] = v;
    this.run = {
      config: namespaced,
      secretKeys: ["together:apiKey", ...secretConfig.map((k) => `${project}:${k}`)],
    };
  }

  preview(): Promise<void> {
    return this.step("preview", () => this.harness.preview(this.program, this.run));
  }
  up(): Promise<void> {
    return this.step("up", () => this.harness.up(this.program, this.run));
  }
  refresh(): Promise<void> {
    return this.step("refresh", () => this.harness.refresh(this.run));
  }
  destroy(): Promise<void> {
    return this.step("destroy", () => this.harness.destroy(this.run));
  }

  private async step(name: string, run: () => Promise<RunResult>): Promise<void> {
    const where = `${this.project} ${name}`;
    try {
      const result = await run();
      this.found.push(...leaks(`${where} outputs`, JSON.stringify(result.outputs)));
      this.found.push(...leaks(`${where} provider log`, result.providerLog));
      this.found.push(...leaks(`${where} ops`, JSON.stringify(result.ops)));
    } catch (err) {
      const e = err as Error;
      this.errors.push(e);
      this.found.push(...leaks(`${where} error`, `${e.message}\n${e.stack ?? ""}`));
      if (err instanceof HarnessRunError) {
        this.found.push(...leaks(`${where} provider log`, err.providerLog));
        this.found.push(...leaks(`${where} ops`, JSON.stringify(err.ops)));
      }
    }
    this.found.push(...leaks(`${where} state`, JSON.stringify(withoutEnvelopes(this.harness.state()))));
  }
}

/** Everything the emulator recorded and stores: only "***" may stand where a secret was sent. */
function emulatorLeaks(): string[] {
  const store = {
    files: [...emulator.store.files.values()],
    jobs: [...emulator.store.jobs.values()],
    endpoints: [...emulator.store.endpoints.values()],
  };
  return [
    ...leaks("emulator request log", JSON.stringify(emulator.requests)),
    ...leaks("emulator store", JSON.stringify(store)),
  ];
}

/** Bodies of the accepted job creates; the emulator redacts token fields to "***" on receipt, so "***"
 *  shows a value was sent where the API requires it. */
function createBodies(): Record<string, unknown>[] {
  return emulator.requests
    .filter((r) => r.method === "POST" && r.path === "/v1/fine-tunes" && r.status === 200)
    .map((r) => r.body as Record<string, unknown>);
}

async function lifecycle(stack: ScannedStack): Promise<void> {
  await stack.preview();
  await stack.up();
  await stack.refresh();
  await stack.destroy();
}

function wandbProgram(suffix: string): Program {
  return () => {
    const file = new TrainingFile("tone", {
      source: path.join(__dirname, "../../examples/quickstart/data/helpdesk-chats.jsonl"),
    });
    const job = new FineTuneJob("tone-sft", {
      model: "Qwen/Qwen3-0.6B",
      trainingFile: file.fileId,
      trainingType: { type: "lora" },
      suffix,
      wandb: { apiKey: SCAN.wandbKey, projectName: "scan" },
    });
    return { jobId: job.jobId, wandbUrl: job.wandbUrl, wandb: job.wandb };
  };
}

describe("secrets never leak (API key, HF token, W&B key)", () => {
  it("quickstart: preview, up, refresh, destroy", async () => {
    const stack = new ScannedStack("pulumi-together-quickstart", example("quickstart"), {}, []);
    await lifecycle(stack);
    expect(stack.errors).toEqual([]);
    expect([...stack.found, ...emulatorLeaks()]).toEqual([]);
    // Every API request carried the key (the emulator answers 401 otherwise) and was logged redacted.
    const api = emulator.requests.filter((r) => r.path.startsWith("/v1/"));
    expect(api.length).toBeGreaterThan(0);
    expect(api.filter((r) => r.status === 401)).toEqual([]);
    expect(new Set(api.map((r) => r.headers.authorization))).toEqual(new Set(["Bearer ***"]));
  });

  it("byom with hfApiToken: preview, up, refresh, destroy", async () => {
    const stack = new ScannedStack(
      "pulumi-together-byom",
      example("byom"),
      { hfModel: "acme/qwen3-0.6b-sql", hfApiToken: SCAN.hfToken },
      ["hfApiToken"],
    );
    await lifecycle(stack);
    expect(stack.errors).toEqual([]);
    expect([...stack.found, ...emulatorLeaks()]).toEqual([]);
    expect(createBodies().some((b) => b.hf_api_token === "***")).toBe(true);
  });

  it("a job with wandb.apiKey: preview, up, refresh, destroy", async () => {
    const stack = new ScannedStack("scan-wandb", wandbProgram("scan-ok"), {}, []);
    await lifecycle(stack);
    expect(stack.errors).toEqual([]);
    expect([...stack.found, ...emulatorLeaks()]).toEqual([]);
    const body = createBodies().find((b) => b.suffix === "scan-ok");
    expect(body).toMatchObject({ wandb_api_key: "***", wandb_key: "***" });
  });

  it("failing runs (a refused create, a job that fails, refresh and destroy after them)", async () => {
    const stack = new ScannedStack("scan-failing", wandbProgram("scan-fail"), {}, []);
    await stack.preview();
    emulator.faults.add({
      method: "POST",
      path: "/v1/fine-tunes",
      action: { type: "status", status: 400, message: "invalid wandb settings for this request" },
    });
    await stack.up();
    emulator.faults.clear();

    emulator.control.setJobDurations({ msPer1kTokens: 50_000 });
    const up = stack.up();
    const deadline = Date.now() + 30_000;
    let failed = false;
    while (!failed && Date.now() < deadline) {
      const job = [...emulator.store.jobs.values()].find(
        (j) => j.suffix === "scan-fail" && jobStatus(j, emulator.clock.now()) === "running",
      );
      if (job) {
        emulator.control.failJob(job.id, "worker lost");
        failed = true;
      } else await new Promise((r) => setTimeout(r, 5));
    }
    emulator.control.setJobDurations({ msPer1kTokens: 200 });
    await up;
    await stack.refresh();
    await stack.destroy();

    expect(failed).toBe(true);
    expect(stack.errors.map((e) => e.message)).toEqual([
      expect.stringContaining("invalid wandb settings for this request"),
      expect.stringContaining("worker lost"),
    ]);
    expect([...stack.found, ...emulatorLeaks()]).toEqual([]);
  });
});
