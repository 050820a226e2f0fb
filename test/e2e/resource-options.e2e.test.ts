// Pulumi's resource options on our resources, on the real engine: protect, retainOnDelete,
// ignoreChanges and replaceOnChanges behave as Pulumi documents them, and what each does (or does not
// do) at Together. Endpoints are created STOPPED on a catalogue model, so nothing here trains or bills.
import { describeWithCli } from "./kit/cli";
import { calls, mutatingRequests, useE2E } from "./kit/fixture";
import { resourcesByName, type ScratchProgram } from "../../scripts/real-cli/scratch-program";

const API_KEY = "tgp-SECRET-KEY-e2e-resource-options-4b19d2";
const STACK = "opts";

/** A small chat dataset; `topic` makes each file's content (and so its hash) its own. */
function chats(topic: string, lines = 10): string {
  return Array.from({ length: lines }, (_, i) =>
    JSON.stringify({
      messages: [
        { role: "user", content: `Question ${i + 1} about ${topic}?` },
        { role: "assistant", content: `Answer ${i + 1}: ${topic} works like this, step ${i + 1}.` },
      ],
    }),
  ).join("\n");
}

// Every knob is stack config, so each test changes exactly one thing with `pulumi config set`.
const PROGRAM = `
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { DedicatedEndpoint, TrainingFile } from "pulumi-together";

const config = new pulumi.Config();
const endpoint = (name: string, opts: pulumi.CustomResourceOptions) =>
  new DedicatedEndpoint(name, {
    model: "Qwen/Qwen3-0.6B",
    hardware: "1x_nvidia_l40s_48gb_pcie",
    state: "STOPPED",
    displayName: config.require(name + "Name"),
  }, opts);

const out: Record<string, pulumi.Output<unknown>> = {};
if (config.requireBoolean("withGuarded")) {
  const guarded = new TrainingFile("guarded", { source: path.join(__dirname, "data", "guarded.jsonl") }, {
    protect: config.requireBoolean("protect"),
  });
  out.guardedFileId = guarded.fileId;
}
if (config.requireBoolean("withKept")) {
  const kept = new TrainingFile("kept", { source: path.join(__dirname, "data", "kept.jsonl") }, {
    retainOnDelete: true,
  });
  out.keptFileId = kept.fileId;
}
// \`check\` alone updates a TrainingFile in place; replaceOnChanges makes its change a new upload.
const reuploaded = new TrainingFile("reuploaded", {
  source: path.join(__dirname, "data", "reuploaded.jsonl"),
  check: config.requireBoolean("reuploadedCheck"),
}, { replaceOnChanges: ["check"] });
out.reuploadedFileId = reuploaded.fileId;
out.ignoredId = endpoint("ignored", { ignoreChanges: ["displayName"] }).endpointId;
out.controlId = endpoint("control", {}).endpointId;
const replaced = endpoint("replaced", { replaceOnChanges: ["displayName"] });
out.replacedId = replaced.endpointId;
out.replacedDisplayName = replaced.displayName;

export const ids = out;
`;

