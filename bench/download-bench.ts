// Model download throughput and memory (issue #18): the client's `fineTunes.download` against `curl -o` of the
// same URL, both from the emulator's `GET /v1/finetune/download` serving a 2 GiB weights archive.
//
// Starts the emulator with `setDownloadWeightsBytes` (the archive is computed as it is read: nothing is stored),
// creates a small file and a LoRA job, lets it complete, and for several rounds (alternating which goes first):
//   - downloads the archive through the client in a child node process (so `process.resourceUsage().maxRSS` is
//     the client's own peak RSS), after an untimed warm-up download aborted at 4 MiB (see warmUp);
//   - `curl -sS --fail -o` the same URL (taken from the client's request in the emulator's log) with the same
//     Authorization header (read from a 0600 file, not argv).
// Both write into one temp folder; each file is deleted and the page cache flushed (`sync`) before the next
// transfer. Prints each round's rates, then: client MB/s (from the call until the last byte is written, as curl's
// time_total; the call's whole time including its fsync is printed too) and curl MB/s (medians), the ratio (the
// median of each round's curl/client time pair), client peak RSS, CPU-seconds per GiB of each side and of the
// emulator serving each. Targets: >= 0.9x curl, client peak RSS < 150 MB.
//
// CPUs: not pinned by default. The client hashes the archive (SHA-256 is an output; curl computes none) on a
// second thread when the process has a second CPU, as a provider process beside a remote server has. Pinning the
// emulator to CPU 0 on a 2-core machine leaves the client one CPU for receiving, writing and hashing, a machine no
// user downloads on; not pinned, the emulator (about 0.3 CPU-s per GiB, computed-body.ts) takes little of the
// client's second core. BENCH_DOWNLOAD_PIN=1 pins (the emulator on CPU 0, curl and the client on the others: the
// one-CPU figure), BENCH_DOWNLOAD_PIN=server pins only the emulator (cpu-pinning.ts).
//
// Env: BENCH_DOWNLOAD_GIB (default 2), BENCH_DOWNLOAD_ROUNDS (default 7), BENCH_DOWNLOAD_DIR (where the files go;
// default a folder under the OS temp dir). Run: `npm run bench -- download`.
import { pinCpus, runMeasuredChild, type CpuPlan } from "./cpu-pinning";
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";
import { TogetherClient } from "../provider/client";
import { type Emulator, startEmulator } from "../emulator";
import { archiveSha256 } from "../emulator/model-archive";
import { archiveFor, setDownloadWeightsBytes } from "../emulator/routes/downloads";
import { errorText } from "../provider/shared/error-text";

const GiB = 2 ** 30;
const MiB = 2 ** 20;
const MB = 1e6;
const CHILD_FLAG = "--download-bench-child";
const DOWNLOAD_PATH = "/v1/finetune/download";

interface ChildResult {
  /** From the call to the last byte written (before the client's fsync), as curl's time_total is. */
  ms: number;
  /** The whole `fineTunes.download()` call: the transfer, then fsync and close. */
  totalMs: number;
  /** User + system CPU of the timed download, ms. */
  cpuMs: number;
  bytes: number;
  sha256: string;
  maxRssKb: number;
}

interface CurlResult {
  ms: number;
  /** User + system CPU from /usr/bin/time, when it exists. */
  cpuMs?: number;
}

/** A completed LoRA job on a small conversational file: what the download route serves an archive for. */
async function completedJob(emu: Emulator, dir: string): Promise<string> {
  const api = new TogetherClient({ baseUrl: emu.baseUrl, apiKey: emu.apiKey });
  try {
    const source = path.join(dir, "train.jsonl");
    const line = (i: number): string =>
      JSON.stringify({
        messages: [
          { role: "user", content: `question ${i}` },
          { role: "assistant", content: `answer ${i}` },
        ],
      });
    fs.writeFileSync(source, `${Array.from({ length: 20 }, (_, i) => line(i)).join("\n")}\n`);
    const file = await api.files.upload({
      path: source,
      fileName: "train.jsonl",
      purpose: "fine-tune",
      fileType: "jsonl",
    });
    await emu.idle();
    emu.clock.advance(60_000);
    const job = await api.fineTunes.create({
      training_file: file.id,
      model: "Qwen/Qwen3-0.6B",
      training_type: { type: "Lora", lora_r: 8, lora_alpha: 16 },
      n_epochs: 1,
    } as never);
    emu.clock.advance(365 * 24 * 3600_000);
    fs.rmSync(source);
    return job.id;
  } finally {
    await api.close();
  }
}

