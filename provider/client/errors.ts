// One error hierarchy for every Together API failure. Each error carries only plain strings and numbers
// (never the request, its headers or its body), so serialising a thrown error cannot leak the API key or
// a token that travelled in a request body.

export type TogetherErrorCode =
  | "bad_request"
  | "unauthorized"
  | "payment_required"
  | "forbidden"
  | "not_found"
  | "conflict"
  | "unprocessable"
  | "rate_limited"
  | "server_error"
  | "connection"
  | "timeout"
  | "ambiguous_create"
  | "invalid_response"
  | "insecure_base_url"
  | "upload_failed";

export interface TogetherErrorInit {
  method: string;
  path: string;
  status?: number | undefined;
  apiMessage?: string | undefined;
  requestId?: string | undefined;
  cause?: unknown;
  /** Replaces the standard message when the failure is not an HTTP status. */
  detail?: string | undefined;
}

function describe(init: TogetherErrorInit): string {
  const head = `Together API ${init.method} ${init.path} failed: `;
  const body =
    init.detail ??
    [init.status === undefined ? undefined : String(init.status), init.apiMessage].filter((p) => p).join(" ");
  const rid = init.requestId === undefined ? "" : ` (request id ${init.requestId})`;
  return head + body + rid;
}

export class TogetherError extends Error {
  readonly code: TogetherErrorCode;
  readonly status?: number;
  readonly apiMessage?: string;
  readonly requestId?: string;
  readonly method: string;
  readonly path: string;

  constructor(code: TogetherErrorCode, init: TogetherErrorInit) {
    super(describe(init), init.cause === undefined ? undefined : { cause: init.cause });
    this.name = new.target.name;
    this.code = code;
    this.method = init.method;
    this.path = init.path;
    if (init.status !== undefined) this.status = init.status;
    if (init.apiMessage !== undefined) this.apiMessage = init.apiMessage;
    if (init.requestId !== undefined) this.requestId = init.requestId;
  }
}

export class BadRequestError extends TogetherError {
  constructor(init: TogetherErrorInit) {
    super("bad_request", init);
  }
}
export class AuthenticationError extends TogetherError {
  constructor(init: TogetherErrorInit) {
    super("unauthorized", init);
  }
}
export class PaymentRequiredError extends TogetherError {
  constructor(init: TogetherErrorInit) {
    super("payment_required", init);
  }
}
export class PermissionDeniedError extends TogetherError {
  constructor(init: TogetherErrorInit) {
    super("forbidden", init);
  }
}
export class NotFoundError extends TogetherError {
  constructor(init: TogetherErrorInit) {
    super("not_found", init);
  }
}
export class ConflictError extends TogetherError {
  constructor(init: TogetherErrorInit) {
    super("conflict", init);
  }
}
export class UnprocessableEntityError extends TogetherError {
  constructor(init: TogetherErrorInit) {
    super("unprocessable", init);
  }
}
export class RateLimitError extends TogetherError {
  constructor(init: TogetherErrorInit) {
    super("rate_limited", init);
  }
}
/** 5xx, and any other unexpected status. */
export class ServerError extends TogetherError {
  constructor(init: TogetherErrorInit) {
    super("server_error", init);
  }
}
export class ConnectionError extends TogetherError {
  constructor(init: TogetherErrorInit) {
    super("connection", init);
  }
}
export class TimeoutError extends TogetherError {
  constructor(init: TogetherErrorInit) {
    super("timeout", init);
  }
}
/** A create request may or may not have been processed: the caller must reconcile by listing. */
export class AmbiguousCreateError extends TogetherError {
  constructor(init: TogetherErrorInit & { cause: unknown }) {
    super("ambiguous_create", init);
  }
}
export class InvalidResponseError extends TogetherError {
  constructor(init: TogetherErrorInit) {
    super("invalid_response", init);
  }
}
export class InsecureBaseUrlError extends TogetherError {
  constructor(init: TogetherErrorInit) {
    super("insecure_base_url", init);
  }
}
export class UploadError extends TogetherError {
  constructor(init: TogetherErrorInit) {
    super("upload_failed", init);
  }
}

/** Maps an HTTP status to its error class; anything unexpected counts as a server error. */
export function errorForStatus(status: number, init: TogetherErrorInit): TogetherError {
  switch (status) {
    case 400:
      return new BadRequestError(init);
    case 401:
      return new AuthenticationError(init);
    case 402:
      return new PaymentRequiredError(init);
    case 403:
      return new PermissionDeniedError(init);
    case 404:
      return new NotFoundError(init);
    case 409:
      return new ConflictError(init);
    case 422:
      return new UnprocessableEntityError(init);
    case 429:
      return new RateLimitError(init);
    default:
      return status === 408 ? new TimeoutError(init) : new ServerError(init);
  }
}

const has = (err: unknown, code: TogetherErrorCode): boolean => isTogetherError(err) && err.code === code;

export function isTogetherError(err: unknown): err is TogetherError {
  return err instanceof TogetherError;
}
export const isNotFound = (err: unknown): err is NotFoundError => has(err, "not_found");
export const isRateLimited = (err: unknown): err is RateLimitError => has(err, "rate_limited");
export const isAmbiguousCreate = (err: unknown): err is AmbiguousCreateError => has(err, "ambiguous_create");
export const isAuthError = (err: unknown): err is AuthenticationError | PermissionDeniedError =>
  has(err, "unauthorized") || has(err, "forbidden");
export const isBadRequest = (err: unknown): err is BadRequestError | UnprocessableEntityError =>
  has(err, "bad_request") || has(err, "unprocessable");
export const isPaymentRequired = (err: unknown): err is PaymentRequiredError => has(err, "payment_required");
export const isServerError = (err: unknown): err is ServerError => has(err, "server_error");
export const isConnectionError = (err: unknown): err is ConnectionError => has(err, "connection");
export const isTimeout = (err: unknown): err is TimeoutError => has(err, "timeout");
export const isUploadError = (err: unknown): err is UploadError => has(err, "upload_failed");
export const isInvalidResponse = (err: unknown): err is InvalidResponseError => has(err, "invalid_response");
