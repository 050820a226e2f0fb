// The single place HTTP happens: builds requests, authenticates those to the configured API host, enforces
// deadlines, retries per the call kind, maps failures to the error hierarchy and parses bodies with zod.
import { Agent, type Dispatcher, request } from "undici";
import { type z } from "zod";
import {
  AmbiguousCreateError,
  ConnectionError,
  InvalidResponseError,
  TimeoutError,
  type TogetherError,
  errorForStatus,
} from "./errors";
import { redact } from "../shared/redact";
import { secretsInBody } from "./secret-fields";
import { type CallKind, type Failure, isRetryable, retryDelayMs, shouldRetryHeader } from "./retry";

export type Method = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
export type Query = Record<string, string | number | boolean | undefined>;
/** A file's bytes arrive as an async iterable of chunks (file-chunks.ts), which undici streams as they come. */
export type RequestBody = string | Buffer | AsyncIterable<Buffer>;

export interface TransportOptions {
  baseUrl: URL;
  apiKey: string;
  timeoutMs: number;
  maxRetries: number;
  userAgent: string;
  sleepScale: number;
  log?: ((line: string) => void) | undefined;
  /** Test seams: jitter source and the sleep between retries. */
  random?: () => number;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

export interface RawResponse {
  status: number;
  body: Buffer;
  header: (name: string) => string | undefined;
}

/** A response whose body is handed over as it arrives (downloads), instead of being buffered. */
export interface StreamingResponse {
  status: number;
  header: (name: string) => string | undefined;
  body: AsyncIterable<Buffer>;
}

/**
 * A GET whose body is streamed to `consume`, with the retry rules of every other read. Each attempt asks
 * `headers()` afresh (a resumed download sends a new Range). A response with a status `accept` allows goes to
 * `consume`; others fail like any call. The body is read with an inactivity limit rather than a total deadline.
 */
export interface StreamCall {
  call: string;
  /** An API path (authenticated) or a URL the API handed out (authenticated only on the API's own origin). */
  target: { path: string; query?: Query } | { url: URL };
  headers: () => Record<string, string>;
  accept: (status: number) => boolean;
  /** Throw BodyInterrupted to have the attempt retried like a dropped connection. */
  consume: (res: StreamingResponse) => Promise<void>;
  signal?: AbortSignal | undefined;
}

/** Thrown by a stream consumer when the body ended early: the attempt is retried like a network failure. */
export class BodyInterrupted extends Error {}

/** One logical call against the API host (path relative to the base URL). */
export interface ApiCall {
  /** Names the client call in InvalidResponseError messages, e.g. "files.get". */
  call: string;
  method: Method;
  path: string;
  kind: CallKind;
  query?: Query;
  json?: unknown;
  form?: Record<string, string>;
  accept?: string;
  /** Statuses that count as success; default any 2xx. */
  expect?: readonly number[];
  /** Statuses never retried for this call, e.g. a stale-etag 409: repeating the write cannot succeed. */
  noRetryStatuses?: readonly number[];
  signal?: AbortSignal | undefined;
}

/** A call to a URL the API handed out (pre-signed upload URLs): never authenticated, never our key. */
export interface ExternalCall {
  method: "PUT";
  url: URL;
  headers: Record<string, string>;
  /** Builds a fresh body per attempt (a retry re-reads the file). */
  body: () => RequestBody;
  /** Inactivity limit: the timer restarts whenever body bytes reach the socket. */
  timeoutMs: number;
  /** Called before each attempt, so progress can discount the bytes of a failed one. */
  onAttempt?: () => void;
  onBodySent?: (bytes: number) => void;
  signal?: AbortSignal | undefined;
}

interface Send {
  method: Method;
  url: URL;
  label: { method: string; path: string };
  headers: Record<string, string>;
  body?: (() => RequestBody) | undefined;
  kind: CallKind;
  expect: (status: number) => boolean;
  noRetryStatuses?: readonly number[] | undefined;
  timeoutMs: number;
  /** Timer restarts whenever body bytes are sent: an inactivity limit rather than a total deadline. */
  idleTimeout: boolean;
  onAttempt?: (() => void) | undefined;
  onBodySent?: ((bytes: number) => void) | undefined;
  signal?: AbortSignal | undefined;
  secrets: string[];
  /** Streamed calls: headers added per attempt, and the consumer of an accepted response's body. */
  attemptHeaders?: (() => Record<string, string>) | undefined;
  consume?: ((res: StreamingResponse) => Promise<void>) | undefined;
}

class AttemptFailure extends Error {
  constructor(
    readonly failure: Failure,
    readonly original: unknown,
  ) {
    super("attempt failed");
  }
}

const TIMEOUT_CODES = new Set(["UND_ERR_CONNECT_TIMEOUT", "UND_ERR_HEADERS_TIMEOUT", "UND_ERR_BODY_TIMEOUT"]);

function errorCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : undefined;
}

function defaultSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason as Error);
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason as Error);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

type UndiciBody = Exclude<Dispatcher.RequestOptions["body"], undefined>;

/** undici streams an async iterable body chunk by chunk (its own fetch() hands it bodies that way), but
 *  the `body` type of `request()` does not list iterables; this cast is the one place that relies on it.
 *  The byte-exact upload tests fail if undici ever stops accepting them. */
function undiciBody(body: RequestBody | undefined): UndiciBody {
  return (body ?? null) as UndiciBody;
}

/** Observes body chunks reaching the socket and the moment the whole request has been handed to it. */
function trackWrites(
  onBodySent: (bytes: number) => void,
  onWritten: () => void,
): Dispatcher.DispatcherComposeInterceptor {
  return (dispatch) => (opts, handler) =>
    dispatch(opts, {
      onRequestStart: (c, ctx) => handler.onRequestStart?.(c, ctx),
      onRequestUpgrade: (c, s, h, sock) => handler.onRequestUpgrade?.(c, s, h, sock),
      onResponseStart: (c, s, h, t) => handler.onResponseStart?.(c, s, h, t),
      onResponseData: (c, chunk) => handler.onResponseData?.(c, chunk),
      onResponseEnd: (c, trailers) => handler.onResponseEnd?.(c, trailers),
      onResponseError: (c, err) => handler.onResponseError?.(c, err),
      onBodySent: (chunk) => {
        onBodySent(chunk.length);
        handler.onBodySent?.(chunk);
      },
      onRequestSent: () => {
        onWritten();
        handler.onRequestSent?.();
      },
    });
}

/** The API's own message from an error body: `{error:{message}}`, `{message}`, `{error:"..."}` or plain text. */
export function apiMessageOf(body: Buffer): string | undefined {
  const text = body.toString("utf8").trim();
  if (text === "") return undefined;
  try {
    const parsed = JSON.parse(text) as unknown;
    if (parsed !== null && typeof parsed === "object") {
      const o = parsed as { error?: unknown; message?: unknown };
      if (typeof o.error === "string") return o.error;
      const inner = o.error as { message?: unknown } | undefined;
      if (inner && typeof inner.message === "string") return inner.message;
      if (typeof o.message === "string") return o.message;
    }
  } catch {
    // not JSON: the text itself is the message
  }
  return text.length > 500 ? `${text.slice(0, 500)}...` : text;
}

export class Transport {
  readonly baseUrl: URL;
  private readonly agent = new Agent({ keepAliveTimeout: 10_000 });
  private readonly random: () => number;
  private readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;

  // An ES private field: util.inspect and JSON.stringify never show it, so the key cannot leak that way.
  readonly #opts: TransportOptions;

  constructor(opts: TransportOptions) {
    this.#opts = opts;
    this.baseUrl = opts.baseUrl;
    this.random = opts.random ?? Math.random;
    this.sleep = opts.sleep ?? defaultSleep;
  }

  close(): Promise<void> {
    return this.agent.close();
  }

  /** Full URL path (with the base path, no query) as it appears in messages, e.g. /v1/files/file-1. */
  pathOf(path: string): string {
    return `${this.baseUrl.pathname}${path}`;
  }

  urlOf(path: string, query?: Query): URL {
    const url = new URL(this.baseUrl.href);
    url.pathname = this.pathOf(path);
    for (const [k, v] of Object.entries(query ?? {})) {
      if (v !== undefined) url.searchParams.set(k, String(v));
    }
    return url;
  }

