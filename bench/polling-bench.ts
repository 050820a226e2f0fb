// Requests per hour while `pulumi up` waits: the real lifecycle create() of a FineTuneJob (waitFor "completed")
// and of a DedicatedEndpoint (waitForReady) runs in-process against the emulator on an accelerated clock; the
// job stays queued for 70 emulated minutes and the endpoint takes 60 to start. The GETs of the job and of the
// endpoint in the emulator's request log, over the emulated span of each wait, give requests per emulated hour.
// Target: <= 120 per hour each. Run: `npm run bench -- polling`.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { TogetherClient } from "../provider/client";
import { API_KEY_ENV, BASE_URL_ENV, TIME_SCALE_ENV } from "../provider/config";
import { dispatch, resetRuntimeForTests } from "../provider/runtime";
import { startEmulator, type RequestRecord } from "../emulator";

// Low enough that a request's real latency stays a small slice of an emulated poll interval.
const TIME_SCALE = 300;
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

export interface PollingFigures {
  jobPolls: number;
  jobWaitMinutes: number;
  jobPerHour: number;
  endpointPolls: number;
  endpointWaitMinutes: number;
  endpointPerHour: number;
}

function rate(polls: RequestRecord[], startedAt: number): { n: number; minutes: number; perHour: number } {
  const last = polls[polls.length - 1]?.at ?? startedAt;
  const span = Math.max(last - startedAt, 1);
  return { n: polls.length, minutes: span / MINUTE, perHour: polls.length / (span / HOUR) };
}

async function createVia(kind: string, news: Record<string, unknown>): Promise<string> {
  const checked = (await dispatch(kind, "check", {}, news)) as {
    inputs?: Record<string, unknown>;
    failures?: { reason: string }[];
  };
  if (checked.failures?.length) throw new Error(checked.failures.map((f) => f.reason).join("\n"));
  const created = (await dispatch(kind, "create", checked.inputs ?? news)) as { id: string };
  return created.id;
}

export async function measurePolling(): Promise<PollingFigures> {
  const saved = {
    key: process.env[API_KEY_ENV],
    url: process.env[BASE_URL_ENV],
    scale: process.env[TIME_SCALE_ENV],
  };
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "polling-bench-"));
  const emu = await startEmulator({ timeScale: TIME_SCALE });
  try {
    emu.control.setJobDurations({ queuedMs: 70 * MINUTE });
    emu.control.setEndpointStartMs(60 * MINUTE);
    const file = path.join(dir, "train.jsonl");
    fs.writeFileSync(
      file,
      `${JSON.stringify({
        messages: [
          { role: "user", content: "q" },
          { role: "assistant", content: "a" },
        ],
      })}\n`,
    );
    const client = new TogetherClient({ baseUrl: emu.baseUrl, apiKey: emu.apiKey });
    const uploaded = await client.files.upload({
      path: file,
      fileName: "train.jsonl",
      purpose: "fine-tune",
      fileType: "jsonl",
    });
    await emu.idle();
    process.env[API_KEY_ENV] = emu.apiKey;
    process.env[BASE_URL_ENV] = emu.baseUrl;
    process.env[TIME_SCALE_ENV] = String(TIME_SCALE);
    resetRuntimeForTests();
    const began = emu.clock.now();
    const [jobId, endpointId] = await Promise.all([
      createVia("FineTuneJob", {
        logicalName: "long-job",
        trainingFile: uploaded.id,
        model: "Qwen/Qwen3-0.6B",
        suffix: "polling",
        waitFor: "completed",
      }),
      createVia("DedicatedEndpoint", {
        logicalName: "slow-endpoint",
        model: "Qwen/Qwen3-8B",
        hardware: "1x_nvidia_h100_80gb_sxm",
        displayName: "polling-bench",
        waitForReady: true,
        timeoutMinutes: 180,
      }),
    ]);
    const gets = (p: string) => emu.requests.filter((r) => r.method === "GET" && r.path === p);
    const created = (p: string) =>
      emu.requests.find((r) => r.method === "POST" && r.path === p && r.status < 300)?.at ?? began;
    const job = rate(gets(`/v1/fine-tunes/${jobId}`), created("/v1/fine-tunes"));
    const endpoint = rate(gets(`/v1/endpoints/${endpointId}`), created("/v1/endpoints"));
    return {
      jobPolls: job.n,
      jobWaitMinutes: job.minutes,
      jobPerHour: job.perHour,
      endpointPolls: endpoint.n,
      endpointWaitMinutes: endpoint.minutes,
      endpointPerHour: endpoint.perHour,
    };
  } finally {
    resetRuntimeForTests();
    restore(API_KEY_ENV, saved.key);
    restore(BASE_URL_ENV, saved.url);
    restore(TIME_SCALE_ENV, saved.scale);
    await emu.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function restore(name: string, value: string | undefined): void {
  if (value === undefined) delete process.env[name];
  else process.env[name] = value;
}

export async function runPollingBench(): Promise<PollingFigures> {
  const f = await measurePolling();
  console.log(
    `fine-tune job wait: ${f.jobPolls} GETs over ${f.jobWaitMinutes.toFixed(0)} emulated min = ` +
      `${f.jobPerHour.toFixed(0)}/hour (target <= 120)`,
  );
  console.log(
    `endpoint start wait: ${f.endpointPolls} GETs over ${f.endpointWaitMinutes.toFixed(0)} emulated min = ` +
      `${f.endpointPerHour.toFixed(0)}/hour (target <= 120)`,
  );
  return f;
}
