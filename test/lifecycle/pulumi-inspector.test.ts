// The inspector session Pulumi opens to serialize providers ends with the test file (testing/pulumi-inspector.ts):
// left open, each file's session kept that file's modules alive to the end of the jest worker, which then took
// longer to exit than jest waits and was force-killed. Ending it must not break a serialization after it.
import { Session } from "node:inspector";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { FineTuneJob, TrainingFile } from "../../sdk";
import { startOfflineStack } from "../../testing";
import { releasePulumiInspector } from "../../testing/pulumi-inspector";

const V8_HOOKS = require.resolve("@pulumi/pulumi/runtime/closure/v8Hooks");
const TRAIN = path.join(__dirname, "../../examples/testing-offline/data/train.jsonl");

/** The session this file's copy of Pulumi serializes with (it is open once Pulumi has serialized a function). */
function pulumiSession(): Promise<Session> {
  return (require(V8_HOOKS) as { getSessionAsync(): Promise<Session> }).getSessionAsync();
}

/** Asked of Node's own post: a released session's post reconnects it. */
function connected(session: Session): boolean {
  try {
    Reflect.apply(Session.prototype.post, session, [
      "Runtime.evaluate",
      { expression: "1" },
      () => undefined,
    ]);
    return true;
  } catch (err) {
    if ((err as { code?: unknown }).code === "ERR_INSPECTOR_NOT_CONNECTED") return false;
    throw err;
  }
}

const trainingFileOnly = () => {
  new TrainingFile("train", { source: TRAIN });
  return {};
};

const fileAndJob = () => {
  const file = new TrainingFile("train", { source: TRAIN });
  new FineTuneJob("lora", { model: "Qwen/Qwen3-0.6B", trainingFile: file.fileId, maxPriceUsd: 5 });
  return {};
};

it("opens no session when nothing was serialized", async () => {
  expect(require.cache[V8_HOOKS]).toBeUndefined();
  await releasePulumiInspector();
  expect(require.cache[V8_HOOKS]).toBeUndefined();
});

it("an offline stack's close() ends the session; a stack started after it still runs programs", async () => {
  const first = await startOfflineStack();
  try {
    expect((await first.preview(trainingFileOnly)).ops.map((o) => o.op)).toEqual(["create(preview)"]);
  } finally {
    await first.close();
  }
  const session = await pulumiSession();
  expect(connected(session)).toBe(false);

  // A FineTuneJob's provider has not been serialized in this file yet: it needs the session again.
  const second = await startOfflineStack();
  try {
    const preview = await second.preview(fileAndJob);
    expect(preview.ops.map((o) => `${o.name}: ${o.op}`)).toEqual([
      "train: create(preview)",
      "lora: create(preview)",
    ]);
    expect(connected(session)).toBe(true);
  } finally {
    await second.close();
  }
  expect(connected(session)).toBe(false);
});

it("Pulumi serializes after a release with no help: its next use of the session reconnects it", async () => {
  const answer = 42;
  // Released by the last stack's close(): serializing a new function needs the session.
  const text = (await pulumi.runtime.serializeFunction(() => answer)).text;
  expect(text).toContain("42");
  const session = await pulumiSession();
  expect(connected(session)).toBe(true);

  await releasePulumiInspector();
  await releasePulumiInspector();
  expect(connected(session)).toBe(false);
  const other = "captured";
  expect((await pulumi.runtime.serializeFunction(() => other)).text).toContain('"captured"');
  expect(connected(session)).toBe(true);
});
