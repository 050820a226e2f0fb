// A tiny HTTP server on 127.0.0.1 for client unit tests: records every request (method, url, headers, body)
// and hands each one, fully read, to the test's handler.
import { createHash } from "node:crypto";
import http from "node:http";
import { type AddressInfo } from "node:net";

export interface Seen {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  /** Body text when small (< 1 MiB), else empty; `bytes` always counts everything received. */
  body: string;
  bytes: number;
  /** SHA-256 (hex) of the whole body, however large. */
  sha256: string;
}

export interface ServerOptions {
  /** Pause the request this long after each chunk received: a slow reader, so the client's socket
   *  fills and its writes go out in pieces. */
  pauseMsPerChunk?: number;
}

export type Handler = (req: Seen, res: http.ServerResponse) => unknown;

export interface FakeServer {
  /** e.g. http://127.0.0.1:1234 */
  origin: string;
  port: number;
  requests: Seen[];
  /** Largest number of requests the server held at once. */
  maxInFlight: number;
  close(): Promise<void>;
}

export async function startServer(
  handler: Handler,
  host = "127.0.0.1",
  opts: ServerOptions = {},
): Promise<FakeServer> {
  let inFlight = 0;
  const state: FakeServer = {
    origin: "",
    port: 0,
    requests: [],
    maxInFlight: 0,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  const server = http.createServer((req, res) => {
    inFlight++;
    state.maxInFlight = Math.max(state.maxInFlight, inFlight);
    let done = false;
    const finish = (): void => {
      if (!done) {
        done = true;
        inFlight--;
      }
    };
    res.on("close", finish);
    const chunks: Buffer[] = [];
    const hash = createHash("sha256");
    let bytes = 0;
    req.on("data", (c: Buffer) => {
      bytes += c.length;
      hash.update(c);
      if (bytes < 1 << 20) chunks.push(c);
      if (opts.pauseMsPerChunk !== undefined) {
        req.pause();
        setTimeout(() => req.resume(), opts.pauseMsPerChunk);
      }
    });
    req.on("end", () => {
      const seen: Seen = {
        method: req.method ?? "",
        url: req.url ?? "",
        headers: req.headers,
        body: bytes < 1 << 20 ? Buffer.concat(chunks).toString("utf8") : "",
        bytes,
        sha256: hash.digest("hex"),
      };
      state.requests.push(seen);
      Promise.resolve(handler(seen, res)).catch((err: unknown) => {
        res.statusCode = 599;
        res.end(String(err));
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const port = (server.address() as AddressInfo).port;
  state.port = port;
  state.origin = `http://${host}:${port}`;
  return state;
}

export function json(
  res: http.ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, { "content-type": "application/json", ...headers });
  res.end(JSON.stringify(body));
}

export function apiError(
  res: http.ServerResponse,
  status: number,
  message: string,
  headers: Record<string, string> = {},
): void {
  json(res, status, { error: { message, type: "invalid_request_error", param: null, code: null } }, headers);
}

/** A FileResponse as the API sends it. */
export function fileObject(id: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id,
    object: "file",
    created_at: 1_700_000_000,
    filename: "train.jsonl",
    bytes: 10,
    purpose: "fine-tune",
    FileType: "jsonl",
    Processed: true,
    ...extra,
  };
}
