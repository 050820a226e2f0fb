import type { ProviderLog } from "./types";
import { processSecrets, type SecretRegistry } from "./redact";

export interface LogSinks {
  out(line: string): void;
  err(line: string): void;
}

const processSinks: LogSinks = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
};

/**
 * The provider process has no engine connection, so stdout/stderr is the only log channel: the CLI shows stdout
 * as info diagnostics and stderr as info-err. Every line is prefixed (so multi-line messages stay attributable)
 * and redacted.
 */
export function createProviderLog(
  secrets: SecretRegistry = processSecrets,
  sinks: LogSinks = processSinks,
): ProviderLog {
  const emit = (sink: (line: string) => void, prefix: string, msg: string): void => {
    for (const line of secrets.redact(msg).split(/\r?\n/)) sink(`${prefix}${line}`);
  };
  return {
    info: (msg) => emit((line) => sinks.out(line), "[together] ", msg),
    warn: (msg) => emit((line) => sinks.err(line), "[together] warning: ", msg),
    error: (msg) => emit((line) => sinks.err(line), "[together] error: ", msg),
  };
}
