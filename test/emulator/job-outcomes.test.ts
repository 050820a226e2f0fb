// Failures on Together's side after a create succeeded (issue #14): a restart under a new job id with a refund, a
// user_error, the billing limit; injected as a `job` fault on the create request or through the control API,
// with the newest event types.
import { startEmulator, type Emulator } from "../../emulator";
import { api, readyFile } from "./test-helpers";

let emu: Emulator;
let file: string;
beforeEach(async () => {
  emu = await startEmulator({ timeScale: 1 });
  file = await readyFile(emu);
});
afterEach(async () => {
  await emu.close();
});

const MODEL = "Qwen/Qwen3-0.6B";
const get = async (id: string) => (await api(emu, "GET", `/fine-tunes/${id}`)).body;
const types = (job: { events: { type: string }[] }) => job.events.map((e) => e.type);

test("a restart fault: the job fails halfway, is refunded and restarted as a new job that completes", async () => {
  emu.faults.add({ method: "POST", path: "/v1/fine-tunes", action: { type: "job", outcome: "restart" } });
  const created = await api(emu, "POST", "/fine-tunes", { training_file: file, model: MODEL, suffix: "r" });
  expect(created.status).toBe(200);
  expect(emu.requests.at(-1)).toMatchObject({ fault: "job", status: 200 });
  expect((await get(created.body.id)).status).toBe("pending");
  emu.clock.advance(24 * 3_600_000);

  const old = await get(created.body.id);
  expect(old.status).toBe("error");
  expect(types(old).slice(-3)).toEqual(["job_error", "refund", "job_restarted"]);
  const restarted = old.events.at(-1);
  const next = /as (ft-\S+) after/.exec(restarted.message)?.[1];
  expect(next).toBeDefined();
  expect(old.total_price).toBe(0);
  expect(old.events.at(-2).message).toMatch(/^Refunded \$\d+\.\d{6} for job ft-/);

  const live = await get(next!);
  expect(live).toMatchObject({ status: "completed", model: MODEL, suffix: "r", training_file: file });
  expect(live.model_output_name).not.toBe(old.model_output_name);
  expect(live.events[0]).toMatchObject({
    type: "job_pending",
    message: `Restart of job ${old.id} after an internal error`,
  });
  const listed = (await api(emu, "GET", "/fine-tunes")).body.data.map((j: { id: string }) => j.id);
  expect(listed).toEqual(expect.arrayContaining([old.id, next]));
  expect(emu.summary()).toMatchObject({ jobsCreated: 2, jobsActive: 0 });
});

test("control.restartJob restarts a running job now and returns the new id", async () => {
  const job = (await api(emu, "POST", "/fine-tunes", { training_file: file, model: MODEL })).body;
  emu.clock.advance(70_000);
  const next = emu.control.restartJob(job.id);
  expect((await get(job.id)).status).toBe("error");
  expect((await get(next)).status).toBe("pending");
  expect(() => emu.control.restartJob(job.id)).toThrow(/already error/);
});

test("user_error: a failed status with the server's message", async () => {
  emu.faults.add({
    method: "POST",
    path: "/v1/fine-tunes",
    action: { type: "job", outcome: "user_error", atFraction: 0, message: "Line 4 has no assistant turn" },
  });
  const job = (await api(emu, "POST", "/fine-tunes", { training_file: file, model: MODEL })).body;
  emu.clock.advance(24 * 3_600_000);
  const got = await get(job.id);
  expect(got.status).toBe("user_error");
  expect(got.events.at(-1)).toMatchObject({
    type: "job_error",
    level: "error",
    message: "Line 4 has no assistant turn",
  });
  expect((await api(emu, "POST", `/fine-tunes/${job.id}/cancel`)).status).toBe(400);
});

test("the billing limit stops a job with a billing_limit event", async () => {
  const job = (await api(emu, "POST", "/fine-tunes", { training_file: file, model: MODEL })).body;
  emu.clock.advance(70_000);
  emu.control.stopJobForBillingLimit(job.id);
  const got = await get(job.id);
  expect(got.status).toBe("error");
  expect(got.events.at(-1)).toMatchObject({ type: "billing_limit", level: "error" });
  expect(emu.summary().jobsActive).toBe(0);
});
