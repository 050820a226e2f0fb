import type { TogetherClient } from "../client";

/** The value the engine sends in preview wherever an input is not known yet (`rpc.unknownValue`). */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

export function isUnknown(v: unknown): boolean {
  return v === UNKNOWN;
}

export function containsUnknown(v: unknown): boolean {
  if (isUnknown(v)) return true;
  if (Array.isArray(v)) return v.some(containsUnknown);
  if (v !== null && typeof v === "object") return Object.values(v).some(containsUnknown);
  return false;
}

export interface CheckFailure {
  property: string;
  reason: string;
}

export interface CheckResult {
  inputs?: Record<string, unknown>;
  failures?: CheckFailure[];
}

export interface DiffResult {
  changes: boolean;
  replaces?: string[];
  deleteBeforeReplace?: boolean;
}

export interface ProviderLog {
  info(msg: string): void;
  warn(msg: string): void;
  error(msg: string): void;
}

export interface ProviderContext {
  /** Built lazily from configure(); throws MissingApiKeyError (with the fix) when no key is configured. */
  client(): TogetherClient;
  /** Provider stdout/stderr; every line is redacted. */
  log: ProviderLog;
  /** PULUMI_TOGETHER_TIME_SCALE (default 1): divides poll intervals and wait deadlines. */
  timeScale: number;
  /** The Together project (together:projectId / TOGETHER_PROJECT_ID), or undefined when none is configured:
   *  DedicatedEndpoint then serves on v1. Optional so contexts built for v1-only tests need not say. */
  projectId?(): string | undefined;
  /** Registers a value to redact from every message, log line and thrown error of this process. */
  secrets: { add(value: string | undefined): void };
}

export interface ResourceLifecycle {
  check(
    olds: Record<string, unknown>,
    news: Record<string, unknown>,
    ctx: ProviderContext,
  ): Promise<CheckResult>;
  diff(
    id: string,
    olds: Record<string, unknown>,
    news: Record<string, unknown>,
    ctx: ProviderContext,
  ): Promise<DiffResult>;
  create(
    inputs: Record<string, unknown>,
    ctx: ProviderContext,
  ): Promise<{ id: string; outs: Record<string, unknown> }>;
  /** An empty `id` in the result means the object is gone (Pulumi drops it from state). */
  read(
    id: string,
    props: Record<string, unknown>,
    ctx: ProviderContext,
  ): Promise<{ id: string; props?: Record<string, unknown>; inputs?: Record<string, unknown> }>;
  update(
    id: string,
    olds: Record<string, unknown>,
    news: Record<string, unknown>,
    ctx: ProviderContext,
  ): Promise<{ outs: Record<string, unknown> }>;
  delete(id: string, props: Record<string, unknown>, ctx: ProviderContext): Promise<void>;
}