  /** Sends an API call and returns the raw response (for non-JSON bodies and redirects). */
  async raw(c: ApiCall): Promise<RawResponse> {
    const headers: Record<string, string> = {
      authorization: `Bearer ${this.#opts.apiKey}`,
      accept: c.accept ?? "application/json",
      "user-agent": this.#opts.userAgent,
    };
    let payload: string | undefined;
    if (c.json !== undefined) {
      headers["content-type"] = "application/json";
      payload = JSON.stringify(c.json);
    } else if (c.form !== undefined) {
      headers["content-type"] = "application/x-www-form-urlencoded";
      payload = new URLSearchParams(c.form).toString();
    }
    const expect = c.expect;
    return this.send({
      method: c.method,
      url: this.urlOf(c.path, c.query),
      label: { method: c.method, path: this.pathOf(c.path) },
      headers,
      body: payload === undefined ? undefined : () => payload,
      kind: c.kind,
      expect: expect ? (s) => expect.includes(s) : (s) => s >= 200 && s < 300,
      noRetryStatuses: c.noRetryStatuses,
      timeoutMs: this.#opts.timeoutMs,
      idleTimeout: false,
      signal: c.signal,
      secrets: [this.#opts.apiKey, ...secretsInBody(c.json), ...secretsInBody(c.form)],
    });
  }

  /** Sends an API call and parses its JSON body with `schema`. */
  async json<S extends z.ZodType>(c: ApiCall, schema: S): Promise<z.output<S>> {
    const res = await this.raw(c);
    return this.parse(c, schema, res.body);
  }

  parse<S extends z.ZodType>(
    c: Pick<ApiCall, "call" | "method" | "path">,
    schema: S,
    body: Buffer,
  ): z.output<S> {
    const label = { method: c.method, path: this.pathOf(c.path) };
    let data: unknown;
    try {
      data = JSON.parse(body.toString("utf8"));
    } catch {
      throw new InvalidResponseError({ ...label, detail: `response to ${c.call} is not valid JSON` });
    }
    const result = schema.safeParse(data, { reportInput: true });
    if (result.success) return result.data;
    const issue = result.error.issues[0];
    const field = issue && issue.path.length > 0 ? issue.path.map(String).join(".") : "(body)";
    const what = issue?.input === undefined ? "is missing" : `is invalid (${issue.message})`;
    throw new InvalidResponseError({
      ...label,
      detail: `response to ${c.call} is invalid: required field "${field}" ${what}`,
    });
  }

  /** A PUT to a pre-signed URL: no Authorization header, whatever the host. Retried (PUT is idempotent). */
  async external(c: ExternalCall): Promise<RawResponse> {
    return this.send({
      method: c.method,
      url: c.url,
      label: { method: c.method, path: `${c.url.origin}${c.url.pathname}` },
      headers: { "user-agent": this.#opts.userAgent, ...c.headers },
      body: c.body,
      kind: "idempotent",
      expect: (s) => s >= 200 && s < 300,
      timeoutMs: c.timeoutMs,
      idleTimeout: true,
      onAttempt: c.onAttempt,
      onBodySent: c.onBodySent,
      signal: c.signal,
      secrets: [this.#opts.apiKey],
    });
  }

  /** Streams a GET's body to `c.consume`; resolves once it has consumed an accepted response. */
  async stream(c: StreamCall): Promise<void> {
    const api = "path" in c.target;
    const url = "path" in c.target ? this.urlOf(c.target.path, c.target.query) : c.target.url;
    // The key goes only to the API's own origin, never to a storage host a redirect points at.
    const authenticated = api || url.origin === this.baseUrl.origin;
    await this.send({
      method: "GET",
      url,
      label: { method: "GET", path: api ? url.pathname : `${url.origin}${url.pathname}` },
      headers: {
        ...(authenticated && { authorization: `Bearer ${this.#opts.apiKey}` }),
        "user-agent": this.#opts.userAgent,
      },
      kind: "idempotent",
      expect: c.accept,
      timeoutMs: this.#opts.timeoutMs,
      idleTimeout: true,
      signal: c.signal,
      secrets: [this.#opts.apiKey],
      attemptHeaders: c.headers,
      consume: c.consume,
    });
  }

  private log(line: string, secrets: string[]): void {
    this.#opts.log?.(redact(line, secrets));
  }

  private async send(s: Send): Promise<RawResponse> {
    const max = Math.max(0, this.#opts.maxRetries);
    for (let retry = 0; ; retry++) {
      let failure: Failure;
      let error: TogetherError;
      let header: ((name: string) => string | undefined) | undefined;
      try {
        const res = await this.attempt(s);
        if (s.expect(res.status)) return res;
        const apiMessage = apiMessageOf(res.body);
        error = errorForStatus(res.status, {
          ...s.label,
          status: res.status,
          apiMessage: apiMessage === undefined ? undefined : redact(apiMessage, s.secrets),
          requestId: res.header("x-request-id") ?? res.header("cf-ray"),
        });
        failure = { type: "status", status: res.status, shouldRetry: shouldRetryHeader(res.header) };
        header = res.header;
      } catch (err) {
        if (!(err instanceof AttemptFailure)) throw err;
        failure = err.failure;
        const init = { ...s.label, cause: err.original };
        error =
          failure.type === "timeout"
            ? new TimeoutError({ ...init, detail: `no complete response within ${s.timeoutMs} ms` })
            : new ConnectionError({
                ...init,
                detail: `connection failed (${redact(describeNetworkError(err.original), s.secrets)})`,
              });
      }
      const refused = failure.type === "status" && s.noRetryStatuses?.includes(failure.status) === true;
      if (retry < max && !refused && isRetryable(s.kind, failure)) {
        const delay = Math.round(retryDelayMs(retry, header, this.random) * this.#opts.sleepScale);
        this.log(`${error.message}; retry ${retry + 1}/${max} in ${delay} ms`, s.secrets);
        await this.sleep(delay, s.signal);
        continue;
      }
      if (s.kind === "create" && isAmbiguous(failure)) {
        throw new AmbiguousCreateError({
          ...s.label,
          cause: error,
          detail:
            `outcome unknown, the object may or may not have been created (${error.message}); ` +
            `list to reconcile before creating again`,
        });
      }
      throw error;
    }
  }

  private async attempt(s: Send): Promise<RawResponse> {
    const controller = new AbortController();
    let timedOut = false;
    let timer: NodeJS.Timeout | undefined;
    const arm = (): void => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        timedOut = true;
        controller.abort(new Error("deadline exceeded"));
      }, s.timeoutMs);
    };
    const onAbort = (): void => controller.abort(s.signal?.reason);
    if (s.signal?.aborted) throw s.signal.reason as Error;
    s.signal?.addEventListener("abort", onAbort, { once: true });
    let written = false;
    s.onAttempt?.();
    arm();
    const onBodySent = (bytes: number): void => {
      if (s.idleTimeout) arm();
      s.onBodySent?.(bytes);
    };
    let consuming = false;
    let bodyFailed = false;
    try {
      const res = await request(s.url, {
        method: s.method,
        headers: s.attemptHeaders ? { ...s.headers, ...s.attemptHeaders() } : s.headers,
        body: undiciBody(s.body?.()),
        signal: controller.signal,
        dispatcher: this.agent.compose(trackWrites(onBodySent, () => (written = true))),
        headersTimeout: s.timeoutMs,
        bodyTimeout: s.timeoutMs,
      });
      const headers = res.headers;
      const header = (name: string): string | undefined => {
        const v = headers[name.toLowerCase()];
        return Array.isArray(v) ? v[0] : v;
      };
      if (s.consume && s.expect(res.statusCode)) {
        // From here undici's bodyTimeout is the inactivity limit; a multi-gigabyte body has no total deadline.
        clearTimeout(timer);
        res.body.once("error", () => (bodyFailed = true));
        consuming = true;
        await s.consume({ status: res.statusCode, header, body: res.body });
        return { status: res.statusCode, body: Buffer.alloc(0), header };
      }
      const body = Buffer.from(await res.body.arrayBuffer());
      return { status: res.statusCode, body, header };
    } catch (err) {
      if (s.signal?.aborted) throw s.signal.reason as Error;
      // A consumer's own failure (a full disk, a bad response) is not the connection's: not retried.
      if (consuming && !bodyFailed && !timedOut && !(err instanceof BodyInterrupted)) throw err;
      const timeout = timedOut || TIMEOUT_CODES.has(errorCode(err) ?? "");
      throw new AttemptFailure(
        { type: timeout ? "timeout" : "network", written },
        timedOut ? undefined : err,
      );
    } finally {
      clearTimeout(timer);
      s.signal?.removeEventListener("abort", onAbort);
    }
  }
}

function describeNetworkError(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const code = errorCode(err);
  return code === undefined ? err.message : `${code}: ${err.message}`;
}

/** For a create: was the request possibly processed? 4xx (but 408/429) are definite refusals. */
function isAmbiguous(f: Failure): boolean {
  if (f.type === "status") return f.status === 408 || f.status >= 500 || f.status < 400;
  return f.written;
}