describeWithCli("resource options on the real engine", (cli) => {
  const e2e = useE2E(cli, "resource-options", API_KEY);
  let p: ScratchProgram;
  let ids: Record<string, string>;

  const config = async (values: Record<string, string>): Promise<void> => {
    for (const [key, value] of Object.entries(values)) {
      await p.pulumi(["config", "set", "--stack", STACK, key, value]);
    }
  };
  const up = async (): Promise<string> => (await p.pulumi(["up", "--yes", "--stack", STACK])).output;
  const currentIds = async (): Promise<Record<string, string>> =>
    (await p.outputs(STACK)).ids as Record<string, string>;
  /** Requests since `since` that name `id` in their path. */
  const touching = (since: number, id: string): string[] =>
    calls(mutatingRequests(e2e.emu, since)).filter((c) => c.includes(id));

  beforeAll(async () => {
    p = await e2e.program("resource-options", {
      files: {
        "index.ts": PROGRAM,
        "data/guarded.jsonl": chats("guarded"),
        "data/kept.jsonl": chats("kept"),
        "data/reuploaded.jsonl": chats("reuploaded"),
      },
    });
    await e2e.initStack(p, STACK, {
      withGuarded: "true",
      protect: "true",
      withKept: "true",
      reuploadedCheck: "true",
      ignoredName: "ignored-v1",
      controlName: "control-v1",
      replacedName: "replaced-v1",
    });
  });

  test("up creates everything and records protect and retainOnDelete in the state", async () => {
    const out = await up();
    expect(out).toMatch(/\+ 7 created/);
    ids = await currentIds();
    const state = resourcesByName(await p.exportState(STACK));
    expect(state.get("guarded")).toMatchObject({ protect: true });
    expect(state.get("kept")).toMatchObject({ retainOnDelete: true });
    expect(state.get("control")?.protect ?? false).toBe(false);
    for (const name of ["ignored", "control", "replaced"]) {
      expect(e2e.emu.store.liveEndpoint(ids[`${name}Id`]!)).toMatchObject({ displayName: `${name}-v1` });
    }
  });

  test("ignoreChanges: a new display name on the ignoring endpoint is no change and no API call; the same change elsewhere updates", async () => {
    await config({ ignoredName: "ignored-v2", controlName: "control-v2" });
    const preview = (await p.pulumi(["preview", "--stack", STACK])).output;
    expect(preview).toMatch(/~\s+pulumi-nodejs:dynamic\/together:DedicatedEndpoint\s+control\s+update/);
    expect(preview).not.toMatch(/DedicatedEndpoint\s+ignored\s+(update|replace)/);
    const before = e2e.emu.requests.length;
    const out = await up();
    expect(out).toMatch(/~ 1 updated/);
    // The control shows the change is real: without ignoreChanges it is an in-place PATCH.
    expect(touching(before, ids.controlId!)).toEqual([`PATCH /v1/endpoints/${ids.controlId}`]);
    expect(e2e.emu.store.liveEndpoint(ids.controlId!)).toMatchObject({ displayName: "control-v2" });
    expect(touching(before, ids.ignoredId!)).toEqual([]);
    expect(e2e.emu.store.liveEndpoint(ids.ignoredId!)).toMatchObject({ displayName: "ignored-v1" });
    const ignored = resourcesByName(await p.exportState(STACK)).get("ignored")!;
    expect(ignored.inputs).toMatchObject({ displayName: "ignored-v1" });
    expect(ignored.outputs).toMatchObject({ displayName: "ignored-v1" });
    // Still ignored on the next run: nothing to do.
    await p.pulumi(["preview", "--expect-no-changes", "--stack", STACK]);
  });

  test("replaceOnChanges: a covered change replaces instead of updating (endpoint display name, file check flag), new object first", async () => {
    await config({ replacedName: "replaced-v2", reuploadedCheck: "false" });
    const preview = (await p.pulumi(["preview", "--stack", STACK])).output;
    expect(preview).toMatch(/\+-\s+pulumi-nodejs:dynamic\/together:DedicatedEndpoint\s+replaced\s+replace/);
    expect(preview).toMatch(/\+-\s+pulumi-nodejs:dynamic\/together:TrainingFile\s+reuploaded\s+replace/);
    const before = e2e.emu.requests.length;
    const out = await up();
    expect(out).toMatch(/\+-\s*2 replaced/);
    const after = await currentIds();
    expect(after.replacedId).not.toEqual(ids.replacedId);
    expect(after.replacedDisplayName).toBe("replaced-v2");
    expect(after.reuploadedFileId).not.toEqual(ids.reuploadedFileId);

    const mutations = calls(mutatingRequests(e2e.emu, before));
    // Create before delete, per resource; never an in-place PATCH.
    const endpointCalls = mutations.filter((c) => c.includes("/endpoints"));
    expect(endpointCalls).toEqual(["POST /v1/endpoints", `DELETE /v1/endpoints/${ids.replacedId}`]);
    expect(mutations.filter((c) => c.startsWith("DELETE /v1/files/"))).toEqual([
      `DELETE /v1/files/${ids.reuploadedFileId}`,
    ]);
    expect(mutations.findIndex((c) => c.startsWith("POST /v1/files"))).toBeLessThan(
      mutations.indexOf(`DELETE /v1/files/${ids.reuploadedFileId}`),
    );
    expect(e2e.emu.store.liveEndpoint(ids.replacedId!)).toBeUndefined();
    expect(e2e.emu.store.liveEndpoint(after.replacedId!)).toMatchObject({ displayName: "replaced-v2" });
    expect(e2e.emu.store.liveFile(ids.reuploadedFileId!)).toBeUndefined();
    expect(e2e.emu.store.liveFile(after.reuploadedFileId!)).toBeDefined();
    ids = after;
  });

  test("retainOnDelete: removing the file from the program drops it from the state and leaves it live at Together", async () => {
    await config({ withKept: "false" });
    const before = e2e.emu.requests.length;
    const out = await up();
    expect(out).toMatch(/TrainingFile kept deleted \S+\s*\[retain\]/);
    expect(out).toMatch(/- 1 deleted/);
    expect(mutatingRequests(e2e.emu, before)).toEqual([]);
    expect(resourcesByName(await p.exportState(STACK)).has("kept")).toBe(false);
    expect(e2e.emu.store.liveFile(ids.keptFileId!)).toBeDefined();
  });

  test("protect: removing the file from the program, or destroy, is refused with the engine's message and deletes nothing", async () => {
    await config({ withGuarded: "false" });
    const before = e2e.emu.requests.length;
    const removed = await p.pulumi(["up", "--yes", "--stack", STACK], { allowFailure: true });
    expect(removed.code).not.toBe(0);
    // Refused by the preview pass (the delete step checks protect in preview too), so no step runs at all.
    expect(removed.output).toMatch(
      /Preview failed: resource "urn:[^"]*::guarded" cannot be deleted\s+because it is protected/,
    );
    expect(removed.output).toContain("pulumi state unprotect");

    const destroyed = await p.pulumi(["destroy", "--yes", "--stack", STACK], { allowFailure: true });
    expect(destroyed.code).not.toBe(0);
    expect(destroyed.output).toMatch(
      /Preview failed: resource "urn:[^"]*::guarded" cannot be deleted\s+because it is protected/,
    );

    expect(mutatingRequests(e2e.emu, before)).toEqual([]);
    expect(e2e.emu.store.liveFile(ids.guardedFileId!)).toBeDefined();
    for (const name of ["ignored", "control", "replaced"]) {
      expect(e2e.emu.store.liveEndpoint(ids[`${name}Id`]!)).toBeDefined();
    }
    expect(resourcesByName(await p.exportState(STACK)).get("guarded")).toMatchObject({ protect: true });
  });

  test("once unprotected, destroy deletes everything still in the stack; the retained file is the only thing left", async () => {
    await config({ withGuarded: "true", protect: "false" });
    await up();
    const out = (await p.pulumi(["destroy", "--yes", "--stack", STACK])).output;
    expect(out).toMatch(/- 6 deleted/);
    expect(e2e.emu.summary()).toMatchObject({ filesLive: 1, endpointsLive: 0, endpointsBilling: 0 });
    expect(e2e.emu.store.liveFile(ids.keptFileId!)).toBeDefined();
    // Tidy up at Together by hand, as a user would for a retained object.
    const res = await fetch(`${e2e.emu.baseUrl}/files/${ids.keptFileId}`, {
      method: "DELETE",
      headers: { authorization: `Bearer ${API_KEY}` },
    });
    expect(res.status).toBe(200);
    expect(e2e.emu.summary()).toMatchObject({ filesLive: 0 });
  });
});
