// `pulumi-together emulator`: runs the Together API emulator standalone so users can point their
// Pulumi programs (TOGETHER_BASE_URL / together:baseUrl) at it for offline tests.
// Type-only import: commander is ESM-only and arrives through the caller's program.
import type { Command } from "commander";
import type * as Emulator from "../emulator";

export interface EmulatorCommandOptions {
  port: string;
  apiKey?: string;
  timeScale: string;
  dataDir?: string;
  projectId?: string;
}

/** Where the command prints and what ends it; tests replace both. */
export interface EmulatorCommandIo {
  out(text: string): void;
  /** Resolves when the emulator should shut down (SIGINT/SIGTERM for the real command). */
  untilStopped(): Promise<void>;
}

const processIo: EmulatorCommandIo = {
  out: (text) => process.stdout.write(text),
  untilStopped: () =>
    new Promise((resolve) => {
      const stop = (): void => {
        process.off("SIGINT", stop);
        process.off("SIGTERM", stop);
        resolve();
      };
      process.on("SIGINT", stop);
      process.on("SIGTERM", stop);
    }),
};

export async function runEmulatorCommand(
  opts: EmulatorCommandOptions,
  io: EmulatorCommandIo = processIo,
): Promise<void> {
  const port = Number(opts.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error(`--port must be an integer 0-65535, got "${opts.port}"`);
  const timeScale = Number(opts.timeScale);
  if (!(timeScale > 0) || !Number.isFinite(timeScale))
    throw new Error(`--time-scale must be a positive number, got "${opts.timeScale}"`);
  // Loaded when the command runs, so the CLI's other commands (`check`) do not pay tens of ms to load it.
  const { startEmulator } = require("../emulator") as typeof Emulator;
  const emu = await startEmulator({
    port,
    timeScale,
    ...(opts.apiKey !== undefined ? { apiKey: opts.apiKey } : {}),
    ...(opts.dataDir !== undefined ? { dataDir: opts.dataDir } : {}),
    ...(opts.projectId !== undefined ? { projectId: opts.projectId } : {}),
  });
  io.out(
    [
      `Together API emulator listening on ${emu.baseUrl}`,
      `API key: ${emu.apiKey}`,
      `Project (v2 endpoints): ${emu.projectId}`,
      `Time scale: ${timeScale}x`,
      `State: ${emu.baseUrl.replace(/\/v1$/, "")}/_emulator/state`,
      `Requests received (secrets redacted): ${emu.baseUrl.replace(/\/v1$/, "")}/_emulator/requests`,
      `Use it: TOGETHER_BASE_URL=${emu.baseUrl} TOGETHER_API_KEY=${emu.apiKey}`,
      "Press Ctrl+C to stop.",
      "",
    ].join("\n"),
  );
  await io.untilStopped();
  await emu.close();
  io.out("Emulator stopped.\n");
}

export function registerEmulatorCommand(program: Command, io: EmulatorCommandIo = processIo): void {
  program
    .command("emulator")
    .description(
      "Run the Together API emulator on 127.0.0.1 (files, fine-tuning jobs, dedicated endpoints) for offline tests.",
    )
    .option("--port <port>", "TCP port (0 picks a free one)", "8787")
    .option("--api-key <key>", "API key the emulator accepts (default: emulator-key)")
    .option("--time-scale <n>", "emulated time runs this many times faster than real time", "1")
    .option("--data-dir <dir>", "keep uploaded bytes here (default: a temp dir removed on exit)")
    .option("--project-id <id>", "the API key's project on the v2 API (default: derived from the API key)")
    .action((opts: EmulatorCommandOptions) => runEmulatorCommand(opts, io));
}
