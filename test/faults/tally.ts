// The fault suite's summary line. Each test file prints its own figures; the files run in separate jest
// workers, so each also appends them to a file shared by the run, and whichever file finishes last (it sees
// every group) prints the suite's total. The figures are the measured ones, zero or not.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

export interface Tally {
  group: string;
  scenarios: number;
  faultsInjected: number;
  duplicates: number;
  leftBilling: number;
  /** Objects that ended in the state of a stack that did not make them. */
  stolen: number;
}

export function summaryLine(t: Omit<Tally, "group">): string {
  return (
    `faults injected: ${t.faultsInjected}, duplicates: ${t.duplicates}, left billing: ${t.leftBilling}, ` +
    `stolen: ${t.stolen}`
  );
}

/** Every group of the suite: one per test file in this folder. */
function groups(): string[] {
  return fs
    .readdirSync(__dirname)
    .filter((f) => f.endsWith(".test.ts"))
    .map((f) => f.slice(0, -".test.ts".length))
    .sort();
}

/** One file per jest run: workers are forked children of the jest process; in band, it is this one. */
function runFile(): string {
  const runPid = typeof process.send === "function" ? process.ppid : process.pid;
  return path.join(os.tmpdir(), `pulumi-together-faults-${runPid}.jsonl`);
}

export function recordTally(t: Tally): void {
  console.log(`fault suite [${t.group}] ${t.scenarios} scenarios: ${summaryLine(t)}`);
  const file = runFile();
  fs.appendFileSync(file, `${JSON.stringify(t)}\n`);
  const all = fs
    .readFileSync(file, "utf8")
    .split("\n")
    .filter((l) => l !== "")
    .map((l) => JSON.parse(l) as Tally);
  const expected = groups();
  const seen = [...new Set(all.map((x) => x.group))].sort();
  if (JSON.stringify(seen) !== JSON.stringify(expected)) return;
  const total = all.reduce(
    (sum, x) => ({
      scenarios: sum.scenarios + x.scenarios,
      faultsInjected: sum.faultsInjected + x.faultsInjected,
      duplicates: sum.duplicates + x.duplicates,
      leftBilling: sum.leftBilling + x.leftBilling,
      stolen: sum.stolen + (x.stolen ?? 0),
    }),
    { scenarios: 0, faultsInjected: 0, duplicates: 0, leftBilling: 0, stolen: 0 },
  );
  console.log(`fault suite total (${total.scenarios} scenarios): ${summaryLine(total)}`);
  fs.rmSync(file, { force: true });
}
