// The demo's Pulumi CLI path, with a stand-in `pulumi` on PATH that records how it was called: the commands,
// the environment pointing at the emulator and a file backend, and a staged program that resolves this package
// without NODE_PATH. Without pulumi-language-nodejs beside the CLI, the commands that run the program go through
// scripts/run-program.cjs (the stand-in then sees `--client`); with it, `pulumi` runs plainly. Then the real CLI,
// when there is one (PULUMI_TOGETHER_E2E=require makes its absence a failure).
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describeWithCli } from "../e2e/kit/cli";

const DEMO = path.resolve(__dirname, "../../dist/demo/index.js");
const REPO = path.resolve(__dirname, "../..");

const FAKE_PULUMI = `#!${process.execPath}
const fs = require("fs");
const path = require("path");
const args = process.argv.slice(2);
const cwd = process.cwd();
let runtime = "";
try { runtime = require.resolve("pulumi-together/runtime", { paths: [cwd] }); } catch (e) { runtime = "unresolved"; }
const pick = (k) => process.env[k];
fs.appendFileSync(process.env.FAKE_PULUMI_LOG, JSON.stringify({
  args, cwd, runtime,
  hasProject: fs.existsSync(path.join(cwd, "Pulumi.yaml")),
  hasDataset: fs.existsSync(path.join(cwd, "data", "helpdesk-chats.jsonl")),
  env: Object.fromEntries(["PULUMI_BACKEND_URL", "PULUMI_CONFIG_PASSPHRASE", "TOGETHER_BASE_URL", "TOGETHER_API_KEY",
    "PULUMI_TOGETHER_TIME_SCALE", "PULUMI_NODEJS_TRANSPILE_ONLY", "NODE_PATH"].map((k) => [k, pick(k)])),
}) + "\\n");
if (args[0] === "stack" && args[1] === "output") process.stdout.write('{"endpointName": "emulator-user/fake"}\\n');
`;

let root: string;
beforeAll(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), "demo-cli-"));
  for (const dir of ["bin", "full-bin"]) {
    fs.mkdirSync(path.join(root, dir));
    fs.writeFileSync(path.join(root, dir, "pulumi"), FAKE_PULUMI, { mode: 0o755 });
  }
  // A full installation: Pulumi's Node.js language host beside the CLI.
  fs.writeFileSync(path.join(root, "full-bin", "pulumi-language-nodejs"), "#!/bin/sh\nexit 1\n", {
    mode: 0o755,
  });
});
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

function runDemo(
  binDir: string,
  log: string,
  extraEnv: Record<string, string> = {},
): Promise<{ code: number; output: string }> {
  const env = {
    ...process.env,
    PATH: `${path.join(root, binDir)}${path.delimiter}${process.env.PATH ?? ""}`,
    FAKE_PULUMI_LOG: path.join(root, log),
    ...extraEnv,
  };
  return new Promise((resolve) => {
    execFile(process.execPath, [DEMO, "--time-scale", "300"], { env }, (err, stdout, stderr) => {
      resolve({ code: err ? 1 : 0, output: `${stdout}${stderr}` });
    });
  });
}

interface Call {
  args: string[];
  cwd: string;
  runtime: string;
  env: Record<string, string | undefined>;
}

function readCalls(log: string): Call[] {
  return fs
    .readFileSync(path.join(root, log), "utf8")
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as Call);
}

const EXPECTED_COMMANDS = [
  "stack select --create dev --non-interactive",
  "preview --non-interactive --stack dev",
  "up --yes --non-interactive --stack dev",
  "up --yes --non-interactive --stack dev",
  "stack output --json --stack dev",
  "destroy --yes --non-interactive --stack dev",
  "stack rm --yes --non-interactive --stack dev",
];

describe("npm run demo with a Pulumi CLI on PATH", () => {
  it("without a Node.js language host: preview, up and destroy go through run-program.cjs with --client", async () => {
    const { code, output } = await runDemo("bin", "runner.jsonl", { NODE_PATH: "/nowhere" });
    expect({ code, output }).toMatchObject({ code: 0 });
    expect(output).toContain(
      "no pulumi-language-nodejs beside it: preview, up and destroy run through scripts/run-program.cjs",
    );
    const calls = readCalls("runner.jsonl");
    const client = /^--client=127\.0\.0\.1:\d+ --exec-kind auto\.inline$/;
    expect(
      calls.map((c) => {
        const ran = c.args.join(" ");
        const i = ran.indexOf(" --client=");
        if (i < 0) return ran;
        expect(ran.slice(i + 1)).toMatch(client);
        return ran.slice(0, i);
      }),
    ).toEqual(EXPECTED_COMMANDS);
    expect(calls.filter((c) => c.args.some((a) => a.startsWith("--client=")))).toHaveLength(4);
    for (const c of calls) expect(c.env.NODE_PATH).toBeUndefined();
  });

  it("runs stack select, preview, up twice, stack output, destroy and stack rm on a file backend pointed at the emulator", async () => {
    const { code, output } = await runDemo("full-bin", "calls.jsonl");
    expect({ code, output }).toMatchObject({ code: 0 });
    const calls = readCalls("calls.jsonl");
    expect(calls.map((c) => c.args.join(" "))).toEqual(EXPECTED_COMMANDS);
    const baseUrl = /Together emulator on (\S+)/.exec(output)?.[1];
    for (const c of calls) {
      expect(c).toMatchObject({
        hasProject: true,
        hasDataset: true,
        runtime: path.join(REPO, "dist/provider/runtime.js"),
      });
      expect(c.cwd.startsWith(REPO)).toBe(false);
      expect(c.env).toMatchObject({
        TOGETHER_BASE_URL: baseUrl,
        TOGETHER_API_KEY: "emulator-key",
        PULUMI_TOGETHER_TIME_SCALE: "300",
        PULUMI_NODEJS_TRANSPILE_ONLY: "true",
      });
      expect(c.env.PULUMI_BACKEND_URL).toMatch(/^file:\/\//);
      expect(c.env.PULUMI_CONFIG_PASSPHRASE).toBeTruthy();
    }
    expect(output).toContain('{"endpointName": "emulator-user/fake"}');
    expect(output).toContain("Nothing is left running or billing in the emulator.");
    expect(fs.existsSync(calls[0]!.cwd)).toBe(false);
  });
});

describeWithCli("npm run demo on the real Pulumi CLI", (cli) => {
  it("deploys the quickstart with preview, up and destroy, and leaves nothing running", async () => {
    const { code, output } = await runDemo("no-such-dir", "unused.jsonl", {
      PATH: `${cli.binDir}${path.delimiter}${process.env.PATH ?? ""}`,
      PULUMI_HOME: path.join(root, "pulumi-home"),
      NODE_PATH: "",
    });
    expect({ code, tail: output.slice(-3000) }).toMatchObject({ code: 0 });
    if (!cli.hasLanguageHost) expect(output).toContain("run through scripts/run-program.cjs");
    for (const kind of ["TrainingFile", "FineTuneJob", "DedicatedEndpoint"]) {
      expect(output).toMatch(new RegExp(`together:${kind} \\S+ +created`));
      expect(output).toMatch(new RegExp(`together:${kind} \\S+ +deleted`));
    }
    expect(output).toMatch(/"endpointName": "emulator-user\//);
    expect(output).toContain("Nothing is left running or billing in the emulator.");
  }, 300_000);
});
