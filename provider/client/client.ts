import { parseBaseUrl, v2BaseUrl } from "./base-url";
import { EndpointsApi } from "./endpoints";
import { EndpointsV2Api } from "./endpoints-v2";
import { FilesApi } from "./files";
import { FineTunesApi } from "./fine-tunes";
import { HardwareApi } from "./hardware";
import { ModelsApi } from "./models";
import { Transport } from "./transport";
import { DEFAULT_UPLOAD_TIMEOUT_MS } from "./uploads";

export interface ClientOptions {
  /** e.g. "https://api.together.ai/v1" (includes /v1; trailing slash tolerated). */
  baseUrl: string;
  apiKey: string;
  /** Per request (headers + body), default 60 000. */
  timeoutMs?: number;
  /** Inactivity limit per upload PUT (redirect PUT or multipart part), default 300 000. */
  uploadTimeoutMs?: number;
  /** Retries for retryable failures, default 5. */
  maxRetries?: number;
  /** Debug lines (retries, waits); never contains the key or tokens. */
  log?: (line: string) => void;
  userAgent?: string;
  /** Test knob: scales every retry/backoff sleep (default 1). */
  sleepScale?: number;
  /** Test knob: jitter source for backoff (default Math.random). */
  random?: () => number;
}

export const DEFAULT_TIMEOUT_MS = 60_000;
export const DEFAULT_MAX_RETRIES = 5;
export const DEFAULT_USER_AGENT = "pulumi-together";

export class TogetherClient {
  readonly baseUrl: string;
  readonly files: FilesApi;
  readonly fineTunes: FineTunesApi;
  readonly endpoints: EndpointsApi;
  readonly hardware: HardwareApi;
  readonly models: ModelsApi;
  /** The v2 endpoints platform, at the base URL with `/v1` replaced by `/v2`; undefined when the base URL
   *  does not end in `/v1` (then no v2 root can be derived from it). */
  readonly endpointsV2: EndpointsV2Api | undefined;
  declare private readonly transport: Transport;
  declare private readonly v2Transport: Transport | undefined;

  /** @throws InsecureBaseUrlError for a non-https base URL whose host is not loopback. */
  constructor(opts: ClientOptions) {
    const url = parseBaseUrl(opts.baseUrl);
    const transportFor = (baseUrl: URL): Transport =>
      new Transport({
        baseUrl,
        apiKey: opts.apiKey,
        timeoutMs: opts.timeoutMs ?? DEFAULT_TIMEOUT_MS,
        maxRetries: opts.maxRetries ?? DEFAULT_MAX_RETRIES,
        userAgent: opts.userAgent ?? DEFAULT_USER_AGENT,
        sleepScale: opts.sleepScale ?? 1,
        log: opts.log,
        ...(opts.random ? { random: opts.random } : {}),
      });
    const transport = transportFor(url);
    const v2Url = v2BaseUrl(url);
    const v2Transport = v2Url ? transportFor(v2Url) : undefined;
    // Non-enumerable, so inspecting or serialising the client never walks into the transports.
    Object.defineProperty(this, "transport", { value: transport, enumerable: false });
    Object.defineProperty(this, "v2Transport", { value: v2Transport, enumerable: false });
    this.baseUrl = url.href;
    this.files = new FilesApi(transport, {
      uploadTimeoutMs: opts.uploadTimeoutMs ?? DEFAULT_UPLOAD_TIMEOUT_MS,
    });
    this.fineTunes = new FineTunesApi(transport);
    this.endpoints = new EndpointsApi(transport);
    this.hardware = new HardwareApi(transport);
    this.models = new ModelsApi(transport);
    this.endpointsV2 = v2Transport ? new EndpointsV2Api(v2Transport, transport) : undefined;
  }

  /** Closes pooled connections (lets a short-lived process exit promptly). */
  async close(): Promise<void> {
    await Promise.all([this.transport.close(), this.v2Transport?.close()]);
  }
}