async function clientDownload(
  cpu: CpuPlan,
  baseUrl: string,
  apiKey: string,
  jobId: string,
  file: string,
): Promise<ChildResult> {
  return runMeasuredChild<ChildResult>(cpu, __filename, [CHILD_FLAG, baseUrl, jobId, file], apiKey);
}

async function curlDownload(
  cpu: CpuPlan,
  url: string,
  headerFile: string,
  file: string,
): Promise<CurlResult> {
  const timed = fs.existsSync("/usr/bin/time") ? ["/usr/bin/time", "-f", "cpu %U %S"] : [];
  const argv = [
    ...cpu.prefix,
    ...timed,
    "curl",
    "-sS",
    "--fail",
    "-H",
    `@${headerFile}`,
    "-o",
    file,
    "-w",
    "%{time_total}",
    url,
  ];
  const { stdout, stderr } = await promisify(execFile)(argv[0]!, argv.slice(1));
  const cpu2 = /cpu ([\d.]+) ([\d.]+)\s*$/.exec(stderr);
  return {
    ms: Number(stdout.trim()) * 1000,
    ...(cpu2 && { cpuMs: (Number(cpu2[1]) + Number(cpu2[2])) * 1000 }),
  };
}

async function sha256File(p: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of fs.createReadStream(p, { highWaterMark: 4 * MiB })) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

/** Deletes what the last transfer wrote and flushes dirty pages: each transfer starts from the same state. */
async function settle(file: string): Promise<void> {
  fs.rmSync(file, { force: true });
  await promisify(execFile)("sync");
}

