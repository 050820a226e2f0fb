// `pulumi-together cost-report` on what the real Pulumi CLI prints: every preview here is a real
// `pulumi preview --json` of examples/quickstart (captured in the test, never written by hand), fed to the
// built CLI (`node dist/cli/index.js cost-report`) by file and by standard input, and to the parse and
// render modules in-process. Expected prices come from elsewhere in the same preview: the provider's own
// human-readable price lines (its diagnostics) and the emulator's H100 price, $3.36/h.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { readCostReport } from "../../cli/cost-report/parse";
import { renderCostReport } from "../../cli/cost-report/render";
import { describeWithCli } from "./kit/cli";
import { EXAMPLES, mutatingRequests, useE2E } from "./kit/fixture";
import { REPO } from "../../scripts/real-cli/installed-package";
import type { CommandResult, ScratchProgram } from "../../scripts/real-cli/scratch-program";

const API_KEY = "tgp-SECRET-KEY-e2e-cost-report-4b91d7";
const CLI = path.join(REPO, "dist", "cli", "index.js");
const STACK = "dev";

const HEAD = [
  "| Resource | Name | Step | One-off price | Hourly before | Hourly after |",
  "| --- | --- | --- | --: | --: | --: |",
];

/** `node dist/cli/index.js cost-report <args>`, with `input` on standard input. */
function costReport(args: string[], input = ""): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, "cost-report", ...args], { input, encoding: "utf8" });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Every distinct dollar figure `re` captures in the preview's diagnostics (the provider's price lines). */
function pricesSaid(json: string, re: RegExp): string[] {
  const doc = JSON.parse(json) as { diagnostics?: { message: string }[] };
  const found = (doc.diagnostics ?? []).flatMap((d) => {
    const m = re.exec(d.message);
    return m === null ? [] : [m[1]!];
  });
  return [...new Set(found)];
}
const LOCAL = /FineTuneJob "helpdesk-lora": ≈ (\$[\d.]+) \(local estimate/;
const EXACT = /FineTuneJob "helpdesk-lora": estimated price (\$[\d.]+)/;

describeWithCli("pulumi-together cost-report on real `pulumi preview --json` output", (cli) => {
  const e2e = useE2E(cli, "cost-report", API_KEY);
  let p: ScratchProgram;
  let program: string;
  let dataset: string;
  const datasetPath = (): string => path.join(p.dir, "data", "helpdesk-chats.jsonl");

  /** `pulumi preview --json <flags>` (it may fail), its standard output kept in a file. */
  const preview = async (
    name: string,
    ...flags: string[]
  ): Promise<CommandResult & { file: string; json: string }> => {
    const r = await p.pulumi(["preview", "--json", "--stack", STACK, ...flags], { allowFailure: true });
    const file = path.join(e2e.root, `${name}.json`);
    fs.writeFileSync(file, r.stdout);
    return { ...r, file, json: r.stdout };
  };

  /** The report of a captured preview through the built CLI, checked against the in-process modules. */
  const report = (captured: { file: string; json: string }): string => {
    const r = costReport([captured.file]);
    expect(r).toMatchObject({ code: 0, stderr: "" });
    expect(r.stdout).toBe(renderCostReport(readCostReport(captured.json, captured.file)));
    return r.stdout;
  };

  beforeAll(async () => {
    p = await e2e.program("quickstart", { from: path.join(EXAMPLES, "quickstart") });
    await e2e.initStack(p, STACK);
    program = fs.readFileSync(path.join(p.dir, "program.ts"), "utf8");
    dataset = fs.readFileSync(datasetPath(), "utf8");
    e2e.onCleanup(() => p.pulumi(["destroy", "--yes", "--stack", STACK]));
  });

  afterEach(() => {
    p.write({ "program.ts": program });
    fs.writeFileSync(datasetPath(), dataset);
    e2e.emu.faults.clear();
  });

  test("a fresh stack: three creates, the job's local estimate (≈), the endpoint $0.00/h → $3.36/h; by file, by standard input and by `-`", async () => {
    const before = e2e.emu.requests.length;
    const pv = await preview("fresh");
    expect(pv.code).toBe(0);
    const [estimate, ...others] = pricesSaid(pv.json, LOCAL);
    expect(others).toEqual([]);
    expect(estimate).toMatch(/^\$0\.00\d+$/);
    const expected = [
      ...HEAD,
      "| TrainingFile | helpdesk-chats | create | — | — | — |",
      `| FineTuneJob | helpdesk-lora | create | ≈ ${estimate} (local estimate) | — | — |`,
      "| DedicatedEndpoint | helpdesk | create | — | $0.00/h | $3.36/h |",
      "",
      `**One-off:** ≈ ${estimate} — 1 job starts; 1 of 1 figure is a local estimate (≈).`,
      "",
      "**Hourly** (endpoints while started): $0.00/h → $3.36/h (+$3.36/h).",
      "",
    ].join("\n");
    expect(report(pv)).toBe(expected);
    expect(costReport([], pv.json)).toEqual({ code: 0, stdout: expected, stderr: "" });
    expect(costReport(["-"], pv.json)).toEqual({ code: 0, stdout: expected, stderr: "" });

    // What parse reads from the real JSON, before any rendering.
    const rows = readCostReport(pv.json, "fresh").rows;
    expect(rows.map((r) => [r.kind, r.name, r.step])).toEqual([
      ["TrainingFile", "helpdesk-chats", "create"],
      ["FineTuneJob", "helpdesk-lora", "create"],
      ["DedicatedEndpoint", "helpdesk", "create"],
    ]);
    expect(rows[1]!.oneOff).toEqual({ usd: expect.any(Number), kind: "local" });
    expect(rows[2]!.hourly).toEqual({ before: 0, after: 3.36 });
    expect(mutatingRequests(e2e.emu, before)).toEqual([]);
  });

  test("a failed preview (maxHourlyPriceUsd below the endpoint's price): the steps before the failure, then the error", async () => {
    await p.pulumi(["config", "set", "--stack", STACK, "maxHourlyPriceUsd", "1"]);
    try {
      const pv = await preview("capped");
      expect(pv.code).not.toBe(0);
      const out = report(pv);
      expect(out).toContain("| FineTuneJob | helpdesk-lora | create | ≈ $");
      expect(out).not.toContain("| DedicatedEndpoint |");
      expect(out).toContain("**The preview failed** (1 error)");
      expect(out).toMatch(/```\nerror: .*DedicatedEndpoint resource 'helpdesk'.*maxHourlyPriceUsd/);
    } finally {
      await p.pulumi(["config", "rm", "--stack", STACK, "maxHourlyPriceUsd"]);
    }
  });

  test("after up, no change: no row of ours without --show-sames (the short line and the unlisted count), three sames with it", async () => {
    await p.pulumi(["up", "--yes", "--stack", STACK]);

    const plain = await preview("unchanged");
    expect(plain.code).toBe(0);
    expect(report(plain)).toBe(
      [
        "No `TrainingFile`, `FineTuneJob` or `DedicatedEndpoint` in this preview: nothing of ours to price.",
        "",
        "_3 unchanged resources are not listed by this preview; an unchanged endpoint among them is missing " +
          "from the hourly totals. Run `pulumi preview --json --show-sames` to list them._",
        "",
      ].join("\n"),
    );

    const sames = await preview("unchanged-sames", "--show-sames");
    expect(report(sames)).toBe(
      [
        ...HEAD,
        "| TrainingFile | helpdesk-chats | same | — | — | — |",
        "| FineTuneJob | helpdesk-lora | same | — | — | — |",
        "| DedicatedEndpoint | helpdesk | same | — | $3.36/h | $3.36/h |",
        "",
        "**One-off:** none — no fine-tuning job starts.",
        "",
        "**Hourly** (endpoints while started): $3.36/h → $3.36/h (no change).",
        "",
      ].join("\n"),
    );
  });

  test('endpoint state "STOPPED": an update, $3.36/h → $0.00/h, nothing starts', async () => {
    p.write({ "program.ts": stopped(program) });
    const pv = await preview("stopped", "--show-sames");
    expect(pv.code).toBe(0);
    expect(report(pv)).toBe(
      [
        ...HEAD,
        "| TrainingFile | helpdesk-chats | same | — | — | — |",
        "| FineTuneJob | helpdesk-lora | same | — | — | — |",
        "| DedicatedEndpoint | helpdesk | update | — | $3.36/h | $0.00/h |",
        "",
        "**One-off:** none — no fine-tuning job starts.",
        "",
        "**Hourly** (endpoints while started): $3.36/h → $0.00/h (-$3.36/h).",
        "",
      ].join("\n"),
    );
  });

  test("a changed dataset: three replaces, the new job's local estimate; --show-replacement-steps gives the same table", async () => {
    fs.appendFileSync(datasetPath(), `${dataset.split("\n")[0]!}\n`);
    const pv = await preview("dataset");
    expect(pv.code).toBe(0);
    const said = pricesSaid(pv.json, LOCAL);
    const out = report(pv);
    const jobRow = out.split("\n").find((l) => l.startsWith("| FineTuneJob"));
    expect(
      said.map((usd) => `| FineTuneJob | helpdesk-lora | replace | ≈ ${usd} (local estimate) | — | — |`),
    ).toContain(jobRow);
    const estimate = /≈ (\$[\d.]+)/.exec(jobRow!)![1]!;
    expect(out).toBe(
      [
        ...HEAD,
        "| TrainingFile | helpdesk-chats | replace | — | — | — |",
        jobRow,
        "| DedicatedEndpoint | helpdesk | replace | — | $3.36/h | $3.36/h |",
        "",
        `**One-off:** ≈ ${estimate} — 1 job starts; 1 of 1 figure is a local estimate (≈).`,
        "",
        "**Hourly** (endpoints while started): $3.36/h → $3.36/h (no change).",
        "",
      ].join("\n"),
    );

    // Three steps per replaced resource (create-replacement, replace, delete-replaced) collapse to one row.
    const steps = await preview("dataset-steps", "--show-replacement-steps");
    const ops = (JSON.parse(steps.json) as { steps: { op: string }[] }).steps.map((s) => s.op);
    expect(ops.filter((op) => op === "create-replacement")).toHaveLength(3);
    expect(ops.filter((op) => op === "delete-replaced")).toHaveLength(3);
    expect(report(steps)).toBe(out);
  });

  test("nEpochs changed: the job is replaced at Together's exact estimate (no ≈)", async () => {
    p.write({ "program.ts": program.replace("nEpochs: 3,", "nEpochs: 4,") });
    const pv = await preview("epochs", "--show-sames");
    expect(pv.code).toBe(0);
    const [exact, ...others] = pricesSaid(pv.json, EXACT);
    expect(others).toEqual([]);
    expect(exact).toMatch(/^\$0\.\d+$/);
    expect(report(pv)).toBe(
      [
        ...HEAD,
        "| TrainingFile | helpdesk-chats | same | — | — | — |",
        `| FineTuneJob | helpdesk-lora | replace | ${exact} (Together's estimate) | — | — |`,
        "| DedicatedEndpoint | helpdesk | replace | — | $3.36/h | $3.36/h |",
        "",
        `**One-off:** ${exact} — 1 job starts; every figure is Together's estimate.`,
        "",
        "**Hourly** (endpoints while started): $3.36/h → $3.36/h (no change).",
        "",
      ].join("\n"),
    );
  });

  test("Together cannot price the change (estimate-price and /hardware answer 400): those figures say unknown", async () => {
    p.write({ "program.ts": program.replace("nEpochs: 3,", "nEpochs: 4,") });
    const refuse = { type: "status", status: 400, message: "pricing is down" } as const;
    e2e.emu.faults.add({
      method: "POST",
      path: "/v1/fine-tunes/estimate-price",
      times: Infinity,
      action: refuse,
    });
    e2e.emu.faults.add({ method: "GET", path: "/v1/hardware", times: Infinity, action: refuse });
    const pv = await preview("unpriced");
    expect(pv.code).toBe(0);
    expect(pv.json).toMatch(/could not estimate the price at preview/);
    expect(report(pv)).toBe(
      [
        ...HEAD,
        "| FineTuneJob | helpdesk-lora | replace | unknown | — | — |",
        "| DedicatedEndpoint | helpdesk | replace | — | $3.36/h | unknown |",
        "",
        "**One-off:** unknown — 1 job starts; 1 price is unknown and not counted.",
        "",
        "**Hourly** (endpoints while started): $3.36/h → unknown (1 endpoint's price is unknown, see the table).",
        "",
        "_1 unchanged resource is not listed by this preview; an unchanged endpoint among them is missing " +
          "from the hourly totals. Run `pulumi preview --json --show-sames` to list them._",
        "",
      ].join("\n"),
    );
  });

  test("a destroy preview (`pulumi destroy --preview-only --json`): three deletes, $3.36/h → $0.00/h", async () => {
    const r = await p.pulumi(["destroy", "--preview-only", "--json", "--stack", STACK]);
    const file = path.join(e2e.root, "destroy.json");
    fs.writeFileSync(file, r.stdout);
    expect(report({ file, json: r.stdout })).toBe(
      [
        ...HEAD,
        "| DedicatedEndpoint | helpdesk | delete | — | $3.36/h | $0.00/h |",
        "| FineTuneJob | helpdesk-lora | delete | — | — | — |",
        "| TrainingFile | helpdesk-chats | delete | — | — | — |",
        "",
        "**One-off:** none — no fine-tuning job starts.",
        "",
        "**Hourly** (endpoints while started): $3.36/h → $0.00/h (-$3.36/h).",
        "",
      ].join("\n"),
    );
  });

  test("what is not a preview fails with exit code 2 and says what it is: the text preview, a stack export, no file", async () => {
    const text = await p.pulumi(["preview", "--stack", STACK]);
    const notJson = costReport([], text.stdout);
    expect(notJson.code).toBe(2);
    expect(notJson.stdout).toBe("");
    expect(notJson.stderr).toMatch(/^pulumi-together: standard input is not JSON \(.*\); it starts with "/);

    const exported = await p.pulumi(["stack", "export", "--stack", STACK]);
    const file = path.join(e2e.root, "export.json");
    fs.writeFileSync(file, exported.stdout);
    expect(costReport([file])).toEqual({
      code: 2,
      stdout: "",
      stderr:
        `pulumi-together: ${file} is not a preview: it has no "steps", "changeSummary" or "diagnostics" ` +
        "(it looks like `pulumi stack export`). Fix: pass the output of `pulumi preview --json`\n",
    });

    const missing = path.join(e2e.root, "no-such-preview.json");
    expect(costReport([missing])).toEqual({
      code: 2,
      stdout: "",
      stderr: `pulumi-together: ${missing}: no such file\n`,
    });
  });
});

/** The quickstart program with its endpoint declared STOPPED. */
function stopped(program: string): string {
  const out = program.replace(
    "    maxHourlyPriceUsd,\n  });",
    '    maxHourlyPriceUsd,\n    state: "STOPPED",\n  });',
  );
  if (out === program) throw new Error("the quickstart program changed: cannot declare its endpoint STOPPED");
  return out;
}
