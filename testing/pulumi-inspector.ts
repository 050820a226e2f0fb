// Pulumi's closure serializer (a dynamic resource's provider goes through it: every TrainingFile, FineTuneJob,
// DedicatedEndpoint and ModelDownload registers one) reads functions through an inspector session with the
// debugger enabled, which `@pulumi/pulumi/runtime/closure/v8Hooks` opens on first use and never closes. One
// program per process, as under the Pulumi CLI, that costs nothing. A test runner that loads @pulumi/pulumi
// afresh for every test file (jest does) gets one session per file that serializes, and each outlives its file:
// it keeps the file's whole module graph alive (its listener belongs to that file's copy of Pulumi), every
// script compiled afterwards is reported to every session still open, and at exit Node tears each one down,
// walking every script in the heap. A jest worker that had run 24 files of test/lifecycle, test/faults and
// test/examples still held all 24 contexts (600 MB of heap) at its end, and took longer to exit than jest waits
// (500 ms): "A worker process has failed to exit gracefully and has been force exited".
//
// releasePulumiInspector() ends the session of the @pulumi/pulumi this module resolves (the program's; under
// jest, the test file's own copy). Pulumi keeps the session object and would post to it again on its next
// serialization (a program run after a stack's close(), a setMocks test later in the file): that post reconnects.
import type { Session } from "node:inspector";

interface V8Hooks {
  getSessionAsync(): Promise<Session>;
}

const V8_HOOKS = "@pulumi/pulumi/runtime/closure/v8Hooks";

/** Pulumi's v8Hooks, if this copy of @pulumi/pulumi has loaded it: it does so on the first serialization, which
 *  opens the session at once. Never loads it (that alone would open a session). */
function loadedV8Hooks(): V8Hooks | undefined {
  let file: string;
  try {
    file = require.resolve(V8_HOOKS);
  } catch {
    return undefined;
  }
  return require.cache[file]?.exports as V8Hooks | undefined;
}

/**
 * Disconnects the inspector session Pulumi opened to serialize functions, if it did. Call it when a test file is
 * done with programs (startOfflineStack's close() does). Safe to call more than once, or when nothing was
 * serialized; Pulumi's next use of the session, if any, connects it again.
 */
export async function releasePulumiInspector(): Promise<void> {
  const hooks = loadedV8Hooks();
  if (hooks === undefined) return;
  const session = await hooks.getSessionAsync();
  if (Object.hasOwn(session, "post")) return; // released already
  session.disconnect();
  session.post = function (...args: unknown[]): void {
    reconnect(session);
    (session as unknown as { post(...a: unknown[]): void }).post(...args);
  };
}

/** Back to the state Pulumi left it in: connected, its debugger enabled. The in-thread session answers
 *  synchronously, so Debugger.enable has re-announced every script to Pulumi's listener before this returns. */
function reconnect(session: Session): void {
  delete (session as Partial<Session>).post;
  session.connect();
  session.post("Debugger.enable");
}
