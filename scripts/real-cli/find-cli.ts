// Finds the real Pulumi CLI on PATH: the e2e suite and the real-CLI benchmark run it.
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";

export interface PulumiCli {
  /** Absolute path of `pulumi`. */
  bin: string;
  /** Its directory, which also holds the dynamic-provider plugin; goes first on PATH. */
  binDir: string;
  /** `pulumi version`, e.g. `v3.276.0`. */
  version: string;
  /** Whether Pulumi's Node.js language host is installed with it (not when built from the module proxy). */
  hasLanguageHost: boolean;
}

/** The executable `name` in a PATH directory, if any. */
export function onPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? "").split(path.delimiter)) {
    if (dir === "") continue;
    const candidate = path.join(dir, name);
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      return candidate;
    } catch {
      continue;
    }
  }
  return undefined;
}

/** The CLI on PATH, or why there is none usable. */
export function findPulumiCli(): PulumiCli | { missing: string } {
  const bin = onPath("pulumi");
  if (bin === undefined) {
    return {
      missing:
        "the Pulumi CLI is not on PATH (build it with `scripts/pulumi-cli.sh`, then put its bin first on PATH)",
    };
  }
  const binDir = path.dirname(bin);
  if (
    !fs.existsSync(path.join(binDir, "pulumi-resource-pulumi-nodejs")) &&
    onPath("pulumi-resource-pulumi-nodejs") === undefined
  ) {
    return { missing: `${bin} has no pulumi-resource-pulumi-nodejs plugin beside it or on PATH` };
  }
  const version = execFileSync(bin, ["version"], {
    encoding: "utf8",
    env: { ...process.env, PULUMI_SKIP_UPDATE_CHECK: "true" },
  }).trim();
  return { bin, binDir, version, hasLanguageHost: languageHostBeside(bin) };
}

/** Whether Pulumi's Node.js language host is beside `pulumi` or on PATH (a full installation has it; a CLI
 *  built by scripts/pulumi-cli.sh does not, and programs then run through scripts/run-program.cjs). */
export function languageHostBeside(bin: string): boolean {
  return (
    fs.existsSync(path.join(path.dirname(bin), "pulumi-language-nodejs")) ||
    onPath("pulumi-language-nodejs") !== undefined
  );
}
