// The demo's Pulumi CLI path, with a stand-in `pulumi` on PATH that records how it was called: the commands,
// the environment pointing at the emulator and a file backend, and a staged program that resolves this package.
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

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
  fs.mkdirSync(path.join(root, "bin"));
  fs.writeFileSync(path.join(root, "bin", "pulumi"), FAKE_PULUMI, { mode: 0o755 });
});
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

function runDemo(): Promise<{ code: number; output: string }> {
  const env = {
    ...process.env,
    PATH: `${path.join(root, "bin")}${path.delimiter}${process.env.PATH ?? ""}`,
    FAKE_PULUMI_LOG: path.join(root, "calls.jsonl"),
  };
  return new Promise((resolve) => {
    execFile(process.execPath, [DEMO, "--time-scale", "300"], { env }, (err, stdout, stderr) => {
      resolve({ code: err ? 1 : 0, output: `${stdout}${stderr}` });
    });
  });
}

describe("npm run demo with a Pulumi CLI on PATH", () => {
  it("runs stack init, up twice, stack output, destroy and stack rm on a file backend pointed at the emulator", async () => {
    const { code, output } = await runDemo();
    expect({ code, output }).toMatchObject({ code: 0 });
    const calls = fs
      .readFileSync(path.join(root, "calls.jsonl"), "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(calls.map((c) => c.args.join(" "))).toEqual([
      "stack init dev --non-interactive",
      "up --yes --non-interactive --stack dev",
      "up --yes --non-interactive --stack dev",
      "stack output --json --stack dev",
      "destroy --yes --non-interactive --stack dev",
      "stack rm --yes --non-interactive --stack dev",
    ]);
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
    expect(fs.existsSync(calls[0].cwd)).toBe(false);
  });
});
