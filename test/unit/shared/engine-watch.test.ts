// The dynamic-provider process ends when its engine is gone (stdin, the engine's pipe, ends), and only there.
// The real-process cases run engine-watch.ts, transpiled, as `<tmp>/cmd/dynamic-provider/index.js` kept alive by
// a timer, the way the SDK's gRPC server keeps the real one alive.
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { PassThrough } from "node:stream";
import * as ts from "typescript";
import {
  ENGINE_GONE_EXIT_CODE,
  isDynamicProviderProcess,
  watchEngine,
  type EngineWatchHost,
} from "../../../provider/shared/engine-watch";

const SCRIPT = "/p/node_modules/@pulumi/pulumi/cmd/dynamic-provider/index.js";

function fakeHost(over: Partial<EngineWatchHost> = {}): EngineWatchHost & { exits: number[] } {
  const exits: number[] = [];
  return {
    script: SCRIPT,
    stdinIsPipe: () => true,
    stdin: new PassThrough(),
    exit: (code) => exits.push(code),
    exits,
    ...over,
  };
}

describe("isDynamicProviderProcess", () => {
  test("recognises the SDK's dynamic-provider script, as the plugin shim runs it", () => {
    expect(isDynamicProviderProcess(SCRIPT)).toBe(true);
    expect(isDynamicProviderProcess("/p/node_modules/@pulumi/pulumi/cmd/dynamic-provider")).toBe(true);
    expect(
      isDynamicProviderProcess("C:\\p\\node_modules\\@pulumi\\pulumi\\cmd\\dynamic-provider\\index.js"),
    ).toBe(true);
  });

  test("rejects anything else: jest, the CLI demo, a program", () => {
    expect(isDynamicProviderProcess(undefined)).toBe(false);
    expect(isDynamicProviderProcess("/p/node_modules/jest-worker/build/workers/processChild.js")).toBe(false);
    expect(isDynamicProviderProcess("/p/node_modules/@pulumi/pulumi/cmd/run/index.js")).toBe(false);
    expect(isDynamicProviderProcess("/p/cmd/dynamic-provider-tools/index.js")).toBe(false);
  });
});

describe("watchEngine (in-process, fake stdin)", () => {
  test("exits once stdin ends, and not before", async () => {
    const host = fakeHost();
    expect(watchEngine(host)).toBe(true);
    (host.stdin as PassThrough).write("ignored\n");
    await new Promise((resolve) => setImmediate(resolve));
    expect(host.exits).toEqual([]);
    (host.stdin as PassThrough).end();
    await new Promise((resolve) => setImmediate(resolve));
    expect(host.exits).toEqual([ENGINE_GONE_EXIT_CODE]);
  });

  test("does nothing outside the dynamic-provider process or when stdin is not a pipe", async () => {
    const notProvider = fakeHost({ script: "/p/node_modules/jest-worker/build/workers/processChild.js" });
    const noPipe = fakeHost({ stdinIsPipe: () => false });
    expect(watchEngine(notProvider)).toBe(false);
    expect(watchEngine(noPipe)).toBe(false);
    (notProvider.stdin as PassThrough).end();
    (noPipe.stdin as PassThrough).end();
    await new Promise((resolve) => setImmediate(resolve));
    expect([...notProvider.exits, ...noPipe.exits]).toEqual([]);
  });
});

describe("watchEngine (a real process)", () => {
  let dir: string;
  let script: string;

  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "engine-watch-"));
    const source = fs.readFileSync(path.join(__dirname, "../../../provider/shared/engine-watch.ts"), "utf8");
    const js = ts.transpileModule(source, {
      compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 },
    }).outputText;
    fs.writeFileSync(path.join(dir, "engine-watch.js"), js);
    script = path.join(dir, "cmd", "dynamic-provider", "index.js");
    fs.mkdirSync(path.dirname(script), { recursive: true });
    fs.writeFileSync(
      script,
      `const watching = require("../../engine-watch.js").watchEngine();
setInterval(() => undefined, 1000);
console.log(JSON.stringify({ watching }));
`,
    );
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  function start(stdin: "pipe" | "ignore") {
    const child = spawn(process.execPath, [script], { stdio: [stdin, "pipe", "inherit"] });
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    const first = new Promise<string>((resolve) =>
      child.stdout!.once("data", (d: Buffer) => resolve(d.toString())),
    );
    return { child, exited, first };
  }

  test("with the engine's stdin pipe it runs until the pipe's writer is gone, then exits", async () => {
    const { child, exited, first } = start("pipe");
    expect(JSON.parse(await first)).toEqual({ watching: true });
    expect(child.exitCode).toBeNull();
    child.stdin!.end();
    expect(await exited).toBe(ENGINE_GONE_EXIT_CODE);
  });

  test("with stdin on /dev/null (the lifecycle harness) it is not armed and keeps running", async () => {
    const { child, exited, first } = start("ignore");
    expect(JSON.parse(await first)).toEqual({ watching: false });
    child.kill("SIGTERM");
    expect(await exited).toBeNull();
  });
});
