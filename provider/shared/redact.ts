// The provider's one secret redactor. The runtime's process-wide registry redacts every log line and thrown
// error; the client redacts each request's key and body tokens from the messages it builds (`redact`).
export const REDACTED = "[redacted]";

/** Shorter values would redact ordinary words out of every message; no real credential is this short. */
const MIN_SECRET_LENGTH = 4;

/**
 * The spellings a secret takes in the text a server echoes back: as is; inside a JSON string (`"`, `\` and
 * control characters escaped), as in a quoted request body; percent-encoded as in a URL (encodeURIComponent)
 * and as in a form body (URLSearchParams, which also encodes `!'()~` and writes a space as `+`).
 */
function spellings(secret: string): string[] {
  return [
    secret,
    JSON.stringify(secret).slice(1, -1),
    encodeURIComponent(secret),
    new URLSearchParams({ s: secret }).toString().slice("s=".length),
  ];
}

/**
 * The values that must never leave the provider process: the API key and every third-party token a lifecycle
 * registers, each matched in all its spellings.
 */
export class SecretRegistry {
  private readonly needles = new Set<string>();

  add(value: string | undefined): void {
    if (typeof value !== "string") return;
    for (const v of [value, value.trim()]) {
      if (v.length < MIN_SECRET_LENGTH) continue;
      for (const spelling of spellings(v)) this.needles.add(spelling);
    }
  }

  get size(): number {
    return this.needles.size;
  }

  redact(text: string, replacement = REDACTED): string {
    if (this.needles.size === 0) return text;
    let out = text;
    // Longest first, so a secret that contains another is replaced whole.
    for (const needle of [...this.needles].sort((a, b) => b.length - a.length)) {
      if (out.includes(needle)) out = out.split(needle).join(replacement);
    }
    return out;
  }

  /** A redacted deep copy: strings redacted (object keys too), Errors rebuilt by redactError, cycles cut. */
  redactValue(value: unknown): unknown {
    return this.copy(value, new WeakMap());
  }

  /**
   * An Error safe to hand to Pulumi: same prototype (so `instanceof`, `name` and guards still work), message,
   * stack and every own property redacted. Non-Errors become Errors; a thrown `{id, properties, reasons}` keeps
   * that shape, which the dynamic-provider server turns into a partial failure.
   */
  redactError(err: unknown): Error {
    return this.copyError(err, new WeakMap());
  }

  private copyError(err: unknown, seen: WeakMap<object, unknown>): Error {
    if (err instanceof Error) {
      const hit = seen.get(err);
      if (hit instanceof Error) return hit;
      const out = new Error(this.redact(err.message));
      Object.setPrototypeOf(out, Object.getPrototypeOf(err) as object);
      seen.set(err, out);
      const fields: Record<string, unknown> = {};
      for (const key of Object.getOwnPropertyNames(err)) {
        if (key === "message" || key === "stack") continue;
        fields[key] = this.copy((err as unknown as Record<string, unknown>)[key], seen);
      }
      Object.assign(out, fields);
      out.stack = this.redact(err.stack ?? `${err.name}: ${err.message}`);
      return out;
    }
    if (err !== null && typeof err === "object") {
      const copied = this.copy(err, seen) as Record<string, unknown>;
      const message = typeof copied.message === "string" ? copied.message : this.redact(safeJson(err));
      const out = new Error(message);
      Object.assign(out, copied, { message });
      return out;
    }
    return new Error(this.redact(String(err)));
  }

  private copy(value: unknown, seen: WeakMap<object, unknown>): unknown {
    if (typeof value === "string") return this.redact(value);
    if (value === null || typeof value !== "object") return value;
    if (value instanceof Error) return this.copyError(value, seen);
    const hit = seen.get(value);
    if (hit !== undefined) return hit;
    if (Array.isArray(value)) {
      const out: unknown[] = [];
      seen.set(value, out);
      for (const item of value) out.push(this.copy(item, seen));
      return out;
    }
    if (Buffer.isBuffer(value) || value instanceof Date) return value;
    const out: Record<string, unknown> = {};
    seen.set(value, out);
    for (const [k, v] of Object.entries(value)) out[this.redact(k)] = this.copy(v, seen);
    return out;
  }
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

/** The provider process's registry: one process serves every resource of a deployment. */
export const processSecrets = new SecretRegistry();

/** `text` without `secrets`, by SecretRegistry's rules: for secrets that belong to one call (a request's). */
export function redact(text: string, secrets: Iterable<string | undefined>, replacement = REDACTED): string {
  const registry = new SecretRegistry();
  for (const secret of secrets) registry.add(secret);
  return registry.redact(text, replacement);
}
