import { inspect } from "node:util";
import { type Socket } from "node:net";
import { InsecureBaseUrlError, TogetherClient, type TogetherError } from "../../../provider/client";
import { apiError, startServer } from "./fake-server";
import { KEY, caught, testTransport } from "./helpers";

const HF = "hf_SECRETTOKEN1234567890";
const WANDB = "wandb-SECRET-0987654321";

function everythingAbout(err: unknown): string {
  const e = err as TogetherError;
  return [
    e.message,
    String(e.stack),
    inspect(err, { depth: Infinity, showHidden: true }),
    JSON.stringify(err),
    JSON.stringify({ ...e, message: e.message, cause: e.cause }),
  ].join("\n");
}

describe("base URL", () => {
  it.each([
    "http://api.together.ai/v1",
    "http://10.0.0.5:8787/v1",
    "ftp://127.0.0.1/v1",
    "http://127.example.com/v1",
  ])("refuses %s", (baseUrl) => {
    expect(() => new TogetherClient({ baseUrl, apiKey: KEY })).toThrow(InsecureBaseUrlError);
  });

  it("names the problem without the key", () => {
    const err = caughtSync(() => new TogetherClient({ baseUrl: "http://example.com/v1", apiKey: KEY }));
    expect((err as TogetherError).code).toBe("insecure_base_url");
    expect((err as Error).message).toContain("not https");
    expect(everythingAbout(err)).not.toContain(KEY);
  });

  it.each([
    "https://api.together.ai/v1",
    "https://api.together.ai/v1/",
    "http://127.0.0.1:8787/v1",
    "http://127.3.4.5/v1",
    "http://localhost:1234/v1",
    "http://[::1]:8787/v1",
  ])("accepts %s", (baseUrl) => {
    const c = new TogetherClient({ baseUrl, apiKey: KEY });
    expect(c.baseUrl.endsWith("/v1")).toBe(true);
    void c.close();
  });

  it("keeps the key out of the client's inspectable state", () => {
    const c = new TogetherClient({ baseUrl: "https://api.together.ai/v1", apiKey: KEY });
    expect(inspect(c, { depth: 6 })).not.toContain(KEY);
    expect(inspect(c.files, { depth: 6, showHidden: true })).not.toContain(KEY);
    void c.close();
  });
});

function caughtSync(f: () => unknown): unknown {
  try {
    f();
  } catch (err) {
    return err;
  }
  throw new Error("expected a throw");
}

describe("secrets never leak", () => {
  it("redacts the key and body tokens that a server echoes back, in errors and logs", async () => {
    // A hostile (or buggy) server that quotes everything it received.
    const server = await startServer((req, res) => {
      const status = req.body.includes(`"suffix":"reset"`) ? 0 : req.method === "POST" ? 400 : 503;
      if (status === 0) {
        (res.socket as Socket).destroy();
        return;
      }
      apiError(res, status, `got ${req.headers.authorization} and ${req.body}`);
    });
    try {
      const { fineTunes, transport, logs } = testTransport(server.origin, { maxRetries: 1 });
      const created = await caught(
        fineTunes.create({
          training_file: "file-1",
          model: "m",
          hf_api_token: HF,
          wandb_api_key: WANDB,
        }),
      );
      const got = await caught(
        transport.raw({ call: "t", method: "GET", path: "/files", kind: "idempotent" }),
      );
      const reset = await caught(
        fineTunes.create({ training_file: "file-1", model: "m", hf_api_token: HF, suffix: "reset" }),
      );
      for (const err of [created, got, reset]) {
        const all = everythingAbout(err);
        for (const secret of [KEY, HF, WANDB]) expect(all).not.toContain(secret);
      }
      expect((created as TogetherError).apiMessage).toContain("[redacted]");
      expect(logs.length).toBeGreaterThan(0);
      for (const secret of [KEY, HF, WANDB]) expect(logs.join("\n")).not.toContain(secret);
      // the tokens did reach the server: redaction is about what comes back, not what is sent
      expect(server.requests[0]!.body).toContain(HF);
      expect(server.requests[0]!.headers.authorization).toBe(`Bearer ${KEY}`);
    } finally {
      await server.close();
    }
  });

  it("redacts a body token the server echoes JSON-escaped or URL-encoded", async () => {
    // Quotes and backslashes are escaped inside a JSON string; `/`, `+`, `!` and spaces are percent-encoded.
    const token = 'hf_SECRET"quoted\\back/slash+plus! space';
    const server = await startServer((req, res) => {
      // A server quoting the raw request body (JSON or form) and the token as it would appear in a URL.
      apiError(res, 400, `rejected ${req.body}; see /v1/tokens/${encodeURIComponent(token)}`);
    });
    try {
      const { transport, logs } = testTransport(server.origin, { maxRetries: 0 });
      const call = { call: "t", method: "POST", path: "/fine-tunes", kind: "idempotent" } as const;
      const viaJson = await caught(transport.raw({ ...call, json: { hf_api_token: token } }));
      const viaForm = await caught(transport.raw({ ...call, form: { hf_api_token: token } }));
      expect(server.requests[0]!.body).toContain(JSON.stringify(token).slice(1, -1));
      expect(server.requests[1]!.body).toContain(new URLSearchParams({ t: token }).toString().slice(2));
      for (const err of [viaJson, viaForm]) {
        const all = everythingAbout(err);
        expect((err as TogetherError).apiMessage).toContain("[redacted]");
        for (const spelling of [
          token,
          JSON.stringify(token).slice(1, -1),
          encodeURIComponent(token),
          new URLSearchParams({ t: token }).toString().slice(2),
          "SECRET",
        ]) {
          expect(all).not.toContain(spelling);
        }
      }
      expect(logs.join("\n")).not.toContain("SECRET");
    } finally {
      await server.close();
    }
  });
});
