#!/usr/bin/env node
// The `pulumi-together` command: small tools users run beside their Pulumi programs.
// Each subcommand lives in its own module and registers itself here.
// First: on an unsupported Node.js this prints one clear line and exits before any dependency loads.
import "./require-node";
import * as fs from "node:fs";
import * as path from "node:path";
import { Command } from "commander";
import { registerCheckCommand } from "./check-command";
import { registerCostReportCommand } from "./cost-report-command";
import { registerEmulatorCommand } from "./emulator-command";
import { errorText } from "../provider/shared/error-text";

export function buildCli(): Command {
  const program = new Command("pulumi-together")
    .description(
      "Tools for the pulumi-together provider: validate training files, report what a preview costs, run the Together API emulator.",
    )
    .version(packageVersion())
    .showHelpAfterError();
  registerCheckCommand(program);
  registerCostReportCommand(program);
  registerEmulatorCommand(program);
  return program;
}

/** The version in our package.json: the nearest one up from here (cli/ in the sources, dist/cli/ when built). */
export function packageVersion(): string {
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    const manifest = path.join(dir, "package.json");
    if (fs.existsSync(manifest)) {
      const pkg = JSON.parse(fs.readFileSync(manifest, "utf8")) as { name?: string; version?: string };
      if (pkg.name === "pulumi-together" && pkg.version !== undefined) return pkg.version;
    }
    if (path.dirname(dir) === dir) return "unknown";
  }
}

if (require.main === module) {
  buildCli()
    .parseAsync(process.argv)
    .catch((err: unknown) => {
      console.error(`pulumi-together: ${errorText(err)}`);
      process.exitCode = 2;
    });
}
