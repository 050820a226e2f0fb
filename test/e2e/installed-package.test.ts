// The package as a user gets it: `npm pack` of this repository installed beside a newer @pulumi/pulumi 3.x
// (test/e2e/kit/installed-package.ts). Needs no Pulumi CLI, so it runs everywhere the unit tests run: one
// copy of the SDK, the command, the emulator export, the provider started as Pulumi's nodejs plugin starts
// it, and a tarball holding nothing but the built package.
import { execFile, execFileSync, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { createInterface } from "node:readline";
import { promisify } from "node:util";
import {
  installedPackage,
  PROGRAM_DEPENDENCIES,
  REPO,
  type InstalledPackage,
} from "../../scripts/real-cli/installed-package";

const run = promisify(execFile);
const DATASET = path.join(REPO, "examples", "testing-offline", "data", "train.jsonl");
const VERSION = (JSON.parse(fs.readFileSync(path.join(REPO, "package.json"), "utf8")) as { version: string })
  .version;

/** The environment of a user's shell: nothing pointing back at this repository. */
function userEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.NODE_PATH;
  delete env.TOGETHER_API_KEY;
  delete env.TOGETHER_BASE_URL;
  return env;
}

/** Runs `node -e script` in the program directory, as a user's script there would run. */
async function nodeIn(dir: string, script: string): Promise<string> {
  const { stdout } = await run(process.execPath, ["-e", script], {
    cwd: dir,
    env: userEnv(),
    timeout: 60_000,
  });
  return stdout;
}

let pkg: InstalledPackage;
let dir: string;

beforeAll(async () => {
  pkg = await installedPackage();
  dir = pkg.template;
}, 300_000);