function cpuMs(u: NodeJS.CpuUsage): number {
  return (u.user + u.system) / 1000;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

export interface DownloadFigures {
  gib: number;
  rounds: number;
  clientMBps: number;
  curlMBps: number;
  /** Median over rounds of curl time / client time. */
  ratio: number;
  clientPeakRssMB: number;
  clientCpuSecondsPerGiB: number;
  curlCpuSecondsPerGiB?: number;
  /** CPU-seconds per GiB the emulator (this process) spent serving each side. */
  emulatorCpuSecondsPerGiB: { client: number; curl: number };
  /** Where the files were written. */
  dir: string;
  cpus: string;
  loadAverage: number[];
}

export async function runDownloadBench(): Promise<DownloadFigures> {
  const gib = Number(process.env.BENCH_DOWNLOAD_GIB ?? "2");
  const rounds = Number(process.env.BENCH_DOWNLOAD_ROUNDS ?? "7");
  if (!(gib > 0) || !Number.isInteger(rounds) || rounds < 1) {
    throw new Error("BENCH_DOWNLOAD_GIB must be > 0 and BENCH_DOWNLOAD_ROUNDS a whole number >= 1");
  }
  const parent = process.env.BENCH_DOWNLOAD_DIR ?? os.tmpdir();
  const dir = fs.mkdtempSync(path.join(parent, "pulumi-together-download-bench-"));
  const onSignal = (signal: NodeJS.Signals): void => {
    fs.rmSync(dir, { recursive: true, force: true });
    process.kill(process.pid, signal);
  };
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  const cpu = pinCpus("BENCH_DOWNLOAD_PIN", "downloaders", "0");
  const emu = await startEmulator();
  try {
    const jobId = await completedJob(emu, dir);
    setDownloadWeightsBytes(emu.store, Math.round(gib * GiB));
    const archive = archiveFor(emu.store, emu.clock.now(), jobId, "merged", undefined);
    const want = await archiveSha256(archive);
    const headerFile = path.join(dir, "auth-header");
    fs.writeFileSync(headerFile, `Authorization: Bearer ${emu.apiKey}\n`, { mode: 0o600 });
    const clientFile = path.join(dir, "client.tar.zst");
    const curlFile = path.join(dir, "curl.tar.zst");

    let url: string | undefined;
    const curlRuns: CurlResult[] = [];
    const clientRuns: ChildResult[] = [];
    /** This process's CPU (the emulator serving) during each transfer, ms. */
    const served: Record<"client" | "curl", number[]> = { client: [], curl: [] };
    for (let round = 0; round < rounds; round++) {
      // The client goes first in the first round: curl's URL is the one the client asked for.
      const order = round % 2 === 0 ? ["client", "curl"] : ["curl", "client"];
      for (const who of order) {
        if (who === "client") {
          await settle(clientFile);
          const e0 = process.cpuUsage();
          const r = await clientDownload(cpu, emu.baseUrl, emu.apiKey, jobId, clientFile);
          served.client.push(cpuMs(process.cpuUsage(e0)));
          if (r.bytes !== archive.bytes || r.sha256 !== want) {
            throw new Error(
              `the client downloaded ${r.bytes} bytes with SHA-256 ${r.sha256}, not the archive`,
            );
          }
          clientRuns.push(r);
          if (url === undefined) {
            const sent = emu.requests.filter((q) => q.path === DOWNLOAD_PATH && q.status === 200).at(-1)!;
            const u = new URL(emu.baseUrl);
            u.pathname = DOWNLOAD_PATH;
            for (const [k, v] of Object.entries(sent.query)) u.searchParams.set(k, v);
            url = u.href;
          }
        } else {
          await settle(curlFile);
          const e0 = process.cpuUsage();
          curlRuns.push(await curlDownload(cpu, url!, headerFile, curlFile));
          served.curl.push(cpuMs(process.cpuUsage(e0)));
          if (curlRuns.length === 1) {
            const got = await sha256File(curlFile);
            if (got !== want) throw new Error(`curl downloaded an archive with SHA-256 ${got}, not ${want}`);
          }
        }
      }
    }
    await settle(clientFile);
    await settle(curlFile);
    // Every timed request (the warm-ups' aside) asked for the same URL, client and curl alike.
    const queries = new Set(
      emu.requests.filter((q) => q.path === DOWNLOAD_PATH).map((q) => JSON.stringify(q.query)),
    );
    if (queries.size !== 1)
      throw new Error(`client and curl asked for different URLs: ${[...queries].join(" ")}`);

    const bytes = archive.bytes;
    const mbps = (ms: number): number => bytes / MB / (ms / 1000);
    const rates = (times: number[]): string => times.map((ms) => mbps(ms).toFixed(0)).join(" ");
    console.log(`${(bytes / GiB).toFixed(2)} GiB archive (${bytes} bytes), SHA-256 ${want.slice(0, 16)}…`);
    console.log(`curl   MB/s each round: ${rates(curlRuns.map((r) => r.ms))}`);
    console.log(`client MB/s each round: ${rates(clientRuns.map((r) => r.ms))}`);
    console.log(`client MB/s incl. fsync: ${rates(clientRuns.map((r) => r.totalMs))}`);
    const perGiB = (ms: number): number => ms / 1000 / (bytes / GiB);
    const curlCpu = curlRuns.every((r) => r.cpuMs !== undefined)
      ? median(curlRuns.map((r) => perGiB(r.cpuMs!)))
      : undefined;
    const figures: DownloadFigures = {
      gib,
      rounds,
      clientMBps: mbps(median(clientRuns.map((r) => r.ms))),
      curlMBps: mbps(median(curlRuns.map((r) => r.ms))),
      // Each client transfer against the curl transfer of its own round (back to back).
      ratio: median(clientRuns.map((r, i) => curlRuns[i]!.ms / r.ms)),
      clientPeakRssMB: Math.max(...clientRuns.map((r) => r.maxRssKb)) / 1024,
      clientCpuSecondsPerGiB: median(clientRuns.map((r) => perGiB(r.cpuMs))),
      ...(curlCpu !== undefined && { curlCpuSecondsPerGiB: curlCpu }),
      emulatorCpuSecondsPerGiB: {
        client: median(served.client.map(perGiB)),
        curl: median(served.curl.map(perGiB)),
      },
      dir: parent,
      cpus: cpu.describe,
      loadAverage: os.loadavg(),
    };
    console.log(
      `client ${figures.clientMBps.toFixed(0)} MB/s vs curl ${figures.curlMBps.toFixed(0)} MB/s (medians); ` +
        `ratio ${figures.ratio.toFixed(2)}x (median of rounds); client peak RSS ${figures.clientPeakRssMB.toFixed(0)} MB; ` +
        `CPU-s per GiB: client ${figures.clientCpuSecondsPerGiB.toFixed(2)}` +
        (curlCpu === undefined ? "" : `, curl ${curlCpu.toFixed(2)}`) +
        `; the emulator serving them ${figures.emulatorCpuSecondsPerGiB.client.toFixed(2)} and ` +
        `${figures.emulatorCpuSecondsPerGiB.curl.toFixed(2)}`,
    );
    console.log(
      `files in ${parent}; CPUs: ${cpu.describe}; load average ${figures.loadAverage.map((l) => l.toFixed(1)).join(" ")}. ` +
        "targets: client >= 0.9x curl, client peak RSS < 150 MB",
    );
    return figures;
  } finally {
    await emu.close();
    cpu.release();
    fs.rmSync(dir, { recursive: true, force: true });
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
}

/**
 * Untimed, before the measured download: the same download through a second client, aborted once 4 MiB are on
 * disk. The measured one then runs in a process that has run this code once, as a provider process has by the
 * time it downloads (see warmUp in bench/upload-bench.ts), and still on a fresh connection, as curl's is.
 */
async function warmUp(baseUrl: string, apiKey: string, jobId: string, file: string): Promise<void> {
  const client = new TogetherClient({ baseUrl, apiKey, maxRetries: 0 });
  const abort = new AbortController();
  try {
    await client.fineTunes.download({
      jobId,
      checkpoint: "merged",
      path: file,
      signal: abort.signal,
      onProgress: (received) => {
        if (received >= 4 * MiB) abort.abort(new Error("warm-up done"));
      },
    });
  } catch (err) {
    if (!abort.signal.aborted) throw err;
  } finally {
    await client.close();
    fs.rmSync(file, { force: true });
  }
}

async function child(baseUrl: string, jobId: string, file: string): Promise<void> {
  const apiKey = process.env.TOGETHER_API_KEY ?? "";
  await warmUp(baseUrl, apiKey, jobId, `${file}.warm-up`);
  const client = new TogetherClient({ baseUrl, apiKey });
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  let lastByte: number | undefined;
  const r = await client.fineTunes.download({
    jobId,
    checkpoint: "merged",
    path: file,
    onProgress: (received, total) => {
      if (received >= total) lastByte = performance.now();
    },
  });
  const totalMs = performance.now() - started;
  const cpu = process.cpuUsage(cpuBefore);
  await client.close();
  const result: ChildResult = {
    ms: (lastByte ?? performance.now()) - started,
    totalMs,
    cpuMs: cpuMs(cpu),
    bytes: r.bytes,
    sha256: r.sha256,
    maxRssKb: process.resourceUsage().maxRSS,
  };
  process.send?.(result);
}

if (process.argv[2] === CHILD_FLAG) {
  const [baseUrl, jobId, file] = process.argv.slice(3) as [string, string, string];
  child(baseUrl, jobId, file).catch((err: unknown) => {
    console.error(errorText(err));
    process.exit(1);
  });
}
