// Drift on the real engine: objects changed or deleted at Together behind Pulumi's back (calls made by hand with
// the account's key, as in Together's console). `pulumi refresh` must show the change and write it to the
// stack; the next `up` must put the endpoint back to its declaration, and recreate a deleted job or file.
import { describeWithCli } from "./kit/cli";
import { useE2E } from "./kit/fixture";
import type { ScratchProgram } from "../../scripts/real-cli/scratch-program";
import {
  H100,
  MODEL,
  TRAIN_JSONL,
  billingEndpoints,
  byHand,
  endpointStateOf,
  idsOf,
  liveIds,
  madeSince,
  requestsTo,
  stateOf,
  until,
} from "./kit/behind-pulumi";

const API_KEY = "tgp-SECRET-KEY-e2e-drift-41c7be";
const TYPE = "pulumi-nodejs:dynamic/together";

// One program, two stacks: "serving" declares an endpoint on a catalogue model, "training" a dataset, a job
// trained on it and a second, independent dataset.
const PROGRAM = `import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { DedicatedEndpoint, FineTuneJob, TrainingFile } from "pulumi-together";

function serving() {
  const endpoint = new DedicatedEndpoint("serve", {
    model: ${JSON.stringify(MODEL)},
    hardware: ${JSON.stringify(H100)},
    autoscaling: { minReplicas: 1, maxReplicas: 1 },
    // No auto-stop: a stopped endpoint can only have been stopped by hand, which is drift to undo.
    inactiveTimeoutMinutes: 0,
  });
  return { endpointId: endpoint.endpointId };
}

function training() {
  const chats = new TrainingFile("chats", { source: path.join(__dirname, "train.jsonl") });
  const job = new FineTuneJob("tune", {
    model: ${JSON.stringify(MODEL)},
    trainingFile: chats.fileId,
    trainingType: { type: "lora", loraR: 8 },
  });
  const notes = new TrainingFile("notes", { source: path.join(__dirname, "notes.jsonl") });
  return { jobId: job.jobId, notesId: notes.fileId };
}

export const ids = pulumi.getStack() === "serving" ? serving() : training();
`;