describe("pulumi-together installed from its npm pack tarball", () => {
  it("shares the program's single copy of @pulumi/pulumi (a peer dependency)", () => {
    const tree = JSON.parse(
      execFileSync("npm", ["ls", "@pulumi/pulumi", "--all", "--json"], { cwd: dir, encoding: "utf8" }),
    ) as Record<string, unknown>;
    const copies = new Set<string>();
    const walk = (node: { dependencies?: Record<string, unknown> }): void => {
      for (const [name, child] of Object.entries(node.dependencies ?? {})) {
        const c = child as { version?: string; dependencies?: Record<string, unknown> };
        if (name === "@pulumi/pulumi") copies.add(c.version ?? "?");
        walk(c);
      }
    };
    walk(tree);
    expect([...copies]).toEqual([PROGRAM_DEPENDENCIES["@pulumi/pulumi"]]);
    const found = execFileSync("find", ["node_modules", "-path", "*/@pulumi/pulumi/package.json"], {
      cwd: dir,
      encoding: "utf8",
    })
      .trim()
      .split("\n");
    expect(found).toEqual(["node_modules/@pulumi/pulumi/package.json"]);
  });

  it("`npx pulumi-together --version` prints package.json's version", async () => {
    const { stdout } = await run("npx", ["--no-install", "pulumi-together", "--version"], {
      cwd: dir,
      env: userEnv(),
    });
    expect(stdout.trim()).toBe(VERSION);
  });

  it("`pulumi-together check` reads a dataset and reports on it", async () => {
    const { stdout } = await run("npx", ["--no-install", "pulumi-together", "check", DATASET], {
      cwd: dir,
      env: userEnv(),
    });
    expect(stdout).toContain("train.jsonl");
    expect(stdout).toMatch(/conversation/i);
    expect(stdout).toMatch(/\b8\b/); // the dataset's 8 samples
  });

  it("`pulumi-together check` fails on a dataset that is not JSONL", async () => {
    const bad = path.join(fs.mkdtempSync(path.join(require("node:os").tmpdir(), "pt-bad-")), "bad.jsonl");
    fs.writeFileSync(bad, "this is not json\n");
    await expect(
      run("npx", ["--no-install", "pulumi-together", "check", bad], { cwd: dir, env: userEnv() }),
    ).rejects.toMatchObject({ code: expect.any(Number) });
    fs.rmSync(path.dirname(bad), { recursive: true, force: true });
  });

  it("`pulumi-together emulator --port 0` serves the Together API and stops on SIGTERM", async () => {
    const bin = path.join(dir, "node_modules", ".bin", "pulumi-together");
    const child = spawn(bin, ["emulator", "--port", "0", "--api-key", "k-test"], {
      cwd: dir,
      env: userEnv(),
      stdio: ["ignore", "pipe", "pipe"],
    });
    try {
      const lines = createInterface({ input: child.stdout });
      const baseUrl = await new Promise<string>((resolve, reject) => {
        lines.on("line", (line) => {
          const m = /listening on (http:\/\/127\.0\.0\.1:\d+\/v1)/.exec(line);
          if (m) resolve(m[1]!);
        });
        child.once("exit", (code) => reject(new Error(`emulator exited with ${code}`)));
      });
      const ok = await fetch(`${baseUrl}/files`, { headers: { authorization: "Bearer k-test" } });
      expect(ok.status).toBe(200);
      expect(await ok.json()).toMatchObject({ data: [] });
      const denied = await fetch(`${baseUrl}/files`, { headers: { authorization: "Bearer wrong" } });
      expect(denied.status).toBe(401);
      const exit = new Promise<number | null>((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      expect(await exit).toBe(0);
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    }
  });

  it('`require("pulumi-together/emulator")` from the program starts an emulator that answers', async () => {
    const out = await nodeIn(
      dir,
      `const { startEmulator } = require("pulumi-together/emulator");
       (async () => {
         const emu = await startEmulator({ apiKey: "k" });
         const res = await fetch(emu.baseUrl + "/files", { headers: { authorization: "Bearer k" } });
         const from = require.resolve("pulumi-together/emulator");
         console.log(JSON.stringify({ status: res.status, body: await res.json(), requests: emu.requests.length, from }));
         await emu.close();
       })().catch((e) => { console.error(e); process.exit(1); });`,
    );
    const r = JSON.parse(out) as { status: number; body: unknown; requests: number; from: string };
    expect(r).toMatchObject({ status: 200, body: { data: [] }, requests: 1 });
    expect(r.from).toBe(path.join(dir, "node_modules", "pulumi-together", "dist", "emulator", "index.js"));
  });

  it("the provider, started as pulumi-resource-pulumi-nodejs starts it, answers Configure and Check", async () => {
    // The plugin runs `node <@pulumi/pulumi/cmd/dynamic-provider resolved from the program dir> <engine>` in the
    // program dir, no NODE_PATH; the installed package's gRPC driver (dist/testing/provider-host.js) does the
    // same, and the serialized TrainingFile shell is what a program would store as __provider.
    const out = await nodeIn(
      dir,
      `const path = require("node:path");
       const pulumi = require("@pulumi/pulumi");
       const root = path.dirname(require.resolve("pulumi-together/package.json"));
       const { shells } = require(path.join(root, "dist/provider/shell.js"));
       const { DynamicProviderHost } = require(path.join(root, "dist/testing/provider-host.js"));
       (async () => {
         const sf = await pulumi.runtime.serializeFunction(() => shells.TrainingFile, { allowSecrets: true });
         const host = await DynamicProviderHost.start({ cwd: process.cwd(), project: "installed" });
         try {
           const urn = "urn:pulumi:dev::installed::pulumi-nodejs:dynamic/together:TrainingFile::train";
           await host.configure({ "together:apiKey": "k", "together:baseUrl": "http://127.0.0.1:9/v1" });
           const news = { __provider: sf.text, logicalName: "train", source: ${JSON.stringify(DATASET)}, sourcePath: ${JSON.stringify(DATASET)} };
           const good = await host.check(urn, {}, news);
           const bad = await host.check(urn, {}, { ...news, sourcePath: "/nonexistent/train.jsonl" });
           console.log(JSON.stringify({
             script: require.resolve("@pulumi/pulumi/cmd/dynamic-provider"),
             sdk: require("@pulumi/pulumi/package.json").version,
             pid: host.pid, shell: sf.text, good, bad, log: host.log,
           }));
         } finally { await host.stop(); }
       })().catch((e) => { console.error(e); process.exit(1); });`,
    );
    const r = JSON.parse(out) as {
      script: string;
      sdk: string;
      shell: string;
      good: { inputs: Record<string, unknown>; failures: unknown[] };
      bad: { inputs: Record<string, unknown>; failures: { property: string; reason: string }[] };
      log: string;
    };
    expect(r.script).toBe(
      path.join(dir, "node_modules", "@pulumi", "pulumi", "cmd", "dynamic-provider", "index.js"),
    );
    expect(r.sdk).toBe(PROGRAM_DEPENDENCIES["@pulumi/pulumi"]);
    expect(r.shell).toContain('require("pulumi-together/runtime")');
    expect(r.good.failures).toEqual([]);
    expect(r.good.inputs).toMatchObject({ __provider: r.shell, source: DATASET, sourcePath: DATASET });
    expect(r.bad.failures).toEqual([
      expect.objectContaining({ reason: expect.stringContaining("/nonexistent/train.jsonl") }),
    ]);
  });

  it("the tarball holds only the built package, README and package.json", () => {
    const entries = execFileSync("tar", ["-tzf", pkg.tarball], { encoding: "utf8" }).trim().split("\n");
    const unexpected = entries.filter(
      (e) =>
        !/^package\/dist\/(sdk|provider|cli|emulator|testing)\//.test(e) &&
        !["package/README.md", "package/package.json", "package/LICENSE"].includes(e),
    );
    expect(unexpected).toEqual([]);
    expect(entries.filter((e) => /\.test\.|\/test\/|\/demo\/|\/bench\/|\/examples\//.test(e))).toEqual([]);
    for (const needed of [
      "package/dist/sdk/index.js",
      "package/dist/provider/runtime.js",
      "package/dist/cli/index.js",
      "package/dist/emulator/index.js",
      "package/dist/testing/index.js",
      "package/dist/testing/index.d.ts",
      "package/dist/testing/HARNESS-LIMITS.md",
    ]) {
      expect(entries).toContain(needed);
    }
  });
});
