// Ends the dynamic-provider process when the Pulumi engine that started it is gone.
//
// The engine starts every plugin in a process group of its own (cmdutil.RegisterProcessGroup: Setpgid) and
// holds the write end of the plugin's stdin pipe for as long as it runs, never writing to it
// (sdk/go/common/resource/plugin/plugin.go). When the CLI is killed outright (SIGKILL to its process group: a
// cancelled CI job, `kill -9`, an OOM kill), nothing ends the provider: it is re-parented and carries on with a
// wait whose result nobody can receive. Measured with pulumi v3.276.0: its next log line fails with EPIPE,
// and the SDK's uncaughtException handler, which logs the error to the same broken pipe, loops on it at 100%
// CPU for good. Had it logged nothing, it would have finished the create alone and dropped the create
// journal's entry, so the next `up` would create a second job or endpoint.
//
// End of stdin is the engine's death. The process then exits at once, exactly as if the whole run had been
// killed: what a create made is in the create journal, and the next `up` adopts it.
import * as fs from "node:fs";

/** Exit status of a provider whose engine is gone (nobody reads it; non-zero says it did not finish). */
export const ENGINE_GONE_EXIT_CODE = 70;

export interface EngineWatchHost {
  /** The script the process runs (`process.argv[1]`). */
  script: string | undefined;
  /** Whether fd 0 is a pipe or a socket (the engine's stdin pipe), not /dev/null or a terminal. */
  stdinIsPipe(): boolean;
  stdin: NodeJS.ReadableStream & { unref?(): void };
  exit(code: number): void;
}

const processHost: EngineWatchHost = {
  script: process.argv[1],
  stdinIsPipe: () => {
    try {
      const s = fs.fstatSync(0);
      return s.isFIFO() || s.isSocket();
    } catch {
      return false;
    }
  },
  get stdin() {
    return process.stdin;
  },
  exit: (code) => process.exit(code),
};

/** Whether this process is Pulumi's Node.js dynamic-provider server (`@pulumi/pulumi/cmd/dynamic-provider`). */
export function isDynamicProviderProcess(script: string | undefined): boolean {
  return script !== undefined && /[\\/]cmd[\\/]dynamic-provider([\\/]index\.js)?$/.test(script);
}

let watching = false;

/**
 * In the dynamic-provider process started by an engine (stdin a pipe), exits as soon as stdin ends. Elsewhere
 * (jest, the lifecycle harness's provider with stdin on /dev/null) does nothing. Safe to call more than once.
 * Returns whether it is watching.
 */
export function watchEngine(host: EngineWatchHost = processHost): boolean {
  if (host === processHost && watching) return true;
  if (!isDynamicProviderProcess(host.script) || !host.stdinIsPipe()) return false;
  if (host === processHost) watching = true;
  const gone = (): void => host.exit(ENGINE_GONE_EXIT_CODE);
  host.stdin.on("end", gone);
  host.stdin.on("error", gone);
  // Read (and drop) whatever arrives, so "end" is seen; the engine never writes. Unref'd: the watch alone must
  // not keep the process alive.
  host.stdin.on("data", () => undefined);
  host.stdin.resume();
  host.stdin.unref?.();
  return true;
}
