// Failures Together reports itself: a job that errors, an endpoint that goes to ERROR, a file its validation
// rejects. Each up fails with the server's reason; destroy after the partial failure leaves nothing running;
// the next up (cause removed) converges.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { DedicatedEndpoint, FineTuneJob, TrainingFile } from "../../sdk";
import { faultFixture, type FaultFixture, type Scenario } from "./fault-stack";

let fx: FaultFixture;
let dir: string;
beforeAll(async () => {
  fx = await faultFixture("server-failures");
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "faults-data-"));
});
afterAll(async () => {
  await fx.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** Resolves once `cond` holds (polled every 5 ms), or rejects after `ms`. */
async function until(cond: () => boolean, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error("condition never held");
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Destroy right after the partial failure: nothing of this scenario may still run or exist. */
async function destroyAfterFailure(s: Scenario): Promise<void> {
  await s.destroy();
  expect(s.harness.state().resources).toEqual([]);
  expect(s.billing()).toEqual([]);
}

describe("server-side failures, destroy after each, then a converging up", () => {
  it("the fine-tune job fails: up reports Together's reason, destroy cleans up", async () => {
    await fx.scenario(
      "job-fails",
      async (s) => {
        fx.emulator.control.setJobDurations({ msPer1kTokens: 50_000 });
        const up = s.failingUp();
        await until(() => s.created().jobs.some((id) => s.jobStatus(id) === "running"));
        const jobId = s.created().jobs[0] ?? "";
        fx.emulator.control.failJob(jobId, "CUDA out of memory on worker 3");
        fx.emulator.control.setJobDurations({ msPer1kTokens: 200 });
        const err = await up;
        expect(err.message).toContain("CUDA out of memory on worker 3");
        expect(s.harness.state().resources.find((r) => r.id === jobId)?.outputs).toMatchObject({
          status: "error",
        });
        await destroyAfterFailure(s);
      },
      { expected: { files: 2, jobs: 2, endpoints: 1 }, injectsFaults: false },
    );
  });

  it("the endpoint goes to ERROR while starting: up reports it, destroy deletes it", async () => {
    await fx.scenario(
      "endpoint-error",
      async (s) => {
        fx.emulator.control.setEndpointStartMs(60 * 60_000);
        const up = s.failingUp();
        await until(() => s.created().endpoints.length > 0);
        const endpointId = s.created().endpoints[0] ?? "";
        fx.emulator.control.setEndpointError(endpointId, "model weights failed to load");
        fx.emulator.control.setEndpointStartMs(180_000);
        const err = await up;
        // The API gives no field for the cause of an ERROR (the emulator keeps it to itself, as Together does).
        expect(err.message).toContain(`endpoint ${endpointId} create failed: Together reports ERROR`);
        expect(s.harness.state().resources.map((r) => r.id)).toContain(endpointId);
        await destroyAfterFailure(s);
      },
      { expected: { files: 2, jobs: 2, endpoints: 2 }, injectsFaults: false },
    );
  });

  it("Together marks the uploaded file invalid (local check off): up fails, the file is removed", async () => {
    const bad = path.join(dir, "malformed.jsonl");
    fs.writeFileSync(bad, '{"messages": [{"role": "user", "content": "hi"}]}\nnot json at all\n');
    const good = path.join(__dirname, "../../examples/quickstart/data/helpdesk-chats.jsonl");
    let source = bad;
    const program = (): Record<string, unknown> => {
      const file = new TrainingFile("helpdesk-chats", {
        source,
        check: false,
        fileName: "helpdesk-chats.jsonl",
      });
      const job = new FineTuneJob("helpdesk-lora", {
        model: "Qwen/Qwen3-0.6B",
        trainingFile: file.fileId,
        nEpochs: 1,
        trainingType: { type: "lora" },
        maxPriceUsd: 5,
      });
      const endpoint = new DedicatedEndpoint("helpdesk", {
        model: job.outputModelName,
        hardware: "1x_nvidia_h100_80gb_sxm",
        autoscaling: { minReplicas: 1, maxReplicas: 1 },
      });
      return {
        jobId: job.jobId,
        endpointId: endpoint.endpointId,
        outputModelName: job.outputModelName,
      };
    };
    await fx.scenario(
      "file-invalid",
      async (s) => {
        const err = await s.failingUp();
        expect(err.message).toMatch(/Together rejected helpdesk-chats\.jsonl/);
        const [fileId] = s.created().files;
        expect(s.emulator.store.files.get(fileId ?? "")?.deleted).toBe(true);
        await destroyAfterFailure(s);
        source = good;
      },
      { program, expected: { files: 2, jobs: 1, endpoints: 1 }, injectsFaults: false },
    );
  });
});
