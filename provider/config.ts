import { isSecureUrl } from "./client/base-url";

export const DEFAULT_BASE_URL = "https://api.together.ai/v1";
export const API_KEY_CONFIG = "together:apiKey";
export const BASE_URL_CONFIG = "together:baseUrl";
export const PROJECT_ID_CONFIG = "together:projectId";
export const API_KEY_ENV = "TOGETHER_API_KEY";
export const BASE_URL_ENV = "TOGETHER_BASE_URL";
/** The same variable Together's own clients read for their project-scoped (v2) calls. */
export const PROJECT_ID_ENV = "TOGETHER_PROJECT_ID";
export const TIME_SCALE_ENV = "PULUMI_TOGETHER_TIME_SCALE";
export const HTTP_TIMEOUT_ENV = "PULUMI_TOGETHER_HTTP_TIMEOUT_MS";

/** What configure() receives as `req.config`: keys are namespaced (`together:apiKey`), values strings. */
export interface ConfigSource {
  get(key: string): unknown;
}

/** The raw values found in stack config; validated only when a call needs them. */
export interface StackConfig {
  apiKey?: string;
  baseUrl?: string;
  projectId?: string;
}

/** The Together project whose v2 endpoints the stack manages, and where that came from (for messages). */
export interface ProjectSetting {
  projectId: string;
  source: string;
}

export interface TogetherSettings {
  apiKey: string;
  baseUrl: string;
  /** Where the base URL came from, for messages: "stack config together:baseUrl", "env TOGETHER_BASE_URL", "default". */
  baseUrlSource: string;
}

export class MissingApiKeyError extends Error {
  readonly code = "missing_api_key";
  constructor() {
    super(
      `No Together API key is configured. Fix: run \`pulumi config set --secret ${API_KEY_CONFIG} <your key>\` ` +
        `in this stack, or \`export ${API_KEY_ENV}=...\` before running pulumi.`,
    );
    this.name = "MissingApiKeyError";
  }
}

export class InvalidBaseUrlError extends Error {
  readonly code = "invalid_base_url";
  constructor(value: string, source: string, problem: string) {
    const fix =
      source === `env ${BASE_URL_ENV}`
        ? `\`export ${BASE_URL_ENV}=${DEFAULT_BASE_URL}\` (or unset it)`
        : `\`pulumi config set ${BASE_URL_CONFIG} ${DEFAULT_BASE_URL}\` (or \`pulumi config rm ${BASE_URL_CONFIG}\`)`;
    super(`Together base URL "${value}" from ${source} ${problem}. Fix: ${fix}.`);
    this.name = "InvalidBaseUrlError";
  }
}

const PROJECT_ID = /^[A-Za-z0-9_-]{1,128}$/;

export class InvalidProjectIdError extends Error {
  readonly code = "invalid_project_id";
  constructor(value: string, source: string) {
    const fix =
      source === `env ${PROJECT_ID_ENV}`
        ? `\`export ${PROJECT_ID_ENV}=<project id>\``
        : `\`pulumi config set ${PROJECT_ID_CONFIG} <project id>\``;
    super(
      `Together project id "${value}" from ${source} is not a project id (letters, digits, "_" and "-" only). ` +
        `Fix: ${fix} with the project_id that \`GET /v1/whoami\` reports for your API key.`,
    );
    this.name = "InvalidProjectIdError";
  }
}

export class InvalidTimeScaleError extends Error {
  readonly code = "invalid_time_scale";
  constructor(value: string) {
    super(
      `${TIME_SCALE_ENV}="${value}" is not a positive number. Fix: unset it, or set a number such as 1 or 600.`,
    );
    this.name = "InvalidTimeScaleError";
  }
}

/** Reads the namespaced keys; empty strings count as unset so env can still supply the value. */
export function readStackConfig(config: ConfigSource): StackConfig {
  const out: StackConfig = {};
  const apiKey = nonEmpty(config.get(API_KEY_CONFIG));
  const baseUrl = nonEmpty(config.get(BASE_URL_CONFIG));
  if (apiKey !== undefined) out.apiKey = apiKey;
  if (baseUrl !== undefined) out.baseUrl = baseUrl;
  const projectId = nonEmpty(config.get(PROJECT_ID_CONFIG));
  if (projectId !== undefined) out.projectId = projectId;
  return out;
}

/** Stack config first, then env; undefined when neither names a project (DedicatedEndpoint stays on v1). */
export function resolveProjectId(
  stack: StackConfig,
  env: NodeJS.ProcessEnv = process.env,
): ProjectSetting | undefined {
  const envId = nonEmpty(env[PROJECT_ID_ENV]);
  const found =
    stack.projectId !== undefined
      ? { projectId: stack.projectId, source: `stack config ${PROJECT_ID_CONFIG}` }
      : envId !== undefined
        ? { projectId: envId, source: `env ${PROJECT_ID_ENV}` }
        : undefined;
  if (found && !PROJECT_ID.test(found.projectId))
    throw new InvalidProjectIdError(found.projectId, found.source);
  return found;
}

/** Stack config first, then env, then the default; throws the errors above with the exact fix. */
export function resolveSettings(stack: StackConfig, env: NodeJS.ProcessEnv = process.env): TogetherSettings {
  const apiKey = stack.apiKey ?? nonEmpty(env[API_KEY_ENV]);
  if (apiKey === undefined) throw new MissingApiKeyError();
  let baseUrl = DEFAULT_BASE_URL;
  let baseUrlSource = "default";
  const envUrl = nonEmpty(env[BASE_URL_ENV]);
  if (stack.baseUrl !== undefined) {
    baseUrl = stack.baseUrl;
    baseUrlSource = `stack config ${BASE_URL_CONFIG}`;
  } else if (envUrl !== undefined) {
    baseUrl = envUrl;
    baseUrlSource = `env ${BASE_URL_ENV}`;
  }
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch {
    throw new InvalidBaseUrlError(baseUrl, baseUrlSource, "is not a valid URL");
  }
  if (!isSecureUrl(url)) {
    throw new InvalidBaseUrlError(
      baseUrl,
      baseUrlSource,
      "is not https; plain http is allowed only to a loopback host (localhost, 127.0.0.0/8, ::1) so the API key never crosses a network in clear",
    );
  }
  return { apiKey, baseUrl, baseUrlSource };
}

export function resolveTimeScale(env: NodeJS.ProcessEnv = process.env): number {
  const raw = nonEmpty(env[TIME_SCALE_ENV]);
  if (raw === undefined) return 1;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidTimeScaleError(raw);
  return n;
}

/** Per-request timeout for the client, or undefined for the client's default. */
export function resolveHttpTimeoutMs(env: NodeJS.ProcessEnv = process.env): number | undefined {
  const raw = nonEmpty(env[HTTP_TIMEOUT_ENV]);
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n <= 0) {
    throw new Error(
      `${HTTP_TIMEOUT_ENV}="${raw}" is not a positive whole number of milliseconds. Fix: unset it (default 60000).`,
    );
  }
  return n;
}

function nonEmpty(v: unknown): string | undefined {
  if (typeof v !== "string") return undefined;
  const t = v.trim();
  return t === "" ? undefined : t;
}
