// The README's offline path, as a user runs it: `pulumi-together emulator` from the installed package, the
// stack pointed at it with `pulumi config set`, then `pulumi up` and `pulumi destroy` on the real CLI.
import { spawn, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { createInterface } from "node:readline";
import { ScratchProgram, scratchRoot } from "../../scripts/real-cli/scratch-program";
import { describeWithCli } from "./kit/cli";

const API_KEY = "tgp-SECRET-KEY-e2e-offline-cli-91ab3f";
const DATASET = path.join(__dirname, "..", "..", "examples", "quickstart", "data", "helpdesk-chats.jsonl");

describeWithCli(
  "the README's offline path: pulumi-together emulator + pulumi config set + pulumi up",
  (cli) => {
    let root: string;
    let emulator: ChildProcess | undefined;

    afterAll(async () => {
      if (emulator !== undefined && emulator.exitCode === null) {
        const exited = new Promise((resolve) => emulator!.once("exit", resolve));
        emulator.kill("SIGTERM");
        await exited;
      }
      fs.rmSync(root, { recursive: true, force: true });
    });

    test("up uploads and trains against the emulator the CLI started; destroy leaves it empty", async () => {
      root = scratchRoot("offline-cli");
      const p = await ScratchProgram.create(cli, path.join(root, "program"), {
        files: {
          "index.ts": [
            'import { FineTuneJob, TrainingFile } from "pulumi-together";',
            'const data = new TrainingFile("data", { source: "train.jsonl" });',
            'const job = new FineTuneJob("tune", { model: "Qwen/Qwen3-0.6B", trainingFile: data });',
            "export const jobId = job.jobId;",
            "",
          ].join("\n"),
          "train.jsonl": fs.readFileSync(DATASET, "utf8"),
        },
        env: { PULUMI_TOGETHER_TIME_SCALE: "600" },
      });
      emulator = spawn(
        path.join(p.dir, "node_modules", ".bin", "pulumi-together"),
        ["emulator", "--port", "0", "--api-key", API_KEY, "--time-scale", "600"],
        { cwd: p.dir, stdio: ["ignore", "pipe", "inherit"] },
      );
      const baseUrl = await new Promise<string>((resolve, reject) => {
        createInterface({ input: emulator!.stdout! }).on("line", (line) => {
          const m = /(http:\/\/127\.0\.0\.1:\d+\/v1)/.exec(line);
          if (m) resolve(m[1]!);
        });
        emulator!.once("exit", (code) => reject(new Error(`pulumi-together emulator exited with ${code}`)));
      });
      const state = async (): Promise<{ files: unknown[]; jobs: { id: string; status: string }[] }> =>
        (await (await fetch(baseUrl.replace(/\/v1$/, "/_emulator/state"))).json()) as {
          files: unknown[];
          jobs: { id: string; status: string }[];
        };

      await p.pulumi(["stack", "init", "dev"]);
      await p.pulumi(["config", "set", "together:baseUrl", baseUrl, "--stack", "dev"]);
      await p.pulumi(["config", "set", "--secret", "together:apiKey", API_KEY, "--stack", "dev"]);
      const up = await p.pulumi(["up", "--yes", "--stack", "dev"]);
      expect(up.output).toMatch(/\+ 3 created/);
      const { jobId } = (await p.outputs("dev")) as { jobId: string };
      const after = await state();
      expect(after.files).toHaveLength(1);
      expect(after.jobs).toEqual([expect.objectContaining({ id: jobId, status: "completed" })]);
      expect(up.output).not.toContain(API_KEY);

      await p.pulumi(["destroy", "--yes", "--stack", "dev"]);
      expect((await state()).files).toEqual([]);
    });
  },
);
