import { runEmulatorCommand } from "../../cli/emulator-command";

describe("pulumi-together emulator", () => {
  it("prints its base URL and key, serves until stopped, then closes", async () => {
    let output = "";
    let stop!: () => void;
    const stopped = new Promise<void>((resolve) => (stop = resolve));
    let printed!: () => void;
    const started = new Promise<void>((resolve) => (printed = resolve));
    const run = runEmulatorCommand(
      { port: "0", apiKey: "cli-key", timeScale: "60" },
      {
        out: (text) => {
          output += text;
          printed();
        },
        untilStopped: () => stopped,
      },
    );
    await started;
    const baseUrl = /listening on (\S+)/.exec(output)![1]!;
    expect(baseUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v1$/);
    expect(output).toContain("API key: cli-key");
    const res = await fetch(`${baseUrl}/hardware`, { headers: { authorization: "Bearer cli-key" } });
    expect(res.status).toBe(200);
    stop();
    await run;
    await expect(fetch(`${baseUrl}/hardware`)).rejects.toThrow();
    expect(output).toContain("Emulator stopped.");
  });

  it("takes the v2 project id with --project-id, prints it and reports it in /_emulator/state", async () => {
    let output = "";
    let stop!: () => void;
    const stopped = new Promise<void>((resolve) => (stop = resolve));
    let printed!: () => void;
    const started = new Promise<void>((resolve) => (printed = resolve));
    const run = runEmulatorCommand(
      { port: "0", timeScale: "1", projectId: "proj_cli" },
      {
        out: (text) => {
          output += text;
          printed();
        },
        untilStopped: () => stopped,
      },
    );
    await started;
    expect(output).toContain("Project (v2 endpoints): proj_cli");
    const origin = /listening on (\S+)\/v1/.exec(output)![1]!;
    const state = (await (await fetch(`${origin}/_emulator/state`)).json()) as { projectId: string };
    expect(state.projectId).toBe("proj_cli");
    stop();
    await run;
  });

  it("rejects a bad port or time scale", async () => {
    const io = { out: () => undefined, untilStopped: async () => undefined };
    await expect(runEmulatorCommand({ port: "x", timeScale: "1" }, io)).rejects.toThrow(/--port/);
    await expect(runEmulatorCommand({ port: "0", timeScale: "0" }, io)).rejects.toThrow(/--time-scale/);
  });
});
