// Updates and replacements on the real engine: which input changes update in place (and send the
// PATCH), which replace, in what order the engine runs a replacement chain, and the
// deleteBeforeReplace option.
import * as fs from "node:fs";
import * as path from "node:path";
import type { Emulator } from "../../emulator";
import { describeWithCli } from "./kit/cli";
import { calls, mutatingRequests, useE2E } from "./kit/fixture";
import { resourcesByName, type ScratchProgram } from "../../scripts/real-cli/scratch-program";

const API_KEY = "tgp-SECRET-KEY-e2e-updates-3a9d51";
const FIXTURES = path.join(__dirname, "..", "lifecycle", "fixtures", "training-file");

// Every knob is stack config, so one program serves every step.
const PROGRAM = `
import * as pulumi from "@pulumi/pulumi";
import { DedicatedEndpoint, FineTuneJob, TrainingFile } from "pulumi-together";

const c = new pulumi.Config();
const data = new TrainingFile("data", { source: c.get("dataset") ?? "train.jsonl" });
const job = new FineTuneJob("tune", {
  model: "Qwen/Qwen3-0.6B",
  trainingFile: data.fileId,
  nEpochs: 1,
  waitFor: (c.get("waitFor") as "completed" | "running" | undefined) ?? "completed",
});
const endpoint = new DedicatedEndpoint(
  "serve",
  {
    model: job.outputModelName,
    hardware: "1x_nvidia_h100_80gb_sxm",
    autoscaling: { minReplicas: c.getNumber("minReplicas") ?? 1, maxReplicas: c.getNumber("maxReplicas") ?? 1 },
    state: (c.get("state") as "STARTED" | "STOPPED" | undefined) ?? "STARTED",
    displayName: c.get("displayName"),
  },
  { deleteBeforeReplace: c.getBoolean("deleteBeforeReplace") ?? false },
);
export const fileId = data.fileId;
export const jobId = job.jobId;
export const endpointId = endpoint.endpointId;
export const endpointName = endpoint.name;
`;

/** The requests of one `up`, and what it printed. */
interface Step {
  out: string;
  since: number;
}

