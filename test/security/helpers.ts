// Shared by the security tests: recognisable secret values, and a search for them that ignores the places a
// secret is allowed to be (Pulumi's secret envelopes in state).
import { SECRET_SIG_KEY } from "../../testing/secrets";

/** Values that appear nowhere unless one of ours leaked (never substrings of one another). */
export const SCAN = {
  apiKey: "tgk-SCAN-7f3a91c2d8e4b6a05f1e",
  hfToken: "hf_SCANq8ZtR2vLmN4pX7wYbC3dE",
  wandbKey: "wandb-SCAN-0d9c8b7a6f5e4d3c2b1a",
} as const;

export type SecretName = keyof typeof SCAN;

/** The value with every Pulumi secret envelope replaced by a marker: what may not hold a secret. */
export function withoutEnvelopes(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(withoutEnvelopes);
  if (v === null || typeof v !== "object") return v;
  if (SECRET_SIG_KEY in v) return "[secret]";
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, withoutEnvelopes(x)]));
}

/** Where each secret value occurs in `text` (as "<where>: <secret name>"). */
export function leaks(where: string, text: string): string[] {
  return (Object.keys(SCAN) as SecretName[])
    .filter((k) => text.includes(SCAN[k]))
    .map((k) => `${where}: ${k}`);
}
