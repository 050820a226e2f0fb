// What recovering interrupted creates from Together costs (issue #16): every create first asks Together for an
// orphan of its resource (a listing), so a fresh `up` of the quickstart stack makes a few more calls; an unchanged
// `up` creates nothing and so lists nothing. Figures: API calls by route during a fresh up and an unchanged up,
// through the lifecycle harness against the emulator. Run: `npm run bench -- recovery`.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { startEmulator } from "../emulator";
import { LifecycleHarness } from "../testing/harness";
import { DedicatedEndpoint, FineTuneJob, TrainingFile } from "../sdk";

const TIME_SCALE = 600;
/** The quickstart's shape: a dataset, a LoRA job on it, an endpoint serving the result. */
function quickstart(source: string): () => Record<string, unknown> {
  return () => {
    const data = new TrainingFile("chats", { source });
    const job = new FineTuneJob("tune", {
      model: "Qwen/Qwen3-0.6B",
      trainingFile: data.fileId,
      trainingType: { type: "lora", loraR: 8 },
    });
    const endpoint = new DedicatedEndpoint("serve", {
      model: job.outputModelName,
      hardware: "1x_nvidia_h100_80gb_sxm",
    });
    return { endpointId: endpoint.endpointId };
  };
}

const LISTS = ["GET /v1/files", "GET /v1/fine-tunes", "GET /v1/endpoints"];

export interface RecoveryFigures {
  freshUp: Record<string, number>;
  unchangedUp: Record<string, number>;
}

function route(p: string): string {
  return p.replace(/\?.*$/, "").replace(/\/(file|ft|endpoint)-[A-Za-z0-9-]+/g, "/$1-{id}");
}

export async function measureRecovery(): Promise<RecoveryFigures> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "recovery-bench-"));
  const emu = await startEmulator({ timeScale: TIME_SCALE });
  try {
    const source = path.join(dir, "train.jsonl");
    const line = (i: number) =>
      JSON.stringify({
        messages: [
          { role: "user", content: `question ${i}` },
          { role: "assistant", content: `answer ${i}` },
        ],
      });
    fs.writeFileSync(source, `${Array.from({ length: 20 }, (_, i) => line(i)).join("\n")}\n`);
    const program = quickstart(source);
    const harness = new LifecycleHarness({
      stateFile: path.join(dir, "state.json"),
      project: "bench",
      stack: "dev",
      env: {
        PULUMI_TOGETHER_TIME_SCALE: String(TIME_SCALE),
        PULUMI_TOGETHER_JOURNAL_DIR: path.join(dir, "journal"),
      },
    });
    const run = {
      config: { "together:apiKey": emu.apiKey, "together:baseUrl": emu.baseUrl },
      secretKeys: ["together:apiKey"],
    };
    const calls = async (up: () => Promise<unknown>): Promise<Record<string, number>> => {
      const before = emu.requests.length;
      await up();
      const out: Record<string, number> = {};
      for (const r of emu.requests.slice(before)) {
        const key = `${r.method} ${route(r.path)}`;
        out[key] = (out[key] ?? 0) + 1;
      }
      return out;
    };
    const freshUp = await calls(() => harness.up(program, run));
    const unchangedUp = await calls(() => harness.up(program, run));
    await harness.destroy(run);
    return { freshUp, unchangedUp };
  } finally {
    await emu.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const total = (c: Record<string, number>): number => Object.values(c).reduce((a, b) => a + b, 0);
const lists = (c: Record<string, number>): number => LISTS.reduce((n, k) => n + (c[k] ?? 0), 0);

export async function runRecoveryBench(): Promise<RecoveryFigures> {
  const f = await measureRecovery();
  console.log("quickstart stack (TrainingFile, FineTuneJob, DedicatedEndpoint), lifecycle harness, emulator");
  console.log(`fresh up: ${total(f.freshUp)} API calls, ${lists(f.freshUp)} of them listings`);
  for (const [key, n] of Object.entries(f.freshUp).sort()) console.log(`  ${n} x ${key}`);
  console.log(
    `unchanged up: ${total(f.unchangedUp)} API calls, ${lists(f.unchangedUp)} listings (goal: no listing)`,
  );
  for (const [key, n] of Object.entries(f.unchangedUp).sort()) console.log(`  ${n} x ${key}`);
  return f;
}
