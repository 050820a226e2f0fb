// What every route handler sees: the store, the clock, background work, and the request at hand.
import type * as http from "node:http";
import type { EmulatedClock } from "./clock";
import type { Reply } from "./http";
import type { FaultAction } from "./types";
import type { EmulatorStore } from "./store";

export interface Runtime {
  readonly store: EmulatorStore;
  readonly clock: EmulatedClock;
  readonly dataDir: string;
  /** `http://127.0.0.1:<port>` once listening. */
  origin(): string;
  /** Tracks background work (file processing) so close() and idle() can wait for it. */
  track(work: Promise<unknown>): void;
}

export interface RouteContext {
  readonly rt: Runtime;
  readonly req: http.IncomingMessage;
  /** Capture groups of the route pattern. */
  readonly params: string[];
  readonly query: URLSearchParams;
  /** Parsed JSON or form fields for routes that take a small body; {} otherwise. */
  readonly body: Record<string, unknown>;
  readonly now: number;
  /** Streaming routes call this for every body chunk they consume (drives the mid-body reset fault). */
  chunks(): AsyncIterable<Buffer>;
  /** Streaming routes record the non-byte part of what they received (form fields). */
  recordBody(body: unknown): void;
  /** An injected fault for what the request creates rather than for the request itself. */
  readonly jobFault?: Extract<FaultAction, { type: "job" }>;
}

export interface Route {
  method: string;
  pattern: RegExp;
  /** json: JSON object; form: urlencoded or multipart fields or query; none: ignored; stream: the route reads it. */
  body: "json" | "form" | "none" | "stream";
  auth: boolean;
  handle(ctx: RouteContext): Promise<Reply> | Reply;
}

/** Thrown when the connection was deliberately dropped; nothing is sent. */
export class ConnectionDropped extends Error {}
