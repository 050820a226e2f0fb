// What every e2e file shares: an emulator on an accelerated clock, a scratch root, programs made
// against it, and small readers of the emulator's request log and store.
import * as fs from "node:fs";
import * as path from "node:path";
import { startEmulator, type Emulator, type EmulatorOptions, type RequestRecord } from "../../../emulator";
import type { PulumiCli } from "./cli";
import { REPO } from "../../../scripts/real-cli/installed-package";
import {
  ScratchProgram,
  scratchRoot,
  type ScratchProgramOptions,
} from "../../../scripts/real-cli/scratch-program";

/** Emulated time runs this much faster: a job takes about a second, an endpoint start a third. */
export const TIME_SCALE = 600;
export const EXAMPLES = path.join(REPO, "examples");

export interface E2EContext {
  emu: Emulator;
  root: string;
  /** A program under this file's root, wired to the emulator (TIME_SCALE in its environment). */
  program(name: string, opts: ScratchProgramOptions): Promise<ScratchProgram>;
  /** Runs `fn` after this file's tests, before the emulator closes (e.g. a safety-net destroy). */
  onCleanup(fn: () => Promise<unknown>): void;
  /** `pulumi stack init` with the emulator's base URL and API key (a secret). */
  initStack(
    p: ScratchProgram,
    stack: string,
    config?: Record<string, string>,
    secrets?: Record<string, string>,
  ): Promise<void>;
}

/** Registers beforeAll/afterAll for an emulator (with `emulator` options, e.g. its v2 project id) and a scratch
 *  root; the returned object fills in at beforeAll. */
export function useE2E(
  cli: PulumiCli,
  name: string,
  apiKey: string,
  emulator: Pick<EmulatorOptions, "projectId"> = {},
): E2EContext {
  const ctx = { cli } as unknown as E2EContext & { cli: PulumiCli };
  const cleanups: (() => Promise<unknown>)[] = [];
  ctx.onCleanup = (fn) => cleanups.push(fn);
  beforeAll(async () => {
    ctx.emu = await startEmulator({ ...emulator, apiKey, timeScale: TIME_SCALE });
    ctx.root = scratchRoot(name);
  });
  afterAll(async () => {
    for (const fn of cleanups.reverse()) await fn().catch(() => undefined);
    await ctx.emu?.close();
    if (ctx.root !== undefined) fs.rmSync(ctx.root, { recursive: true, force: true });
  });
  ctx.program = (programName, opts) =>
    ScratchProgram.create(cli, path.join(ctx.root, programName), {
      ...opts,
      env: { PULUMI_TOGETHER_TIME_SCALE: String(TIME_SCALE), ...opts.env },
    });
  ctx.initStack = (p, stack, config = {}, secrets = {}) =>
    p.initStack(
      stack,
      { "together:baseUrl": ctx.emu.baseUrl, ...config },
      { "together:apiKey": apiKey, ...secrets },
    );
  return ctx;
}

const MUTATING = new Set(["POST", "PUT", "PATCH", "DELETE"]);

/** Requests that change something at Together, from index `since` of the log on. */
export function mutatingRequests(emu: Emulator, since = 0): RequestRecord[] {
  return emu.requests.slice(since).filter((r) => MUTATING.has(r.method));
}

/** `METHOD /path` of each request, for readable assertions on the order of calls. */
export function calls(records: RequestRecord[]): string[] {
  return records.map((r) => `${r.method} ${r.path}`);
}
