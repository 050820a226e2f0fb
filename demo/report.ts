// Prints a run the way a Pulumi user reads one: each resource's operation with its duration, the provider's
// progress lines under the resource they belong to, the stack outputs, and a resource count.
import type { RunResult } from "../testing/harness";

type Op = RunResult["ops"][number];

const SYMBOLS: Record<string, string> = {
  create: "+",
  update: "~",
  replace: "+-",
  delete: "-",
  same: " ",
  read: ">",
  import: "=",
  check: "x",
};

const PAST: Record<string, string> = {
  create: "created",
  update: "updated",
  replace: "replaced",
  delete: "deleted",
  same: "same",
  read: "read",
  import: "imported",
  check: "check failed",
};

/** `create(preview)` -> `create`, `replace(delete-before-create)` -> `replace`. */
export function baseOp(op: string): string {
  const i = op.indexOf("(");
  return i === -1 ? op : op.slice(0, i);
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)}s`;
}

/** Provider lines look like `[together] FineTuneJob "tune": message`; they are grouped under their resource. */
const PROVIDER_LINE = /^\[together\] (\w+) "([^"]+)": (.*)$/;

function logByResource(log: string): { byKey: Map<string, string[]>; other: string[] } {
  const byKey = new Map<string, string[]>();
  const other: string[] = [];
  for (const line of log.split(/\r?\n/)) {
    if (line.trim() === "") continue;
    const m = PROVIDER_LINE.exec(line);
    if (!m) {
      other.push(line);
      continue;
    }
    const key = `${m[1]}::${m[2]}`;
    const lines = byKey.get(key) ?? [];
    lines.push(m[3]!);
    byKey.set(key, lines);
  }
  return { byKey, other };
}

function kindOf(type: string): string {
  return type.slice(type.lastIndexOf(":") + 1);
}

export function formatOps(ops: Op[], providerLog: string, preview: boolean): string[] {
  const { byKey, other } = logByResource(providerLog);
  const width = Math.max(0, ...ops.map((o) => o.type.length + 1 + o.name.length));
  const out: string[] = [];
  for (const o of ops) {
    const base = baseOp(o.op);
    const word = preview ? base : (PAST[base] ?? o.op);
    const label = `${o.type} ${o.name}`.padEnd(width);
    const detail = o.detail !== undefined && !o.detail.startsWith("changes=") ? `  ${o.detail}` : "";
    out.push(`    ${(SYMBOLS[base] ?? "?").padEnd(2)} ${label}  ${word} (${seconds(o.durationMs)})${detail}`);
    for (const line of byKey.get(`${kindOf(o.type)}::${o.name}`) ?? []) out.push(`          ${line}`);
    byKey.delete(`${kindOf(o.type)}::${o.name}`);
  }
  const rest = [...[...byKey.values()].flat(), ...other];
  if (rest.length > 0) out.push("    Provider log:", ...rest.map((l) => `      ${l}`));
  return out;
}

export function formatCounts(ops: Op[], preview: boolean): string[] {
  const counts = new Map<string, number>();
  for (const o of ops) counts.set(baseOp(o.op), (counts.get(baseOp(o.op)) ?? 0) + 1);
  const lines: string[] = [];
  for (const [op, n] of counts) {
    const word = op === "same" ? "unchanged" : preview ? `to ${op}` : (PAST[op] ?? op);
    lines.push(`    ${(SYMBOLS[op] ?? "?").trim() || " "} ${n} ${word}`);
  }
  return lines.length > 0 ? lines : ["    (no resources)"];
}

export function formatOutputs(outputs: Record<string, unknown>): string[] {
  const keys = Object.keys(outputs).sort();
  if (keys.length === 0) return [];
  const width = Math.max(...keys.map((k) => k.length));
  return ["Outputs:", ...keys.map((k) => `    ${k.padEnd(width)}: ${JSON.stringify(outputs[k] ?? null)}`)];
}
