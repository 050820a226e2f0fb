// Secrets that clients send in bodies (W&B key, Hugging Face token) must never reach a response or the
// request log; the log keeps the key names with "***" so tests can see that a value was sent.
const SECRET_KEYS = new Set(["wandb_api_key", "wandb_key", "hf_api_token", "hf_token", "api_key"]);

export function redactSecrets(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redactSecrets);
  if (typeof value !== "object" || value === null) return value;
  return Object.fromEntries(
    Object.entries(value).map(([k, v]) => [
      k,
      SECRET_KEYS.has(k.toLowerCase()) && v !== null && v !== "" ? "***" : redactSecrets(v),
    ]),
  );
}

export function redactHeaders(
  headers: Record<string, string | string[] | undefined>,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    const v = Array.isArray(value) ? value.join(", ") : value;
    const lower = name.toLowerCase();
    out[lower] = lower === "authorization" ? (/^bearer\s/i.test(v) ? "Bearer ***" : "***") : v;
  }
  return out;
}