describeWithCli("updates and replacements on the real engine", (cli) => {
  const e2e = useE2E(cli, "updates", API_KEY);
  let p: ScratchProgram;
  let emu: Emulator;

  const up = async (config: Record<string, string> = {}): Promise<Step> => {
    for (const [key, value] of Object.entries(config))
      await p.pulumi(["config", "set", "--stack", "dev", key, value]);
    const since = e2e.emu.requests.length;
    const { output } = await p.pulumi(["up", "--yes", "--stack", "dev"]);
    return { out: output, since };
  };
  const ids = async (): Promise<{ fileId: string; jobId: string; endpointId: string }> =>
    (await p.outputs("dev")) as { fileId: string; jobId: string; endpointId: string };

  beforeAll(async () => {
    emu = e2e.emu;
    p = await e2e.program("updates", {
      files: {
        "index.ts": PROGRAM,
        "train.jsonl": fs.readFileSync(path.join(FIXTURES, "train.jsonl"), "utf8"),
        "train-v2.jsonl": fs.readFileSync(path.join(FIXTURES, "train-v2.jsonl"), "utf8"),
      },
    });
    await e2e.initStack(p, "dev");
    e2e.onCleanup(() => p.pulumi(["destroy", "--yes", "--stack", "dev"]));
    await up();
  });

  describe("in place: an update, never a replace, and the PATCH at Together", () => {
    test("endpoint autoscaling", async () => {
      const before = await ids();
      const step = await up({ minReplicas: "1", maxReplicas: "2" });
      expect(step.out).toMatch(/~\s+pulumi-nodejs:dynamic\/together:DedicatedEndpoint\s+serve\s+updated/);
      expect(step.out).toMatch(/1 updated/);
      expect(step.out).not.toMatch(/replaced/);
      expect(calls(mutatingRequests(emu, step.since))).toEqual([`PATCH /v1/endpoints/${before.endpointId}`]);
      expect(mutatingRequests(emu, step.since)[0]!.body).toMatchObject({
        autoscaling: { min_replicas: 1, max_replicas: 2 },
      });
      expect(await ids()).toEqual(before);
      expect(emu.store.endpoints.get(before.endpointId)!.autoscaling).toEqual({
        min_replicas: 1,
        max_replicas: 2,
      });
    });

    test("endpoint state STOPPED, then STARTED", async () => {
      const before = await ids();
      const stop = await up({ state: "STOPPED" });
      expect(stop.out).toMatch(/1 updated/);
      expect(calls(mutatingRequests(emu, stop.since))).toEqual([`PATCH /v1/endpoints/${before.endpointId}`]);
      expect(mutatingRequests(emu, stop.since)[0]!.body).toMatchObject({ state: "STOPPED" });
      expect(emu.summary()).toMatchObject({ endpointsLive: 1, endpointsBilling: 0 });

      const start = await up({ state: "STARTED" });
      expect(start.out).toMatch(/1 updated/);
      expect(calls(mutatingRequests(emu, start.since))).toEqual([`PATCH /v1/endpoints/${before.endpointId}`]);
      expect(mutatingRequests(emu, start.since)[0]!.body).toMatchObject({ state: "STARTED" });
      expect(emu.summary()).toMatchObject({ endpointsLive: 1, endpointsBilling: 1 });
      expect(await ids()).toEqual(before);
    });

    test("endpoint display name", async () => {
      const before = await ids();
      const step = await up({ displayName: "helpdesk renamed" });
      expect(step.out).toMatch(/1 updated/);
      expect(calls(mutatingRequests(emu, step.since))).toEqual([`PATCH /v1/endpoints/${before.endpointId}`]);
      expect(mutatingRequests(emu, step.since)[0]!.body).toMatchObject({ display_name: "helpdesk renamed" });
      expect(emu.store.endpoints.get(before.endpointId)!.displayName).toBe("helpdesk renamed");
    });

    test("job waitFor: an update that calls Together for nothing", async () => {
      const before = await ids();
      const step = await up({ waitFor: "running" });
      expect(step.out).toMatch(/~\s+pulumi-nodejs:dynamic\/together:FineTuneJob\s+tune\s+updated/);
      expect(step.out).toMatch(/1 updated/);
      expect(mutatingRequests(emu, step.since)).toEqual([]);
      expect(await ids()).toEqual(before);
      await up({ waitFor: "completed" });
    });
  });

  describe("replacements", () => {
    test("a new dataset replaces the file, then the job, then the endpoint, which starts before the old one is stopped", async () => {
      const before = await ids();
      const step = await up({ dataset: "train-v2.jsonl" });
      expect(step.out).toMatch(/3 replaced/);
      const after = await ids();
      expect(after.fileId).not.toBe(before.fileId);
      expect(after.jobId).not.toBe(before.jobId);
      expect(after.endpointId).not.toBe(before.endpointId);
      expect(emu.store.jobs.get(after.jobId)!.trainingFile).toBe(after.fileId);

      const log = calls(mutatingRequests(emu, step.since));
      const at = (call: string): number => {
        const i = log.indexOf(call);
        expect(i).toBeGreaterThanOrEqual(0);
        return i;
      };
      // Create-before-delete down the chain, then the old ones go in reverse dependency order.
      expect(at("POST /v1/files")).toBeLessThan(at("POST /v1/fine-tunes"));
      expect(at("POST /v1/fine-tunes")).toBeLessThan(at("POST /v1/endpoints"));
      const oldEndpointGone = at(`DELETE /v1/endpoints/${before.endpointId}`);
      expect(at("POST /v1/endpoints")).toBeLessThan(oldEndpointGone);
      expect(oldEndpointGone).toBeLessThan(at(`DELETE /v1/files/${before.fileId}`));

      // The new endpoint was STARTED (emulated time) before anything stopped the old one.
      const fresh = emu.store.endpoints.get(after.endpointId)!;
      const firstTouchOfOld = mutatingRequests(emu, step.since).find(
        (r) => r.path === `/v1/endpoints/${before.endpointId}`,
      )!;
      expect(fresh.phase.kind).toBe("starting");
      expect(firstTouchOfOld.at).toBeGreaterThanOrEqual((fresh.phase as { startedAt: number }).startedAt);

      expect(emu.store.endpoints.get(before.endpointId)!.deleted).toBe(true);
      expect(emu.store.files.get(before.fileId)!.deleted).toBe(true);
      expect(emu.summary()).toMatchObject({ filesLive: 1, jobsActive: 0, endpointsLive: 1 });
    });

    test("the deleteBeforeReplace option deletes the old endpoint before creating the new one", async () => {
      await up({ deleteBeforeReplace: "true" });
      const before = await ids();
      const step = await up({ dataset: "train.jsonl" });
      expect(step.out).toMatch(/3 replaced/);
      const after = await ids();
      const log = calls(mutatingRequests(emu, step.since));
      expect(log.indexOf(`DELETE /v1/endpoints/${before.endpointId}`)).toBeGreaterThanOrEqual(0);
      expect(log.indexOf(`DELETE /v1/endpoints/${before.endpointId}`)).toBeLessThan(
        log.indexOf("POST /v1/endpoints"),
      );
      expect(after.endpointId).not.toBe(before.endpointId);
      expect(emu.summary()).toMatchObject({ endpointsLive: 1 });
      const state = resourcesByName(await p.exportState("dev"));
      expect(state.get("serve")!.id).toBe(after.endpointId);
    });
  });
});
