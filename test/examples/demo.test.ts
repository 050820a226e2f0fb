// Runs the compiled demo (`npm run build:tools` first; `npm test` does it) as a user would, and reads its output.
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";

const DEMO = path.resolve(__dirname, "../../dist/demo/index.js");

function runDemo(args: string[]): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [DEMO, ...args], { maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === "number" ? err.code : 1) : 0;
      resolve({ code, output: `${stdout}${stderr}` });
    });
  });
}

const RESOURCES = [
  ["TrainingFile", "helpdesk-chats"],
  ["FineTuneJob", "helpdesk-lora"],
  ["DedicatedEndpoint", "helpdesk"],
] as const;

describe("npm run demo", () => {
  it("deploys the quickstart against the emulator, destroys it, and leaves nothing running", async () => {
    expect(fs.existsSync(DEMO)).toBe(true);
    const { code, output } = await runDemo([]);
    expect({ code, tail: output.slice(-2000) }).toMatchObject({ code: 0 });
    for (const [kind, name] of RESOURCES) {
      const created = output.search(new RegExp(`together:${kind}\\s+${name}\\s+created`));
      const deleted = output.search(new RegExp(`together:${kind}\\s+${name}\\s+deleted`));
      expect(created).toBeGreaterThan(-1);
      expect(deleted).toBeGreaterThan(created);
    }
    expect(output).toMatch(/waiting for STARTED/);
    expect(output).toMatch(/endpointName\s*"?:?\s*"?emulator-user\//);
    expect(output).toMatch(/0 job\(s\) active of 1 started; 0 endpoint\(s\) live of 1 created, 0 billing/);
    expect(output).toContain("Nothing is left running or billing in the emulator.");
  }, 120_000);

  it("fails plainly on a directory that is not a Pulumi program", async () => {
    const { code, output } = await runDemo(["--program", __dirname]);
    expect(code).toBe(1);
    expect(output).toContain(`${__dirname} is not a Pulumi program: it has no Pulumi.yaml`);
  });
});
