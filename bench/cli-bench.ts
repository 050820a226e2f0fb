// The quickstart on the REAL Pulumi CLI (issue #12): wall time of a fresh stack's `pulumi preview`, the
// first `up`, a no-change `up`, `refresh` and `destroy`, with the API calls the emulator received during
// each (and how many of them changed something). The program installs the package from `npm pack`, as a
// user's does. Needs `pulumi` on PATH (scripts/pulumi-cli.sh builds it); without it, says so and measures
// nothing. Run: `npm run bench -- cli`.
import * as fs from "node:fs";
import * as path from "node:path";
import { startEmulator } from "../emulator";
import { findPulumiCli } from "../scripts/real-cli/find-cli";
import { REPO } from "../scripts/real-cli/installed-package";
import { ScratchProgram, scratchRoot } from "../scripts/real-cli/scratch-program";

const TIME_SCALE = 600;
const MUTATING = new Set(["POST", "PUT", "PATCH", "DELETE"]);

export interface CliStep {
  step: string;
  ms: number;
  apiCalls: number;
  mutatingCalls: number;
}

export interface CliFigures {
  /** `pulumi version`, or why nothing was measured. */
  cli: string;
  steps: CliStep[];
}

export async function runCliBench(): Promise<CliFigures> {
  const cli = findPulumiCli();
  if ("missing" in cli) {
    console.log(`not measured: ${cli.missing}`);
    return { cli: `not measured (${cli.missing})`, steps: [] };
  }
  const emu = await startEmulator({ timeScale: TIME_SCALE });
  const root = scratchRoot("bench-cli");
  try {
    const p = await ScratchProgram.create(cli, path.join(root, "quickstart"), {
      from: path.join(REPO, "examples", "quickstart"),
      env: { PULUMI_TOGETHER_TIME_SCALE: String(TIME_SCALE) },
    });
    await p.initStack("bench", { "together:baseUrl": emu.baseUrl }, { "together:apiKey": emu.apiKey });
    const steps: CliStep[] = [];
    const measure = async (step: string, args: string[]): Promise<void> => {
      const since = emu.requests.length;
      const t0 = performance.now();
      await p.pulumi([...args, "--stack", "bench"]);
      const ms = performance.now() - t0;
      const calls = emu.requests.slice(since);
      const row = {
        step,
        ms,
        apiCalls: calls.length,
        mutatingCalls: calls.filter((r) => MUTATING.has(r.method)).length,
      };
      steps.push(row);
      console.log(
        `${step}: ${(ms / 1000).toFixed(2)} s, ${row.apiCalls} API calls (${row.mutatingCalls} changing something)`,
      );
    };
    await measure("preview (fresh stack)", ["preview"]);
    await measure("up (creates 3)", ["up", "--yes"]);
    await measure("up (no change)", ["up", "--yes"]);
    await measure("refresh (no drift)", ["refresh", "--yes"]);
    await measure("destroy", ["destroy", "--yes"]);
    return {
      cli: `pulumi ${cli.version}${cli.hasLanguageHost ? "" : " (programs through scripts/run-program.cjs)"}`,
      steps,
    };
  } finally {
    await emu.close();
    fs.rmSync(root, { recursive: true, force: true });
  }
}
