// Secrets a request can carry: the API key (header) and third-party tokens inside JSON bodies. Any text the
// client puts into an error message or a log line passes through `redact` with the secrets of that request.

/** Body keys whose values are credentials for other services. */
export const SECRET_BODY_KEYS: ReadonlySet<string> = new Set([
  "hf_api_token",
  "hf_token",
  "wandb_api_key",
  "wandb_key",
]);

export const REDACTED = "[redacted]";

/** Every string value under a secret key, at any depth. */
export function secretsInBody(body: unknown): string[] {
  const found: string[] = [];
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) {
      v.forEach(walk);
    } else if (v !== null && typeof v === "object") {
      for (const [k, child] of Object.entries(v)) {
        if (SECRET_BODY_KEYS.has(k) && typeof child === "string" && child !== "") found.push(child);
        else walk(child);
      }
    }
  };
  walk(body);
  return found;
}

/** Replaces every occurrence of each secret (longest first, so a secret containing another is fully hidden). */
export function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of [...secrets].filter((x) => x.length > 0).sort((a, b) => b.length - a.length)) {
    out = out.split(s).join(REDACTED);
  }
  return out;
}
