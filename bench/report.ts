// One table with every figure measured in this process, side by side with its target. Benchmarks that already
// ran in this process (`npm run bench` runs every one before the report) are not run again; the others run now.
// Run alone: `npm run bench -- report` (measures everything once, then prints the table).
import * as os from "node:os";
import { runCheckBench, runHashBench, type CheckFigures, type HashFigures } from "./check-bench";
import { runPollingBench, type PollingFigures } from "./polling-bench";
import { runPreviewBench, type PreviewFigures } from "./preview-bench";
import { runSizeBench, type SizeFigures } from "./size-bench";
import { runTokenEstimateBench, type TokenEstimateFigures } from "./token-estimate-bench";
import { runCliBench, type CliFigures } from "./cli-bench";
import { runUploadBench, type UploadFigures } from "./upload-bench";
import { runDownloadBench, type DownloadFigures } from "./download-bench";

const results = new Map<string, unknown>();

/** Wraps a benchmark so the report can reuse its figures instead of measuring again. */
export function remembered<T>(name: string, run: () => Promise<T>): () => Promise<T> {
  return async () => {
    const figures = await run();
    results.set(name, figures);
    return figures;
  };
}

async function figures<T>(name: string, run: () => Promise<T>): Promise<T> {
  if (results.has(name)) return results.get(name) as T;
  console.log(`\n== ${name} (for the report) ==`);
  return remembered(name, run)();
}

export type ReportRow = [figure: string, measured: string, target: string, met: string];

const yes = (ok: boolean): string => (ok ? "yes" : "NO");
const fixed = (n: number, digits = 0): string => n.toFixed(digits);

function uploadRows(u: UploadFigures): ReportRow[] {
  return u.sizes.flatMap((s) => [
    [
      `upload ${s.gib} GiB: client vs curl -T (median MB/s; median of paired rounds)`,
      `${fixed(s.clientMBps)} vs ${fixed(s.curlMBps)} MB/s; ${fixed(s.ratio, 2)}x`,
      ">= 0.9x",
      yes(s.ratio >= 0.9),
    ],
    [
      `upload ${s.gib} GiB: client peak RSS`,
      `${fixed(s.clientPeakRssMB)} MB`,
      "< 150 MB",
      yes(s.clientPeakRssMB < 150),
    ],
  ]);
}

function downloadRows(d: DownloadFigures): ReportRow[] {
  return [
    [
      `download ${d.gib} GiB: client vs curl -o (median MB/s; median of paired rounds)`,
      `${fixed(d.clientMBps)} vs ${fixed(d.curlMBps)} MB/s; ${fixed(d.ratio, 2)}x`,
      ">= 0.9x",
      yes(d.ratio >= 0.9),
    ],
    [
      `download ${d.gib} GiB: client peak RSS`,
      `${fixed(d.clientPeakRssMB)} MB`,
      "< 150 MB",
      yes(d.clientPeakRssMB < 150),
    ],
  ];
}

function checkRows(c: CheckFigures, h: HashFigures): ReportRow[] {
  return [
    ["check 1 GiB JSONL (per CPU-second)", `${fixed(c.cpuMBps)} MB/s`, ">= 250 MB/s", yes(c.cpuMBps >= 250)],
    ["check 1 GiB JSONL (wall clock)", `${fixed(c.wallMBps)} MB/s`, "", ""],
    ["check peak RSS", `${fixed(c.peakRssMB)} MB`, "", ""],
    [
      "hash vs sha256sum (per CPU-second)",
      `${fixed(h.cpuMBps)} vs ${fixed(h.sha256sumCpuMBps)} MB/s = ${fixed(h.ratio, 2)}x`,
      ">= 0.9x",
      yes(h.ratio >= 0.9),
    ],
  ];
}

function previewRows(p: PreviewFigures): ReportRow[] {
  const calls = Object.entries(p.calls)
    .map(([route, n]) => `${n} x ${route}`)
    .join(", ");
  return [
    [
      `preview of ${p.resources} unchanged resources`,
      `${fixed(p.previewMs / 1000, 2)} s`,
      "< 5 s",
      yes(p.previewMs < 5000),
    ],
    [
      "API calls during that preview",
      `${p.apiCalls}${calls ? ` (${calls})` : ""}`,
      "0 (goal)",
      yes(p.apiCalls === 0),
    ],
  ];
}

