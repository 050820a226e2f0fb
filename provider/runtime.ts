// Loaded by the serialized shells (provider/shell.ts) inside the dynamic-provider process, by package name:
// `require("pulumi-together/runtime")`. One process serves every resource of a deployment, so the context, the
// client and the secret registry are built once and shared.
// First: on an unsupported Node.js this stops with one clear line before any dependency loads.
import "./require-node";
import { TogetherClient } from "./client";
import {
  API_KEY_ENV,
  InvalidBaseUrlError,
  MissingApiKeyError,
  readStackConfig,
  resolveHttpTimeoutMs,
  resolveProjectId,
  resolveSettings,
  resolveTimeScale,
  type ConfigSource,
  type StackConfig,
} from "./config";
import { isResourceKind, lifecycles, RESOURCE_KINDS } from "./resources";
import { REPLACE_ON_CHANGES_KEY } from "./shared/diff";
import { noteHeld, noteInState } from "./shared/deployment-memory";
import { watchEngine } from "./shared/engine-watch";
import { ownerOf } from "./shared/owner";
import { createProviderLog } from "./shared/log";
import { processSecrets } from "./shared/redact";
import { newerStateProblem } from "./shared/state-version";
import type { CheckResult, ProviderContext, ResourceLifecycle } from "./shared/types";

export const METHODS = ["check", "diff", "create", "read", "update", "delete"] as const;
export type Method = (typeof METHODS)[number];

const PROVIDER_KEY = "__provider";

let stackConfig: StackConfig = {};
let context: ProviderContext | undefined;
let client: { key: string; value: TogetherClient } | undefined;

/**
 * Called by each shell's `configure` (once per shell per process) with the whole stack config, namespaced.
 * Only records values: a missing or bad key must fail the call that needs it, with the fix, not the process.
 */
export async function configure(config: ConfigSource): Promise<void> {
  // A provider whose engine was killed must not go on alone (see engine-watch.ts); configure comes first.
  watchEngine();
  stackConfig = readStackConfig(config);
  processSecrets.add(stackConfig.apiKey);
}

/**
 * Runs one provider method of one kind. Whatever is thrown reaches Pulumi as an Error redacted of the API key
 * and every registered secret (message, stack and properties); a partial failure keeps its id/properties shape.
 */
export async function dispatch(kind: string, method: Method, ...args: unknown[]): Promise<unknown> {
  try {
    watchEngine();
    const lifecycle = loadLifecycle(kind);
    // diff, read, update and delete get the stored state as their second argument.
    if (method !== "check" && method !== "create") {
      const problem = newerStateProblem(kind, record(args[1]));
      if (problem !== undefined) throw new Error(problem);
    }
    const ctx = providerContext();
    remember(kind, method, args);
    try {
      return withoutUndefined(await invoke(lifecycle, method, args.map(withoutProviderKey), ctx));
    } catch (err) {
      // Missing or unusable configuration fails check as a check failure: Pulumi shows that as one line with the
      // fix, where a thrown error is printed with its stack and the message twice.
      if (method === "check" && isConfigurationError(err)) {
        return { inputs: withoutProviderKey(args[1]), failures: [{ property: "", reason: err.message }] };
      }
      if (isConfigurationError(err)) throw asOneLine(err);
      throw err;
    }
  } catch (err) {
    throw processSecrets.redactError(withProviderKeyOnPartialFailure(err, method, args));
  }
}

/**
 * The dynamic-provider server adds `__provider` to successful create/update results but stores a partial
 * failure's `properties` as they are thrown; without it, the later delete or refresh of that resource (which
 * runs the shell stored in its outputs) fails with "code must be a string". So the shell from the call's own
 * inputs (create: inputs; update: news) goes back in.
 */
function withProviderKeyOnPartialFailure(err: unknown, method: Method, args: unknown[]): unknown {
  if (method !== "create" && method !== "update") return err;
  const inputs = record(args[method === "create" ? 0 : 2]);
  const shell = inputs[PROVIDER_KEY];
  if (typeof shell !== "string" || err === null || typeof err !== "object" || !("id" in err)) return err;
  const failure = err as { properties?: unknown };
  const properties = record(failure.properties);
  if (!(PROVIDER_KEY in properties)) failure.properties = { ...properties, [PROVIDER_KEY]: shell };
  return err;
}

/**
 * Pulumi's dynamic-provider server logs a thrown error as `${err}: ${err.stack}`, which prints a configuration
 * error's message twice with a stack trace nobody needs (refresh or destroy without a key): one line instead.
 */
function asOneLine(err: Error): Error {
  err.stack = err.message;
  err.toString = () => "pulumi-together";
  return err;
}

/** What the call tells about state, for create's recovery of interrupted creates (shared/deployment-memory.ts). */
function remember(kind: string, method: Method, args: unknown[]): void {
  if (method === "check") {
    const olds = record(withoutProviderKey(args[0]));
    if (Object.keys(olds).length > 0) noteInState(kind, ownerOf(record(args[1])), olds);
  } else if (method !== "create" && typeof args[0] === "string") {
    noteHeld(kind, args[0]);
  }
}

