// `npm run demo -- --emulator URL --api-key KEY --state DIR`: the demo uses a running emulator instead of its own,
// and keeps the stack between runs, so a second run after an edit shows an update and a third a replace.
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { startEmulator, type Emulator } from "../../emulator";

const DEMO = path.resolve(__dirname, "../../dist/demo/index.js");
const QUICKSTART = path.resolve(__dirname, "../../examples/quickstart");

function runDemo(args: string[]): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [DEMO, ...args], { maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === "number" ? err.code : 1) : 0;
      resolve({ code, output: `${stdout}${stderr}` });
    });
  });
}

let root: string;
let emu: Emulator;
beforeAll(async () => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), "demo-options-"));
  fs.cpSync(QUICKSTART, path.join(root, "program"), {
    recursive: true,
    filter: (src) => path.basename(src) !== "node_modules",
  });
  emu = await startEmulator({ apiKey: "running-key", timeScale: 600 });
});
afterAll(async () => {
  await emu?.close();
  fs.rmSync(root, { recursive: true, force: true });
});

describe("npm run demo -- --emulator URL --api-key KEY --state DIR", () => {
  const args = () => [
    "--harness",
    "--program",
    path.join(root, "program"),
    "--emulator",
    emu.baseUrl,
    "--api-key",
    "running-key",
    "--state",
    path.join(root, "state"),
  ];
  const stackConfig = (lines: string[]) =>
    fs.writeFileSync(path.join(root, "program", "Pulumi.dev.yaml"), ["config:", ...lines, ""].join("\n"));

  it("creates in the running emulator and keeps the stack up", async () => {
    const { code, output } = await runDemo(args());
    expect({ code, tail: output.slice(-2000) }).toMatchObject({ code: 0 });
    expect(output).toContain(`Together emulator on ${emu.baseUrl} (already running, clock 600x`);
    expect(output).toContain(`State kept in ${path.join(root, "state")} between runs`);
    expect(output).toMatch(/together:DedicatedEndpoint helpdesk\s+created/);
    expect(output).not.toMatch(/deleted/);
    expect(output).toContain("The stack is still up");
    expect(emu.summary()).toMatchObject({ filesLive: 1, jobsCreated: 1, endpointsLive: 1 });
    // What `up` prints reads well: the estimate once, no rate for a 15 KiB loopback upload, each job status
    // line saying something new, and the endpoint wait in the same emulated time as the job's.
    const up = output.slice(output.indexOf("Updating (dev):"));
    expect(up.match(/estimated price \$/g)).toHaveLength(1);
    expect(up).toMatch(
      /uploaded pulumi-together-quickstart-dev-helpdesk-chats\.[0-9a-f]{12}\.helpdesk-chats\.jsonl: 15\.0 KiB of 15\.0 KiB \(100%\)\n/,
    );
    expect(up).not.toContain("MB/s");
    const statusLines = up.split("\n").filter((l) => / job ft-\S+ status /.test(l));
    const statuses = statusLines.map((l) => / (status [^,]+(?:, step \d+\/\d+)?)/.exec(l)?.[1]);
    expect(new Set(statuses).size).toBe(statuses.length);
    expect(up).toMatch(/waiting for STARTED, elapsed \d+ (s|min) \(time scale 600\)/);
    expect(up).toMatch(/is STARTED after \d+ (s|min) \(time scale 600\)/);
    expect(up).not.toMatch(/\d ms elapsed/);
  }, 120_000);

  it("a second run after an edit updates in place", async () => {
    stackConfig(["  maxHourlyPriceUsd: 10"]);
    const { code, output } = await runDemo(args());
    expect({ code, tail: output.slice(-2000) }).toMatchObject({ code: 0 });
    expect(output).toMatch(/together:DedicatedEndpoint helpdesk\s+updated/);
    expect(output).toMatch(/together:FineTuneJob helpdesk-lora\s+same/);
    expect(emu.summary()).toMatchObject({ jobsCreated: 1, endpointsCreated: 1, endpointsLive: 1 });
  }, 120_000);

  it("a third run with other hardware replaces the endpoint (the new one first), the job is kept", async () => {
    stackConfig(["  maxHourlyPriceUsd: 10", "  hardware: 1x_nvidia_l40s_48gb_pcie"]);
    const { code, output } = await runDemo(args());
    expect({ code, tail: output.slice(-2000) }).toMatchObject({ code: 0 });
    expect(output).toMatch(/together:DedicatedEndpoint helpdesk\s+replaced/);
    expect(emu.summary()).toMatchObject({ jobsCreated: 1, endpointsCreated: 2, endpointsLive: 1 });
  }, 120_000);
});

describe("npm run demo: option errors", () => {
  it("--emulator needs --api-key", async () => {
    const { code, output } = await runDemo(["--emulator", "http://127.0.0.1:9/v1"]);
    expect(code).not.toBe(0);
    expect(output).toContain("--emulator needs --api-key KEY");
  });

  it("--state needs --emulator", async () => {
    const { code, output } = await runDemo(["--state", path.join(root, "nowhere")]);
    expect(code).not.toBe(0);
    expect(output).toContain("--state needs --emulator URL");
  });

  it("an emulator that does not answer is one line with the fix", async () => {
    const { code, output } = await runDemo([
      "--harness",
      "--emulator",
      "http://127.0.0.1:9/v1",
      "--api-key",
      "k",
    ]);
    expect(code).toBe(1);
    expect(output).toMatch(
      /^Demo failed: no emulator answers at http:\/\/127\.0\.0\.1:9\/v1 .*Fix: start one/m,
    );
    expect(output).not.toMatch(/\n\s+at /);
  });
});