describeWithCli("drift behind Pulumi's back on the real engine", (cli) => {
  const e2e = useE2E(cli, "drift", API_KEY);
  let p: ScratchProgram;
  const pulumi = (...args: string[]) => p.pulumi(args);
  const ids = async (stack: string) => (await p.outputs(stack)).ids as Record<string, string | undefined>;

  beforeAll(async () => {
    p = await e2e.program("drift", {
      files: { "index.ts": PROGRAM, "train.jsonl": TRAIN_JSONL, "notes.jsonl": TRAIN_JSONL },
    });
    // A failing test must not leave an endpoint billing in the emulator's other tests' counts.
    e2e.onCleanup(async () => {
      for (const stack of ["serving", "training"]) {
        const left = await p.exportState(stack).catch(() => undefined);
        if (left?.deployment.resources?.length)
          await p.pulumi(["destroy", "--yes", "--stack", stack], { allowFailure: true });
      }
    });
  });

  describe("an endpoint", () => {
    let endpointId: string;

    beforeAll(async () => {
      await e2e.initStack(p, "serving");
      await pulumi("up", "--yes", "--stack", "serving");
      endpointId = (await ids("serving")).endpointId!;
      expect(endpointStateOf(e2e.emu, endpointId)).toBe("STARTED");
    });

    test("stopped by hand: refresh shows and records STOPPED; up starts it again with a PATCH", async () => {
      const emu = e2e.emu;
      await byHand(emu, "PATCH", `/endpoints/${endpointId}`, { state: "STOPPED" });
      await until("the endpoint to stop", () =>
        endpointStateOf(emu, endpointId) === "STOPPED" ? true : undefined,
      );

      const refresh = await pulumi("refresh", "--yes", "--diff", "--stack", "serving");
      expect(refresh.output).toMatch(new RegExp(`~ ${TYPE}:DedicatedEndpoint: \\(update\\)`));
      expect(refresh.output).toMatch(/~ state\s*: "STARTED" => "STOPPED"/);
      expect(refresh.output).toMatch(/~ liveState\s*: "STARTED" => "STOPPED"/);
      expect(refresh.output).toContain(
        `DedicatedEndpoint "serve": endpoint ${endpointId} is STOPPED (recorded STARTED); up will bring it back to the declaration`,
      );
      expect(stateOf(await p.exportState("serving"), "serve")?.outputs).toMatchObject({
        endpointId,
        state: "STOPPED",
        liveState: "STOPPED",
      });

      const since = emu.requests.length;
      const up = await pulumi("up", "--yes", "--stack", "serving");
      expect(up.output).toMatch(/1 updated/);
      const patches = requestsTo(emu, "PATCH", `/v1/endpoints/${endpointId}`, since);
      expect(patches.map((r) => r.body)).toEqual([{ state: "STARTED" }]);
      expect(endpointStateOf(emu, endpointId)).toBe("STARTED");
      expect(stateOf(await p.exportState("serving"), "serve")?.outputs).toMatchObject({
        state: "STARTED",
        liveState: "STARTED",
      });
      await pulumi("preview", "--expect-no-changes", "--stack", "serving");
    });

    test("rescaled by hand: refresh shows and records the replicas and the price; up scales it back with a PATCH", async () => {
      const emu = e2e.emu;
      await byHand(emu, "PATCH", `/endpoints/${endpointId}`, {
        autoscaling: { min_replicas: 2, max_replicas: 3 },
      });

      const refresh = await pulumi("refresh", "--yes", "--diff", "--stack", "serving");
      expect(refresh.output).toMatch(/~ minReplicas\s*: 1 => 2/);
      expect(refresh.output).toMatch(/~ maxReplicas\s*: 1 => 3/);
      expect(refresh.output).toMatch(/~ hourlyPriceUsd\s*: 3\.36 => 10\.08/);
      expect(stateOf(await p.exportState("serving"), "serve")?.outputs).toMatchObject({
        autoscaling: { minReplicas: 2, maxReplicas: 3 },
        hourlyPriceUsd: 10.08,
      });

      const since = emu.requests.length;
      const up = await pulumi("up", "--yes", "--stack", "serving");
      expect(up.output).toMatch(/1 updated/);
      const patches = requestsTo(emu, "PATCH", `/v1/endpoints/${endpointId}`, since);
      expect(patches.map((r) => r.body)).toEqual([{ autoscaling: { min_replicas: 1, max_replicas: 1 } }]);
      expect(emu.store.liveEndpoint(endpointId)?.autoscaling).toEqual({ min_replicas: 1, max_replicas: 1 });
      expect(endpointStateOf(emu, endpointId)).toBe("STARTED");
      expect(stateOf(await p.exportState("serving"), "serve")?.outputs).toMatchObject({
        autoscaling: { minReplicas: 1, maxReplicas: 1 },
        hourlyPriceUsd: 3.36,
      });
      await pulumi("preview", "--expect-no-changes", "--stack", "serving");
    });

    test("deleted by hand: refresh drops it from the stack; up creates a new one", async () => {
      const emu = e2e.emu;
      const before = idsOf(emu, "endpoints");
      await byHand(emu, "DELETE", `/endpoints/${endpointId}`);

      const refresh = await pulumi("refresh", "--yes", "--stack", "serving");
      expect(refresh.output).toMatch(new RegExp(`-\\s+${TYPE}:DedicatedEndpoint\\s+serve\\s+deleted`));
      expect(stateOf(await p.exportState("serving"), "serve")).toBeUndefined();

      const up = await pulumi("up", "--yes", "--stack", "serving");
      expect(up.output).toMatch(/1 created/);
      const made = madeSince(emu, "endpoints", before);
      expect(made).toHaveLength(1);
      expect(made[0]).not.toBe(endpointId);
      expect(endpointStateOf(emu, made[0]!)).toBe("STARTED");
      expect(stateOf(await p.exportState("serving"), "serve")?.id).toBe(made[0]);

      await pulumi("destroy", "--yes", "--stack", "serving");
      expect(billingEndpoints(emu, [endpointId, ...made])).toEqual([]);
    });
  });

  describe("a job and a file", () => {
    let jobId: string;
    let notesId: string;
    let chatsId: string;

    beforeAll(async () => {
      await e2e.initStack(p, "training");
      await pulumi("up", "--yes", "--stack", "training");
      const outputs = await ids("training");
      jobId = outputs.jobId!;
      notesId = outputs.notesId!;
      chatsId = stateOf(await p.exportState("training"), "chats")!.id!;
    });

    test("a job deleted by hand: refresh drops it from the stack; up starts a new one on the same file", async () => {
      const emu = e2e.emu;
      const jobsBefore = idsOf(emu, "jobs");
      const filesBefore = idsOf(emu, "files");
      await byHand(emu, "DELETE", `/fine-tunes/${jobId}`);

      const refresh = await pulumi("refresh", "--yes", "--stack", "training");
      expect(refresh.output).toMatch(new RegExp(`-\\s+${TYPE}:FineTuneJob\\s+tune\\s+deleted`));
      const refreshed = await p.exportState("training");
      expect(stateOf(refreshed, "tune")).toBeUndefined();
      expect(stateOf(refreshed, "chats")?.id).toBe(chatsId);

      const since = emu.requests.length;
      const up = await pulumi("up", "--yes", "--stack", "training");
      expect(up.output).toMatch(/1 created/);
      const made = madeSince(emu, "jobs", jobsBefore);
      expect(made).toHaveLength(1);
      expect(requestsTo(emu, "POST", "/v1/fine-tunes", since).map((r) => r.body)).toEqual([
        expect.objectContaining({ training_file: chatsId, model: MODEL }),
      ]);
      expect(madeSince(emu, "files", filesBefore)).toEqual([]);
      const after = await p.exportState("training");
      expect(stateOf(after, "tune")?.id).toBe(made[0]);
      expect(stateOf(after, "tune")?.outputs).toMatchObject({ status: "completed" });
      jobId = made[0]!;
    });

    test("a file deleted by hand: refresh drops it from the stack; up uploads it again and touches nothing else", async () => {
      const emu = e2e.emu;
      const jobsBefore = idsOf(emu, "jobs");
      const filesBefore = idsOf(emu, "files");
      await byHand(emu, "DELETE", `/files/${notesId}`);

      const refresh = await pulumi("refresh", "--yes", "--stack", "training");
      expect(refresh.output).toMatch(new RegExp(`-\\s+${TYPE}:TrainingFile\\s+notes\\s+deleted`));
      expect(stateOf(await p.exportState("training"), "notes")).toBeUndefined();

      const up = await pulumi("up", "--yes", "--stack", "training");
      expect(up.output).toMatch(/1 created/);
      const made = madeSince(emu, "files", filesBefore);
      expect(made).toHaveLength(1);
      expect(emu.store.liveFile(made[0]!)).toMatchObject({ upload: "complete" });
      // Uploaded again under the name that says whose file it is: project e2e, stack training, resource notes.
      expect(emu.store.liveFile(made[0]!)?.filename).toMatch(
        /^e2e-training-notes\.[0-9a-f]{12}\.notes\.jsonl$/,
      );
      expect(madeSince(emu, "jobs", jobsBefore)).toEqual([]);
      const after = await p.exportState("training");
      expect(stateOf(after, "notes")?.id).toBe(made[0]);
      expect(stateOf(after, "chats")?.id).toBe(chatsId);
      expect(stateOf(after, "tune")?.id).toBe(jobId);

      await pulumi("destroy", "--yes", "--stack", "training");
      expect(liveIds(emu, "files", [chatsId, notesId, ...made])).toEqual([]);
    });
  });
});