function pollingRows(p: PollingFigures): ReportRow[] {
  return [
    [
      `polls waiting on a job (${fixed(p.jobWaitMinutes)} emulated min)`,
      `${fixed(p.jobPerHour)}/hour`,
      "<= 120/hour",
      yes(p.jobPerHour <= 120),
    ],
    [
      `polls waiting on an endpoint start (${fixed(p.endpointWaitMinutes)} emulated min)`,
      `${fixed(p.endpointPerHour)}/hour`,
      "<= 120/hour",
      yes(p.endpointPerHour <= 120),
    ],
  ];
}

function sizeRows(s: SizeFigures): ReportRow[] {
  return Object.entries(s).flatMap(([kind, k]) => [
    [
      `${kind} __provider in state (serializeFunction of () => shells.X)`,
      `${k.storedProviderBytes} B (${k.providerBytes} B)`,
      "",
      "",
    ],
    [
      `${kind} state entry: inputs + outputs (without __provider)`,
      `${k.stateBytes} B (${k.stateBytesWithoutProvider} B)`,
      "",
      "",
    ],
  ]);
}

export function formatTable(rows: ReportRow[]): string {
  const header: ReportRow = ["figure", "measured", "target", "met"];
  const all = [header, ...rows];
  const widths = header.map((_, i) => Math.max(...all.map((r) => (r[i] ?? "").length)));
  const line = (r: ReportRow) => `| ${r.map((c, i) => c.padEnd(widths[i]!)).join(" | ")} |`;
  return [line(header), `|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`, ...rows.map(line)].join("\n");
}

function tokenRows(t: TokenEstimateFigures): ReportRow[] {
  return t.rows.map((r) => [
    `preview token count, ${r.file} (${r.mb < 1 ? r.mb.toFixed(3) : r.mb.toFixed(0)} MB, ${r.lines} lines)`,
    `${(100 * r.error).toFixed(2)}% off exact (stated ±${(100 * r.stated95).toFixed(2)}%) in ${fixed(r.estimateMs)} ms`,
    "within stated",
    yes(Math.abs(r.error) <= Math.max(r.stated95, 1e-9)),
  ]);
}

function cliRows(c: CliFigures): ReportRow[] {
  if (c.steps.length === 0) return [["quickstart on the real Pulumi CLI", c.cli, "", ""]];
  return c.steps.map((s) => [
    `real CLI quickstart: ${s.step} (${c.cli})`,
    `${(s.ms / 1000).toFixed(2)} s; ${s.apiCalls} API calls, ${s.mutatingCalls} changing`,
    s.step.startsWith("up (no change)") || s.step.startsWith("refresh") ? "0 changing" : "",
    s.step.startsWith("up (no change)") || s.step.startsWith("refresh") ? yes(s.mutatingCalls === 0) : "",
  ]);
}

export async function runReport(): Promise<ReportRow[]> {
  const rows: ReportRow[] = [
    ...uploadRows(await figures("upload", runUploadBench)),
    ...downloadRows(await figures("download", runDownloadBench)),
    ...checkRows(await figures("check", runCheckBench), await figures("hash", runHashBench)),
    ...previewRows(await figures("preview", runPreviewBench)),
    ...pollingRows(await figures("polling", runPollingBench)),
    ...sizeRows(await figures("sizes", runSizeBench)),
    ...tokenRows(await figures("tokens", runTokenEstimateBench)),
    ...cliRows(await figures("cli", runCliBench)),
  ];
  const cpu = os.cpus()[0]?.model ?? "unknown CPU";
  console.log(
    `\n${os.cpus().length} x ${cpu}, ${fixed(os.totalmem() / 2 ** 30, 1)} GiB RAM, node ${process.version}, ` +
      `load average ${os
        .loadavg()
        .map((l) => fixed(l, 1))
        .join(" ")} at the end`,
  );
  console.log(formatTable(rows));
  return rows;
}
