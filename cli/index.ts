#!/usr/bin/env node
// The `pulumi-together` command: small tools users run beside their Pulumi programs.
// Each subcommand lives in its own module and registers itself here.
import { Command } from "commander";
import { registerCheckCommand } from "./check-command";
import { registerEmulatorCommand } from "./emulator-command";
import { errorText } from "../provider/shared/error-text";

export function buildCli(): Command {
  const program = new Command("pulumi-together")
    .description(
      "Tools for the pulumi-together provider: validate training files, run the Together API emulator.",
    )
    .showHelpAfterError();
  registerCheckCommand(program);
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
