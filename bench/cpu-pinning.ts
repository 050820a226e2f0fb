// Where the upload and download benchmarks run things. The emulator stands in for a remote server, which never
// shares a CPU with the client; on a 2-core machine the two otherwise fight over both cores. Where `taskset`
// exists (Linux) and there are 2+ CPUs, `<envVar>=1` pins this process (the emulator, every thread) to CPU 0 and
// runs curl and the client child on the others; `<envVar>=server` pins only the emulator (the measured programs
// may use every CPU); `<envVar>=0` pins nothing. Each benchmark picks its default (`unset`): the upload pins, the
// download does not (download-bench.ts says why).
import { execFileSync, spawn } from "node:child_process";
import * as os from "node:os";
import * as path from "node:path";

export interface CpuPlan {
  /** Prefix for a measured program's command line: [] or ["taskset", "-c", "1-N"]. */
  prefix: string[];
  describe: string;
  /** Gives this process all CPUs again. */
  release(): void;
}

/** Pins this process (the emulator's) to CPU 0 as `<envVar>` (else `unset`) says; `who` names the measured
 *  programs in `describe`. */
export function pinCpus(envVar: string, who: string, unset: "1" | "0" = "1"): CpuPlan {
  const cpus = os.availableParallelism();
  const mode = process.env[envVar] ?? unset;
  const none: CpuPlan = { prefix: [], describe: "not pinned", release: () => undefined };
  if (mode === "0" || cpus < 2 || process.platform !== "linux") return none;
  const all = `0-${cpus - 1}`;
  const others = cpus === 2 ? "1" : `1-${cpus - 1}`;
  try {
    execFileSync("taskset", ["-a", "-p", "-c", "0", String(process.pid)], { stdio: "ignore" });
  } catch {
    return none; // no taskset
  }
  const release = (): void => {
    execFileSync("taskset", ["-a", "-p", "-c", all, String(process.pid)], { stdio: "ignore" });
  };
  if (mode === "server") {
    return { prefix: [], describe: `emulator on CPU 0, ${who} on any CPU`, release };
  }
  return {
    prefix: ["taskset", "-c", others],
    describe: `emulator on CPU 0, ${who} on CPU ${others}`,
    release,
  };
}

/** Runs `script` with `args` as a measured child Node process on the plan's CPUs and resolves with the one
 *  message it sends back. The API key travels in the environment, not argv, which any process can list. */
export function runMeasuredChild<T>(
  cpu: CpuPlan,
  script: string,
  args: string[],
  apiKey: string,
): Promise<T> {
  const argv = [...cpu.prefix, process.execPath, script, ...args];
  const child = spawn(argv[0]!, argv.slice(1), {
    stdio: ["inherit", "inherit", "inherit", "ipc"],
    env: { ...process.env, TOGETHER_API_KEY: apiKey },
  });
  return new Promise((resolve, reject) => {
    child.once("message", (m) => resolve(m as T));
    child.once("error", reject);
    child.once("exit", (code) => {
      if (code !== 0) reject(new Error(`${path.basename(script)} child exited with ${code}`));
    });
  });
}