function isConfigurationError(err: unknown): err is MissingApiKeyError | InvalidBaseUrlError {
  return err instanceof MissingApiKeyError || err instanceof InvalidBaseUrlError;
}

function loadLifecycle(kind: string): ResourceLifecycle {
  if (!isResourceKind(kind)) {
    throw new Error(
      `Unknown pulumi-together resource kind "${kind}"; known kinds: ${RESOURCE_KINDS.join(", ")}`,
    );
  }
  return lifecycles[kind]();
}

async function invoke(
  lifecycle: ResourceLifecycle,
  method: Method,
  args: unknown[],
  ctx: ProviderContext,
): Promise<unknown> {
  const str = (i: number): string => {
    const v = args[i];
    return typeof v === "string" ? v : "";
  };
  // The SDK's replaceOnChanges input reaches diff only (diffByTable applies it); check carries it over.
  const rec = (i: number): Record<string, unknown> => withoutKey(record(args[i]), REPLACE_ON_CHANGES_KEY);
  switch (method) {
    case "check":
      return withReplaceOnChanges(await lifecycle.check(rec(0), rec(1), ctx), record(args[1]));
    case "diff":
      return lifecycle.diff(str(0), rec(1), record(args[2]), ctx);
    case "create":
      return lifecycle.create(rec(0), ctx);
    case "read":
      return lifecycle.read(str(0), rec(1), ctx);
    case "update":
      return lifecycle.update(str(0), rec(1), rec(2), ctx);
    case "delete":
      return lifecycle.delete(str(0), rec(1), ctx);
    default:
      throw new Error(`Unknown provider method "${String(method)}"`);
  }
}

/** The process-wide context; exported for lifecycle unit tests that run in-process. */
export function providerContext(): ProviderContext {
  if (context) return context;
  processSecrets.add(process.env[API_KEY_ENV]);
  const log = createProviderLog(processSecrets);
  const timeScale = resolveTimeScale();
  context = {
    log,
    timeScale,
    secrets: { add: (value) => processSecrets.add(value) },
    // Read at each call, like the client: a bad value fails the call that needs it, with its source and fix.
    projectId: () => resolveProjectId(stackConfig)?.projectId,
    client: () => {
      const settings = resolveSettings(stackConfig);
      processSecrets.add(settings.apiKey);
      const key = `${settings.baseUrl}\n${settings.apiKey}`;
      if (client?.key !== key) {
        // PULUMI_TOGETHER_HTTP_TIMEOUT_MS: a test/diagnostic knob (the fault suite drives a real client timeout
        // with it); unset, the client's own per-request default (60 s) applies.
        const timeoutMs = resolveHttpTimeoutMs();
        const value = new TogetherClient({
          baseUrl: settings.baseUrl,
          apiKey: settings.apiKey,
          log: (line) => log.info(line),
          userAgent: "pulumi-together",
          sleepScale: 1 / timeScale,
          ...(timeoutMs !== undefined && { timeoutMs }),
        });
        client = { key, value };
      }
      return client.value;
    },
  };
  return context;
}

/** Forgets configuration, context and client; for tests that exercise several configurations in one process. */
export function resetRuntimeForTests(): void {
  stackConfig = {};
  context = undefined;
  client = undefined;
}

function record(v: unknown): Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

/** Lifecycles never see the serialized shell; the server puts it back into every result. */
function withoutProviderKey(arg: unknown): unknown {
  if (arg === null || typeof arg !== "object" || Array.isArray(arg) || !(PROVIDER_KEY in arg)) return arg;
  const copy = { ...(arg as Record<string, unknown>) };
  delete copy[PROVIDER_KEY];
  return copy;
}

function withoutKey(props: Record<string, unknown>, key: string): Record<string, unknown> {
  if (!(key in props)) return props;
  const copy = { ...props };
  delete copy[key];
  return copy;
}

/** Keeps the news' replaceOnChanges paths in the checked inputs, so the engine stores them and diff gets them. */
function withReplaceOnChanges(result: CheckResult, news: Record<string, unknown>): CheckResult {
  const paths = news[REPLACE_ON_CHANGES_KEY];
  if (paths === undefined || result.inputs === undefined) return result;
  return { ...result, inputs: { ...result.inputs, [REPLACE_ON_CHANGES_KEY]: paths } };
}

/** Struct.fromJavaScript rejects `undefined` ("Unexpected struct type"); in state an absent field means the same. */
function withoutUndefined(v: unknown): unknown {
  if (Array.isArray(v)) return v.map((item) => (item === undefined ? null : withoutUndefined(item)));
  if (v === null || typeof v !== "object" || Object.getPrototypeOf(v) !== Object.prototype) return v;
  const out: Record<string, unknown> = {};
  for (const [k, item] of Object.entries(v)) {
    if (item !== undefined) out[k] = withoutUndefined(item);
  }
  return out;
}
