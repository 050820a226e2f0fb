// Preview of an unchanged 50-resource stack: 20 TrainingFiles of tiny datasets, 15 FineTuneJobs (waitFor
// "none") and 15 DedicatedEndpoints (waitForReady false), created by one `up` through the lifecycle harness
// against the emulator, then previewed. Figures: the preview's wall time and the API calls the emulator received
// during it (goal: none for unchanged resources). Target: preview < 5 s. Run: `npm run bench -- preview`.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { DedicatedEndpoint, FineTuneJob, TrainingFile } from "../sdk";
import { startEmulator } from "../emulator";
import { LifecycleHarness } from "../testing/harness";

const TIME_SCALE = 600;
const FILES = 20;
const JOBS = 15;
const ENDPOINTS = 15;

export interface PreviewFigures {
  resources: number;
  upMs: number;
  previewMs: number;
  /** Requests the emulator received during the preview, by route (ids replaced by `{id}`). */
  calls: Record<string, number>;
  apiCalls: number;
  /** Ops of the preview other than `same`. */
  changed: number;
}

function datasetLines(i: number): string {
  const line = (q: string, a: string) =>
    JSON.stringify({
      messages: [
        { role: "user", content: q },
        { role: "assistant", content: a },
      ],
    });
  return `${line(`question ${i}a`, `answer ${i}a`)}\n${line(`question ${i}b`, `answer ${i}b`)}\n`;
}

function route(p: string): string {
  return p.replace(/\/(file|ft|endpoint)-[A-Za-z0-9-]+/g, "/$1-{id}");
}

export async function measurePreview(): Promise<PreviewFigures> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "preview-bench-"));
  const emu = await startEmulator({ timeScale: TIME_SCALE });
  try {
    const sources = Array.from({ length: FILES }, (_, i) => {
      const file = path.join(dir, `train-${i}.jsonl`);
      fs.writeFileSync(file, datasetLines(i));
      return file;
    });
    const program = (): Record<string, unknown> => {
      const files = sources.map((source, i) => new TrainingFile(`train-${i}`, { source }));
      for (let i = 0; i < JOBS; i++) {
        new FineTuneJob(`job-${i}`, {
          trainingFile: files[i % FILES]!.fileId,
          model: "Qwen/Qwen3-0.6B",
          waitFor: "none",
        });
      }
      for (let i = 0; i < ENDPOINTS; i++) {
        new DedicatedEndpoint(`endpoint-${i}`, {
          model: "Qwen/Qwen3-8B",
          hardware: "1x_nvidia_l40s_48gb_pcie",
          waitForReady: false,
        });
      }
      return {};
    };
    const harness = new LifecycleHarness({
      stateFile: path.join(dir, "state.json"),
      project: "bench",
      stack: "dev",
      cwd: dir,
      env: { PULUMI_TOGETHER_TIME_SCALE: String(TIME_SCALE) },
    });
    const run = {
      config: { "together:apiKey": emu.apiKey, "together:baseUrl": emu.baseUrl },
      secretKeys: ["together:apiKey"],
    };
    let started = performance.now();
    await harness.up(program, run);
    const upMs = performance.now() - started;
    await emu.idle();
    const before = emu.requests.length;
    started = performance.now();
    const preview = await harness.preview(program, run);
    const previewMs = performance.now() - started;
    const calls: Record<string, number> = {};
    for (const r of emu.requests.slice(before)) {
      const key = `${r.method} ${route(r.path)}`;
      calls[key] = (calls[key] ?? 0) + 1;
    }
    return {
      resources: preview.ops.length,
      upMs,
      previewMs,
      calls,
      apiCalls: emu.requests.length - before,
      changed: preview.ops.filter((o) => o.op !== "same").length,
    };
  } finally {
    await emu.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export async function runPreviewBench(): Promise<PreviewFigures> {
  const f = await measurePreview();
  console.log(`stack: ${FILES} TrainingFiles, ${JOBS} FineTuneJobs, ${ENDPOINTS} DedicatedEndpoints`);
  console.log(`initial up: ${(f.upMs / 1000).toFixed(1)} s`);
  console.log(
    `preview of ${f.resources} unchanged resources: ${(f.previewMs / 1000).toFixed(2)} s ` +
      `(target < 5 s), ${f.changed} not "same"`,
  );
  console.log(`API calls during the preview: ${f.apiCalls} (goal: 0)`);
  for (const [key, n] of Object.entries(f.calls)) console.log(`  ${n} x ${key}`);
  return f;
}
