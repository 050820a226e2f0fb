#!/usr/bin/env node
// The `pulumi-together` command: small tools users run beside their Pulumi programs.
// Each subcommand lives in its own module and registers itself here.
// First: on an unsupported Node.js this prints one clear line and exits before any dependency loads.
import "./require-node";
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
    .showHelpAfterError();
  registerCheckCommand(program);
  registerCostReportCommand(program);
  registerEmulatorCommand(program);
  return program;
}

if (require.main === module) {
  buildCli()
    .parseAsync(process.argv)
    .catch((err: unknown) => {
      console.error(`pulumi-together: ${errorText(err)}`);
      process.exitCode = 2;
    });
}
