// The cost report as Markdown for a pull-request comment: one row per TrainingFile, FineTuneJob and
// DedicatedEndpoint of the preview, then the totals. Pure.
import { formatUsd, roundUsd } from "../../provider/resources/dedicated-endpoint/hardware";
import { usd } from "../../provider/shared/usd";
import { type CostReport, type CostRow, RESOURCE_KINDS } from "./parse";

const NONE = "—";

export function renderCostReport(report: CostReport): string {
  const lines: string[] = [];
  if (report.rows.length === 0) {
    lines.push(`No ${kindsText()} in this preview: nothing of ours to price.`);
  } else {
    lines.push(
      "| Resource | Name | Step | One-off price | Hourly before | Hourly after |",
      "| --- | --- | --- | --: | --: | --: |",
      ...report.rows.map(rowLine),
      "",
      ...totals(report.rows),
    );
  }
  if (report.unlistedSames > 0) {
    const n = report.unlistedSames;
    lines.push(
      "",
      `_${n} unchanged ${n === 1 ? "resource is" : "resources are"} not listed by this preview; an unchanged ` +
        "endpoint among them is missing from the hourly totals. Run `pulumi preview --json --show-sames` to list them._",
    );
  }
  if (report.errors.length > 0) {
    lines.push(
      "",
      `**The preview failed** (${report.errors.length === 1 ? "1 error" : `${report.errors.length} errors`}); ` +
        "it lists no step after the first failure, so this table may be incomplete:",
      "",
      fenced(report.errors.join("\n\n")),
    );
  }
  return `${lines.join("\n")}\n`;
}

function kindsText(): string {
  const names = RESOURCE_KINDS.map((k) => `\`${k}\``);
  return `${names.slice(0, -1).join(", ")} or ${names[names.length - 1]!}`;
}

function rowLine(row: CostRow): string {
  const cells = [
    row.kind,
    cell(row.name),
    row.step,
    row.oneOff === undefined ? NONE : oneOffText(row.oneOff.usd, row.oneOff.kind),
    row.hourly === undefined ? NONE : hourlyText(row.hourly.before),
    row.hourly === undefined ? NONE : hourlyText(row.hourly.after),
  ];
  return `| ${cells.join(" | ")} |`;
}

function oneOffText(price: number | undefined, kind: "together" | "local" | undefined): string {
  if (price === undefined) return "unknown";
  if (kind === "local") return `≈ ${usd(price)} (local estimate)`;
  if (kind === "together") return `${usd(price)} (Together's estimate)`;
  return `≈ ${usd(price)} (estimate)`;
}

function hourlyText(price: number | undefined): string {
  return price === undefined ? "unknown" : formatUsd(price);
}

function totals(rows: CostRow[]): string[] {
  const out: string[] = [];
  const starts = rows.flatMap((r) => (r.oneOff === undefined ? [] : [r.oneOff]));
  if (starts.length === 0) {
    out.push("**One-off:** none — no fine-tuning job starts.");
  } else {
    const priced = starts.filter((s) => s.usd !== undefined);
    const local = priced.filter((s) => s.kind !== "together").length;
    const sum = priced.reduce((total, s) => total + s.usd!, 0);
    const jobs = `${starts.length} ${starts.length === 1 ? "job starts" : "jobs start"}`;
    const notes = [jobs];
    if (priced.length > 0) {
      notes.push(
        local === 0
          ? "every figure is Together's estimate"
          : `${local} of ${priced.length} ${priced.length === 1 ? "figure" : "figures"} ${local === 1 ? "is a local estimate" : "are local estimates"} (≈)`,
      );
    }
    const unknown = starts.length - priced.length;
    if (unknown > 0)
      notes.push(`${unknown} ${unknown === 1 ? "price is" : "prices are"} unknown and not counted`);
    const total = priced.length === 0 ? "unknown" : `${local > 0 ? "≈ " : ""}${usd(sum)}`;
    out.push(`**One-off:** ${total} — ${notes.join("; ")}.`);
  }

  const endpoints = rows.flatMap((r) => (r.hourly === undefined ? [] : [r.hourly]));
  if (endpoints.length === 0) {
    out.push("", "**Hourly:** no dedicated endpoint in this preview.");
  } else {
    const before = sumHourly(endpoints.map((e) => e.before));
    const after = sumHourly(endpoints.map((e) => e.after));
    let change: string;
    if (before !== undefined && after !== undefined) {
      const delta = roundUsd(after - before);
      change = delta === 0 ? "no change" : `${delta > 0 ? "+" : "-"}${formatUsd(Math.abs(delta))}`;
    } else {
      const unknown = endpoints.filter((e) => e.before === undefined || e.after === undefined).length;
      change = `${unknown} ${unknown === 1 ? "endpoint's price is" : "endpoints' prices are"} unknown, see the table`;
    }
    out.push(
      "",
      `**Hourly** (endpoints while started): ${hourlyText(before)} → ${hourlyText(after)} (${change}).`,
    );
  }
  return out;
}

/** The sum of the endpoints' prices, or undefined when one of them is unknown. */
function sumHourly(prices: (number | undefined)[]): number | undefined {
  if (prices.some((p) => p === undefined)) return undefined;
  return roundUsd(prices.reduce<number>((total, p) => total + p!, 0));
}

/** A table cell: pipes would end the cell, newlines the row. */
function cell(text: string): string {
  return text.replace(/\\/g, "\\\\").replace(/\|/g, "\\|").replace(/\r?\n/g, " ");
}

/** A fenced block long enough that no run of backticks inside can close it. */
function fenced(text: string): string {
  const longest = Math.max(2, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = "`".repeat(longest + 1);
  return `${fence}\n${text}\n${fence}`;
}
