// Request fields that carry secrets. The transport redacts their values, with the API key, from every error
// message and log line a request produces (provider/shared/redact.ts).

/** Body keys whose values are credentials for other services. */
export const SECRET_BODY_KEYS: ReadonlySet<string> = new Set([
  "hf_api_token",
  "hf_token",
  "wandb_api_key",
  "wandb_key",
]);

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
