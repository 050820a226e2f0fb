// The program's lifecycle, offline: no Pulumi CLI, no Together account. Run with `npx jest`.
import { startOfflineStack, type OfflineStack } from "pulumi-together/testing";
import { program } from "./program";

let stack: OfflineStack;

beforeAll(async () => {
  stack = await startOfflineStack({ project: "testing-offline", config: { epochs: "2" } });
});
afterAll(() => stack.close());

const opsOf = (r: { ops: { name: string; op: string }[] }) => r.ops.map((o) => `${o.name}: ${o.op}`);
const changes = (r: { requests: { method: string; path: string }[] }) =>
  r.requests.filter((q) => q.method !== "GET").map((q) => `${q.method} ${q.path}`);

test("preview plans both resources and changes nothing at Together", async () => {
  const preview = await stack.preview(program);
  expect(opsOf(preview)).toEqual(["train: create(preview)", "lora: create(preview)"]);
  expect(changes(preview)).toEqual([]);
  expect(preview.summary).toMatchObject({ filesCreated: 0, jobsCreated: 0 });
});

test("up uploads the dataset and trains on it with the configured epochs", async () => {
  const up = await stack.up(program);
  expect(opsOf(up)).toEqual(["train: create", "lora: create"]);
  expect(up.outputs.jobId).toMatch(/^ft-/);
  expect(up.outputs.outputModelName).toMatch(/Qwen3-0\.6B/);

  const jobCreate = up.requests.find((q) => q.method === "POST" && q.path === "/v1/fine-tunes");
  expect(jobCreate?.body).toMatchObject({
    model: "Qwen/Qwen3-0.6B",
    training_file: up.outputs.fileId,
    n_epochs: 2,
  });
  // The request log never holds the API key.
  expect(JSON.stringify(up.requests)).not.toContain(stack.emulator.apiKey);
  expect(up.summary).toMatchObject({ filesLive: 1, jobsCreated: 1, jobsActive: 0 });
  expect(stack.emulator.store.jobs.get(up.outputs.jobId as string)).toMatchObject({ nEpochs: 2 });
});

test("a second up and a refresh change nothing", async () => {
  const again = await stack.up(program);
  expect(opsOf(again)).toEqual(["train: same", "lora: same"]);
  expect(changes(again)).toEqual([]);
  const refresh = await stack.refresh();
  expect(opsOf(refresh)).toEqual(["train: refresh(same)", "lora: refresh(same)"]);
});

test("destroy deletes the dataset", async () => {
  const down = await stack.destroy();
  expect(opsOf(down)).toEqual(["lora: delete", "train: delete"]);
  expect(down.summary).toMatchObject({ filesLive: 0, jobsActive: 0 });
  expect(stack.state().resources).toEqual([]);
});
