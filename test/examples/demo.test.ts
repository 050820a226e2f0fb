// Runs the compiled demo (`npm run build:tools` first; `npm test` does it) as a user would, and reads its output.
import { execFile, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { startEmulator } from "../../emulator";

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

  it("runs a program written with Pulumi's TypeScript template (its tsconfig.json predates TypeScript 6)", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pulumi-together-demo-template-"));
    try {
      fs.writeFileSync(path.join(dir, "Pulumi.yaml"), "name: template-program\nruntime: nodejs\n");
      // What `pulumi new typescript` writes; TypeScript 6 calls its moduleResolution deprecated (TS5107).
      fs.writeFileSync(
        path.join(dir, "tsconfig.json"),
        JSON.stringify({
          compilerOptions: {
            strict: true,
            outDir: "bin",
            target: "es2020",
            module: "commonjs",
            moduleResolution: "node",
          },
          files: ["index.ts"],
        }),
      );
      fs.copyFileSync(
        path.resolve(__dirname, "../../examples/quickstart/data/helpdesk-chats.jsonl"),
        path.join(dir, "chats.jsonl"),
      );
      fs.writeFileSync(
        path.join(dir, "index.ts"),
        [
          'import * as path from "path";',
          'import { TrainingFile } from "pulumi-together";',
          'const data = new TrainingFile("chats", { source: path.join(__dirname, "chats.jsonl") });',
          "export const fileId = data.fileId;",
        ].join("\n"),
      );
      const { code, output } = await runDemo(["--program", dir]);
      expect({ code, tail: output.slice(-2000) }).toMatchObject({ code: 0 });
      expect(output).not.toContain("TS5107");
      expect(output).toMatch(/together:TrainingFile\s+chats\s+created/);
      expect(output).toMatch(/together:TrainingFile\s+chats\s+deleted/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);

  it("fails plainly on a directory that is not a Pulumi program", async () => {
    const { code, output } = await runDemo(["--program", __dirname]);
    expect(code).toBe(1);
    expect(output).toContain(`${__dirname} is not a Pulumi program: it has no Pulumi.yaml`);
  });
});

describe("npm run demo -- --keep", () => {
  it("with --emulator, waits for Ctrl-C with the stack up instead of exiting (and removing its state) at once", async () => {
    const emu = await startEmulator({ timeScale: 600 });
    try {
      const child = spawn(
        process.execPath,
        [DEMO, "--harness", "--keep", "--emulator", emu.baseUrl, "--api-key", emu.apiKey],
        { stdio: ["ignore", "pipe", "pipe"] },
      );
      let output = "";
      child.stdout.on("data", (d: Buffer) => (output += d.toString()));
      child.stderr.on("data", (d: Buffer) => (output += d.toString()));
      const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
      for (let i = 0; i < 600 && !output.includes("--keep:") && child.exitCode === null; i++) {
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(output).toContain("--keep: the stack is still up");
      await new Promise((r) => setTimeout(r, 1500));
      expect({ exitCode: child.exitCode, tail: output.slice(-500) }).toMatchObject({ exitCode: null });
      expect(emu.summary().endpointsLive).toBe(1); // kept: still up while the demo waits
      child.kill("SIGINT");
      expect(await exited).toBe(0);
    } finally {
      await emu.close();
    }
  }, 120_000);
});
