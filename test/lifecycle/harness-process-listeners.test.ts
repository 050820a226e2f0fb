// The harness takes over the process's unhandledRejection listeners while a run is under way (a failed
// registration surfaces as unhandled rejections) and must give them back exactly, however runs overlap: the
// worker process outlives every test file, and a listener left behind per run adds up to Node's leak warning.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { HarnessRunError, LifecycleHarness } from "../../testing/harness";
import { realProcess } from "../../testing/provider-host";

let root: string;
beforeAll(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), "harness-listeners-"));
});
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

let stacks = 0;
const harness = () => new LifecycleHarness({ stateFile: path.join(root, `state-${stacks++}.json`) });
const run = { config: {} };
/** No resources: no provider process is started, the run is all harness. */
const empty = () => ({});

it("overlapping runs leave the process's unhandledRejection listeners as they found them", async () => {
  const before = realProcess.rawListeners("unhandledRejection");
  const warnings: string[] = [];
  const onWarning = (w: Error): void => void warnings.push(`${w.name}: ${w.message}`);
  realProcess.on("warning", onWarning);
  try {
    for (let i = 0; i < 12; i++) {
      const [a, b] = await Promise.all([harness().preview(empty, run), harness().up(empty, run)]);
      expect([a.ops, b.ops]).toEqual([[], []]);
    }
  } finally {
    // Node emits its warnings on a later tick.
    await new Promise((resolve) => setImmediate(resolve));
    realProcess.off("warning", onWarning);
  }
  expect(warnings).toEqual([]);
  expect(realProcess.rawListeners("unhandledRejection")).toEqual(before);
});

it("a run's unhandled rejection fails it while another run is under way", async () => {
  const before = realProcess.rawListeners("unhandledRejection");
  const failing = () => {
    void Promise.reject(new Error("nobody awaits this"));
    return {};
  };
  // Whose rejection it is cannot be told while runs overlap: each run under way records it.
  const [, failed] = await Promise.allSettled([harness().up(empty, run), harness().up(failing, run)]);
  expect(failed.status).toBe("rejected");
  const err = (failed as PromiseRejectedResult).reason as Error;
  expect(err).toBeInstanceOf(HarnessRunError);
  expect(err.message).toContain("nobody awaits this");
  expect(realProcess.rawListeners("unhandledRejection")).toEqual(before);
});
