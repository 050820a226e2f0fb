// A job Together restarts under a new id, through the offline testing kit (the lifecycle harness and the real
// dynamic-provider process): `up` follows it to completion with one job in state and no duplicate create, and the
// next up, a refresh and destroy stay on the live job (issue #14).
import * as path from "node:path";
import { TogetherClient } from "../../provider/client";
import { FineTuneJob } from "../../sdk/fine-tune-job";
import { startOfflineStack, type OfflineStack } from "../../testing";

const FIXTURE = path.join(__dirname, "fixtures", "fine-tune-job", "train.jsonl");

let stack: OfflineStack;
let trainingFile: string;

beforeAll(async () => {
  stack = await startOfflineStack({ project: "restart" });
  const client = new TogetherClient({ baseUrl: stack.emulator.baseUrl, apiKey: stack.emulator.apiKey });
  trainingFile = (
    await client.files.upload({ path: FIXTURE, fileName: "t.jsonl", purpose: "fine-tune", fileType: "jsonl" })
  ).id;
  await stack.emulator.idle();
});
afterAll(() => stack.close());

const program = () => {
  const job = new FineTuneJob("tune", { trainingFile, model: "Qwen/Qwen3-0.6B", suffix: "followed" });
  return { id: job.id, jobId: job.jobId, status: job.status, outputModelName: job.outputModelName };
};
const creates = (r: { requests: { method: string; path: string }[] }) =>
  r.requests.filter((q) => q.method === "POST" && q.path === "/v1/fine-tunes").length;
const opsOf = (r: { ops: { name: string; op: string }[] }) => r.ops.map((o) => `${o.name}: ${o.op}`);

test("up follows the restarted job to completion: one job in state, one create sent", async () => {
  stack.emulator.faults.add({
    method: "POST",
    path: "/v1/fine-tunes",
    action: { type: "job", outcome: "restart", atFraction: 0.3 },
  });
  const up = await stack.up(program);
  expect(opsOf(up)).toEqual(["tune: create"]);
  expect(creates(up)).toBe(1);
  const first = stack.emulator.store.jobs.get(up.outputs.id as string)!;
  const live = stack.emulator.store.jobs.get(first.restartedAs!)!;
  expect(up.outputs).toMatchObject({ jobId: live.id, status: "completed", outputModelName: live.outputName });
  // Together made the second job; nothing else was started and nothing is left running.
  expect(up.summary).toMatchObject({ jobsCreated: 2, jobsActive: 0 });
  const state = stack.state().resources;
  expect(state).toHaveLength(1);
  expect(state[0]).toMatchObject({ id: first.id, outputs: { jobId: live.id, status: "completed" } });
  expect(up.providerLog).toMatch(
    new RegExp(`Together restarted fine-tune job ${first.id} as ${live.id} after an internal error`),
  );
});

test("the next up, a refresh and destroy stay on the live job and start nothing", async () => {
  const again = await stack.up(program);
  expect(opsOf(again)).toEqual(["tune: same"]);
  expect(creates(again)).toBe(0);
  const refresh = await stack.refresh();
  expect(opsOf(refresh)).toEqual(["tune: refresh(same)"]);
  const down = await stack.destroy();
  expect(opsOf(down)).toEqual(["tune: delete"]);
  expect(stack.state().resources).toEqual([]);
  expect(down.summary).toMatchObject({ jobsCreated: 2, jobsActive: 0 });
});
