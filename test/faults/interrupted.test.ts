// An `up` killed mid-wait (the provider process SIGKILLed, as when CI cancels a job or a laptop sleeps),
// followed by a fresh `up`: the objects the dead run made must be found again, not made twice, and destroy
// must leave nothing running. The harness, like the engine, keeps no record of an interrupted create: only the
// provider's own create journal (one folder per scenario) can find them.
import { faultFixture, killProviderWhen, type FaultFixture, type Scenario } from "./fault-stack";

let fx: FaultFixture;
beforeAll(async () => {
  fx = await faultFixture("interrupted");
});
afterAll(() => fx.close());

/** Runs an up, kills its provider once `when` holds, and checks the up failed. */
async function interruptedUp(s: Scenario, when: () => boolean): Promise<void> {
  const up = s.up().then(
    () => undefined,
    (e: unknown) => e as Error,
  );
  await killProviderWhen(when);
  const err = await up;
  expect(err).toBeInstanceOf(Error);
}

describe("an up interrupted during each wait, then a fresh up", () => {
  it("killed while Together validates the uploaded file", async () => {
    await fx.scenario("killed-file-wait", async (s) => {
      // Hold the first poll of the new file so the kill lands inside the wait.
      fx.emulator.faults.add({
        method: "GET",
        path: /^\/v1\/files\/file-[^/]+$/,
        action: { type: "latency", ms: 5_000 },
      });
      await interruptedUp(s, () =>
        fx.emulator.requests.some((r) => r.fault === "latency" && r.path.startsWith("/v1/files/file-")),
      );
      expect(s.created().files).toHaveLength(1);
    });
  });

  it("killed while the fine-tune job is running", async () => {
    await fx.scenario(
      "killed-job-wait",
      async (s) => {
        // Long enough that the job is still running when the kill lands (~4 s real at 600x).
        fx.emulator.control.setJobDurations({ msPer1kTokens: 50_000 });
        await interruptedUp(s, () => s.created().jobs.some((id) => s.jobStatus(id) === "running"));
        fx.emulator.control.setJobDurations({ msPer1kTokens: 200 });
        expect(s.created().jobs).toHaveLength(1);
      },
      { injectsFaults: false },
    );
  });

  it("killed while the endpoint is starting", async () => {
    await fx.scenario(
      "killed-endpoint-wait",
      async (s) => {
        fx.emulator.control.setEndpointStartMs(60 * 60_000);
        await interruptedUp(s, () =>
          s.created().endpoints.some((id) => ["PENDING", "STARTING"].includes(s.endpointState(id) ?? "")),
        );
        fx.emulator.control.setEndpointStartMs(180_000);
        expect(s.created().endpoints).toHaveLength(1);
      },
      { injectsFaults: false },
    );
  });
});
