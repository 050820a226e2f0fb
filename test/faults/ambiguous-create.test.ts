// Connection resets on the three creates, before the server commits (nothing made) and after it commits (the
// ambiguous create: the object exists but the answer was lost). Either way one object per declared resource.
import { faultFixture, type FaultFixture, type Scenario } from "./fault-stack";

let fx: FaultFixture;
beforeAll(async () => {
  fx = await faultFixture("ambiguous-create");
});
afterAll(() => fx.close());

const CREATES = [
  { kind: "file", path: /^\/v1\/files$/ },
  { kind: "job", path: /^\/v1\/fine-tunes$/ },
  { kind: "endpoint", path: /^\/v1\/endpoints$/ },
] as const;

/** The up either adopted what the lost request made, or failed saying plainly that nothing was made. */
async function upThroughReset(s: Scenario): Promise<void> {
  const err = await s.up().then(
    () => undefined,
    (e: unknown) => e as Error,
  );
  if (err !== undefined) {
    expect(err.message).toMatch(/outcome (is |was )?unknown|failed ambiguously/);
    // Says what exists now: nothing, or the stray it made was deleted (a bare "run up again" is not enough).
    expect(err.message).toMatch(/nothing was created|none was started|was deleted/i);
  }
}

describe("connection resets on creates", () => {
  for (const c of CREATES) {
    it(`${c.kind} create reset before the server commits: nothing is made twice`, async () => {
      await fx.scenario(`${c.kind}-reset-before`, async (s) => {
        fx.emulator.faults.add({ method: "POST", path: c.path, action: { type: "reset", phase: "before" } });
        await upThroughReset(s);
      });
    });
  }

  it("file create reset after the server committed: the empty stray is deleted, one file holds the data", async () => {
    // The lost 302 carried the only upload URL, so the empty file cannot be filled: a second POST is the only
    // way forward. Expected: two creations, the first deleted without ever holding bytes.
    await fx.scenario(
      "file-reset-after",
      async (s) => {
        fx.emulator.faults.add({
          method: "POST",
          path: /^\/v1\/files$/,
          action: { type: "reset", phase: "after" },
        });
        await upThroughReset(s);
        const files = s.created().files.map((id) => s.emulator.store.files.get(id));
        const stray = files[0];
        expect(stray).toMatchObject({ upload: "awaiting", bytes: 0, deleted: true });
      },
      { expected: { files: 2, jobs: 1, endpoints: 1 } },
    );
  });

  it("job create reset after the server committed: the job it made is adopted, not started again", async () => {
    await fx.scenario("job-reset-after", async (s) => {
      fx.emulator.faults.add({
        method: "POST",
        path: /^\/v1\/fine-tunes$/,
        action: { type: "reset", phase: "after" },
      });
      await upThroughReset(s);
      expect(s.created().jobs).toHaveLength(1);
    });
  });

  it("endpoint create reset after the server committed: the endpoint it made is adopted", async () => {
    await fx.scenario("endpoint-reset-after", async (s) => {
      fx.emulator.faults.add({
        method: "POST",
        path: /^\/v1\/endpoints$/,
        action: { type: "reset", phase: "after" },
      });
      await upThroughReset(s);
      expect(s.created().endpoints).toHaveLength(1);
    });
  });
});
