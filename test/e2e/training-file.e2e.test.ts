// End to end with the real Pulumi CLI, when one is on PATH: a tiny TypeScript program using the
// package, a local file backend in a temp dir, the emulator as Together. Up, up again (no change),
// destroy. The CLI cannot be installed on the team's machines, so this usually skips.
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";
import { startEmulator, type Emulator } from "../emulator";

const run = promisify(execFile);
const REPO = path.resolve(__dirname, "..", "..");
const TIME_SCALE = 600;
const API_KEY = "tgp-SECRET-KEY-e2e-TrainingFile-51c0d7";

function findPulumi(): string | undefined {
  for (const dir of (process.env.PATH ?? "").split(path.delimiter)) {
    const candidate = path.join(dir, process.platform === "win32" ? "pulumi.exe" : "pulumi");
    if (dir !== "" && fs.existsSync(candidate)) return candidate;
  }
  return undefined;
}

const pulumiBin = findPulumi();
const distBuilt = fs.existsSync(path.join(REPO, "dist", "sdk", "index.js"));

if (pulumiBin === undefined || !distBuilt) {
  const why =
    pulumiBin === undefined
      ? "the Pulumi CLI was not found on PATH (install it to run this end-to-end test)"
      : "dist/ is missing (run `npm run build` first)";
  const message = `TrainingFile e2e with the real pulumi CLI: skipped because ${why}`;
  // Jest prints no titles for a suite whose every test is skipped; say why on the console too.
  console.warn(message);
  test.skip(message, () => undefined);
} else {
  describe("TrainingFile with the real pulumi CLI", () => {
    let emu: Emulator;
    let work: string;
    let program: string;
    let env: NodeJS.ProcessEnv;

    const pulumi = async (...args: string[]): Promise<string> => {
      const { stdout } = await run(pulumiBin, [...args, "--non-interactive"], {
        cwd: program,
        env,
        maxBuffer: 16 * 1024 * 1024,
      });
      return stdout;
    };

    beforeAll(async () => {
      emu = await startEmulator({ apiKey: API_KEY, timeScale: TIME_SCALE });
      work = fs.mkdtempSync(path.join(os.tmpdir(), "tf-e2e-"));
      program = path.join(work, "program");
      fs.mkdirSync(path.join(work, "backend"));
      fs.mkdirSync(program);
      fs.copyFileSync(
        path.join(REPO, "test", "lifecycle", "fixtures", "training-file", "train.jsonl"),
        path.join(program, "train.jsonl"),
      );
      fs.writeFileSync(
        path.join(program, "Pulumi.yaml"),
        "name: tf-e2e\nruntime:\n  name: nodejs\n  options:\n    typescript: true\n",
      );
      fs.writeFileSync(
        path.join(program, "index.ts"),
        [
          'import { TrainingFile } from "pulumi-together";',
          'const train = new TrainingFile("train", { source: "train.jsonl" });',
          "export const fileId = train.fileId;",
          "export const numSamples = train.numSamples;",
          "",
        ].join("\n"),
      );
      fs.writeFileSync(
        path.join(program, "tsconfig.json"),
        JSON.stringify({ compilerOptions: { module: "commonjs", target: "es2020", strict: true } }),
      );
      // The repo's dependencies, plus the package itself under its name.
      const modules = path.join(program, "node_modules");
      fs.mkdirSync(modules);
      for (const entry of fs.readdirSync(path.join(REPO, "node_modules"))) {
        if (entry.startsWith(".")) continue;
        fs.symlinkSync(path.join(REPO, "node_modules", entry), path.join(modules, entry));
      }
      fs.symlinkSync(REPO, path.join(modules, "pulumi-together"));
      env = {
        ...process.env,
        PULUMI_BACKEND_URL: `file://${path.join(work, "backend")}`,
        PULUMI_CONFIG_PASSPHRASE: "e2e-passphrase",
        PULUMI_SKIP_UPDATE_CHECK: "true",
        PULUMI_TOGETHER_TIME_SCALE: String(TIME_SCALE),
      };
      await pulumi("stack", "init", "e2e");
      await pulumi("config", "set", "together:baseUrl", emu.baseUrl);
      await pulumi("config", "set", "--secret", "together:apiKey", API_KEY);
    }, 120_000);

    afterAll(async () => {
      await pulumi("stack", "rm", "--yes", "--force").catch(() => undefined);
      await emu.close();
      fs.rmSync(work, { recursive: true, force: true });
    }, 60_000);

    test("up uploads, up again changes nothing, destroy deletes", async () => {
      await pulumi("up", "--yes", "--skip-preview");
      const outputs = JSON.parse(await pulumi("stack", "output", "--json")) as Record<string, unknown>;
      const fileId = outputs.fileId as string;
      expect(fileId).toMatch(/^file-/);
      expect(outputs.numSamples).toBe(5);
      expect(emu.store.files.get(fileId)?.deleted).toBe(false);
      const uploads = emu.requests.filter((r) => r.method === "POST" && r.path === "/v1/files").length;

      await pulumi("preview", "--expect-no-changes");
      const again = await pulumi("up", "--yes", "--skip-preview");
      expect(again).toMatch(/unchanged/);
      expect(emu.requests.filter((r) => r.method === "POST" && r.path === "/v1/files").length).toBe(uploads);

      await pulumi("destroy", "--yes", "--skip-preview");
      expect(emu.store.files.get(fileId)?.deleted).toBe(true);
      const exported = await pulumi("stack", "export", "--show-secrets=false");
      expect(exported).not.toContain(API_KEY);
    }, 300_000);
  });
}
