// Where the API key may travel: only over https, or plain http to a loopback host, and only to the configured
// API host. Both through the real provider process (the lifecycle harness), as a user's `pulumi up` would.
import * as fs from "node:fs";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { startEmulator, type Emulator } from "../../emulator";
import { HarnessRunError, LifecycleHarness, type RunOptions } from "../../testing/harness";
import { TrainingFile } from "../../sdk";
import { SCAN } from "./helpers";

interface Seen {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
}

interface Server {
  origin: string;
  seen: Seen[];
  close(): Promise<void>;
}

/** A server on `host` that records every request and passes it to `handle`. */
async function serve(
  host: string,
  handle: (req: http.IncomingMessage, res: http.ServerResponse) => void,
): Promise<Server> {
  const seen: Seen[] = [];
  const server = http.createServer((req, res) => {
    seen.push({ method: req.method ?? "", url: req.url ?? "", headers: req.headers });
    handle(req, res);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, host, () => resolve());
  });
  return {
    origin: `http://${host}:${(server.address() as AddressInfo).port}`,
    seen,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Forwards a request to `origin`, letting `rewrite` adjust the response headers. */
function forward(
  origin: string,
  rewrite: (headers: http.IncomingHttpHeaders) => http.IncomingHttpHeaders = (h) => h,
): (req: http.IncomingMessage, res: http.ServerResponse) => void {
  return (req, res) => {
    const upstream = http.request(
      new URL(req.url ?? "/", origin),
      { method: req.method, headers: req.headers },
      (up) => {
        res.writeHead(up.statusCode ?? 502, rewrite(up.headers));
        up.pipe(res);
      },
    );
    upstream.on("error", () => res.destroy());
    req.pipe(upstream);
  };
}

let emulator: Emulator;
let dir: string;
beforeAll(async () => {
  emulator = await startEmulator({ timeScale: 600, apiKey: SCAN.apiKey });
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "transport-"));
});
afterAll(async () => {
  await emulator.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const SOURCE = path.join(__dirname, "../../examples/quickstart/data/helpdesk-chats.jsonl");

function fileStack(name: string): LifecycleHarness {
  return new LifecycleHarness({
    stateFile: path.join(dir, `${name}.json`),
    project: "transport",
    stack: name,
  });
}

const fileProgram = (): Record<string, unknown> => {
  const file = new TrainingFile("data", { source: SOURCE });
  return { fileId: file.fileId };
};

function runWith(baseUrl: string): RunOptions {
  return {
    config: { "together:apiKey": SCAN.apiKey, "together:baseUrl": baseUrl },
    secretKeys: ["together:apiKey"],
  };
}

async function failedUp(h: LifecycleHarness, run: RunOptions): Promise<HarnessRunError> {
  const err = await h.up(fileProgram, run).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(HarnessRunError);
  return err as HarnessRunError;
}

describe("transport security through the real provider", () => {
  it("refuses a plain-http base URL to a non-loopback host before sending anything", async () => {
    const err = await failedUp(fileStack("invalid-host"), runWith("http://example.invalid/v1"));
    expect(err.message).toContain("together:baseUrl");
    expect(err.message).toContain("is not https");
    expect(err.message).not.toContain(SCAN.apiKey);
    expect(err.providerLog).not.toContain(SCAN.apiKey);
  });

  it("refuses it even when the host would reach a listener: 0.0.0.0 is not loopback, nothing arrives", async () => {
    // Linux connects 0.0.0.0 to the local host, so this listener would see any request the provider sent.
    const listener = await serve("127.0.0.1", (_req, res) => res.end());
    try {
      const port = new URL(listener.origin).port;
      const err = await failedUp(fileStack("zero-host"), runWith(`http://0.0.0.0:${port}/v1`));
      expect(err.message).toContain("together:baseUrl");
      expect(listener.seen).toEqual([]);
    } finally {
      await listener.close();
    }
  });

  it("sends the key only to the configured host: a 302 upload Location elsewhere gets no Authorization", async () => {
    const emulatorOrigin = new URL(emulator.baseUrl).origin;
    // The upload host: another loopback address and port, passing the bytes on to the emulator.
    const uploads = await serve("127.0.0.2", forward(emulatorOrigin));
    // The API host the provider is configured with: the emulator, with POST /files redirected to `uploads`.
    const api = await serve(
      "127.0.0.1",
      forward(emulatorOrigin, (headers) => {
        const location = headers.location;
        if (location === undefined) return headers;
        const moved = new URL(location, emulatorOrigin);
        return { ...headers, location: `${uploads.origin}${moved.pathname}${moved.search}` };
      }),
    );
    try {
      const h = fileStack("redirect");
      const run = runWith(`${api.origin}/v1`);
      const up = await h.up(fileProgram, run);
      expect(up.outputs.fileId).toMatch(/^file-/);
      expect(uploads.seen.map((r) => r.method)).toContain("PUT");
      for (const r of uploads.seen) {
        expect(r.headers.authorization).toBeUndefined();
        expect(JSON.stringify(r.headers)).not.toContain(SCAN.apiKey);
      }
      // The API host did get the key (the emulator behind it answers 401 otherwise).
      expect(api.seen.some((r) => r.headers.authorization === `Bearer ${SCAN.apiKey}`)).toBe(true);
      await h.destroy(run);
    } finally {
      await api.close();
      await uploads.close();
    }
  });
});
