// What the drift, partial-failure and interrupted e2e files share: bounded polling of the emulator, calls to
// Together made "by hand" (as a user in the console would, outside Pulumi), and readers of what an `up` left.
import * as fs from "node:fs";
import * as path from "node:path";
import type { Emulator, RequestRecord } from "../../../emulator";
import { endpointState } from "../../../emulator/endpoint-state";
import { jobStatus, TERMINAL_STATUSES } from "../../../emulator/job-timeline";
import { REPO } from "../../../scripts/real-cli/installed-package";
import type { StackExport, StackResource } from "../../../scripts/real-cli/scratch-program";

/** The small conversation dataset the lifecycle tests use (8 samples), for a program's `train.jsonl`. */
export const TRAIN_JSONL = fs.readFileSync(
  path.join(REPO, "test", "lifecycle", "fixtures", "fine-tune-job", "train.jsonl"),
  "utf8",
);
export const MODEL = "Qwen/Qwen3-0.6B";
export const H100 = "1x_nvidia_h100_80gb_sxm";
export const HOUR_MS = 60 * 60_000;

/** A dataset, a LoRA job on it and an endpoint serving the result (auto-stop off), exporting their ids: the
 *  stack the interrupted and stacks-apart files kill, re-run and deploy side by side. */
export const FILE_JOB_ENDPOINT_PROGRAM = `import * as path from "node:path";
import { DedicatedEndpoint, FineTuneJob, TrainingFile } from "pulumi-together";

const data = new TrainingFile("chats", { source: path.join(__dirname, "train.jsonl") });
const job = new FineTuneJob("tune", {
  model: ${JSON.stringify(MODEL)},
  trainingFile: data.fileId,
  trainingType: { type: "lora", loraR: 8 },
});
const endpoint = new DedicatedEndpoint("serve", {
  model: job.outputModelName,
  hardware: ${JSON.stringify(H100)},
  inactiveTimeoutMinutes: 0,
});
export const fileId = data.fileId;
export const jobId = job.jobId;
export const endpointId = endpoint.endpointId;
`;

/** Polls `probe` every 50 ms until it returns a value other than undefined; fails after `timeoutMs`. */
export async function until<T>(what: string, probe: () => T | undefined, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** A call to the emulator's Together API with the account's key, outside Pulumi. */
export async function byHand(
  emu: Emulator,
  method: string,
  apiPath: string,
  body?: unknown,
): Promise<Record<string, unknown>> {
  const res = await fetch(`${emu.baseUrl}${apiPath}`, {
    method,
    headers: {
      authorization: `Bearer ${emu.apiKey}`,
      ...(body === undefined ? {} : { "content-type": "application/json" }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${apiPath} answered ${res.status}: ${text}`);
  return text === "" ? {} : (JSON.parse(text) as Record<string, unknown>);
}

/** State of a (non-deleted) endpoint now, as GET /endpoints/{id} would say. */
export function endpointStateOf(emu: Emulator, id: string): string | undefined {
  const ep = emu.store.liveEndpoint(id);
  return ep === undefined ? undefined : endpointState(ep, emu.clock.now());
}

/** Status of a (non-deleted) job now. */
export function jobStatusOf(emu: Emulator, id: string): string | undefined {
  const job = emu.store.liveJob(id);
  return job === undefined ? undefined : jobStatus(job, emu.clock.now());
}

/** Ids of the emulator's objects of a kind, deleted ones included: take one before a step, compare after. */
export function idsOf(emu: Emulator, kind: "files" | "jobs" | "endpoints"): Set<string> {
  return new Set(emu.store[kind].keys());
}

/** Objects of a kind made since `before` was taken. */
export function madeSince(
  emu: Emulator,
  kind: "files" | "jobs" | "endpoints",
  before: Set<string>,
): string[] {
  return [...emu.store[kind].keys()].filter((id) => !before.has(id));
}

/** Non-deleted objects of a kind, optionally limited to `ids`. */
export function liveIds(
  emu: Emulator,
  kind: "files" | "jobs" | "endpoints",
  among?: Iterable<string>,
): string[] {
  const store = emu.store[kind] as Map<string, { deleted: boolean }>;
  const ids = among === undefined ? [...store.keys()] : [...among];
  return ids.filter((id) => store.get(id)?.deleted === false);
}

/** Endpoints among `ids` still billing (pending, starting or started and not deleted). */
export function billingEndpoints(emu: Emulator, ids: Iterable<string>): string[] {
  return [...ids].filter((id) => {
    const s = endpointStateOf(emu, id);
    return s === "PENDING" || s === "STARTING" || s === "STARTED";
  });
}

/** Jobs among `ids` still active (not completed, failed or cancelled; not deleted). */
export function activeJobs(emu: Emulator, ids: Iterable<string>): string[] {
  return [...ids].filter((id) => {
    const job = emu.store.liveJob(id);
    return job !== undefined && !TERMINAL_STATUSES.has(jobStatus(job, emu.clock.now()));
  });
}

/** Requests from index `since` on whose method and path match. */
export function requestsTo(
  emu: Emulator,
  method: string,
  pathPattern: RegExp | string,
  since = 0,
): RequestRecord[] {
  return emu.requests
    .slice(since)
    .filter(
      (r) =>
        r.method === method &&
        (typeof pathPattern === "string" ? r.path === pathPattern : pathPattern.test(r.path)),
    );
}

/** The resource of a stack export whose URN ends with `::<name>`. */
export function stateOf(state: StackExport, name: string): StackResource | undefined {
  return (state.deployment.resources ?? []).find((r) => r.urn.endsWith(`::${name}`));
}

/** Processes whose working directory is `dir` (the CLI, the program runner and the provider all run there). */
export function processesIn(dir: string): number[] {
  const out: number[] = [];
  for (const entry of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (fs.readlinkSync(`/proc/${entry}/cwd`) === dir) out.push(Number(entry));
    } catch {
      continue; // gone meanwhile, or not ours to read
    }
  }
  return out;
}
