// The engine's handling of secrets for a provider that does not accept them (the dynamic provider answers
// Configure with acceptSecrets=false): secret markers are stripped before every RPC, and the results are
// re-marked by matching them against the inputs (annotateSecrets) plus additionalSecretOutputs.
export const SECRET_SIG_KEY = "4dabf18193072939515e22adb298388d";
export const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";

export type Props = Record<string, unknown>;

export interface SecretEnvelope {
  [SECRET_SIG_KEY]: typeof SECRET_SIG;
  value: unknown;
}

export function isSecret(v: unknown): v is SecretEnvelope {
  return v !== null && typeof v === "object" && (v as Props)[SECRET_SIG_KEY] === SECRET_SIG;
}

export function secret(value: unknown): unknown {
  return isSecret(value) ? value : { [SECRET_SIG_KEY]: SECRET_SIG, value };
}

export function containsSecret(v: unknown): boolean {
  if (isSecret(v)) return true;
  if (Array.isArray(v)) return v.some(containsSecret);
  if (v !== null && typeof v === "object") return Object.values(v).some(containsSecret);
  return false;
}

/** Plaintext, as the provider receives it. */
export function unwrapSecrets<T>(v: T): T {
  if (isSecret(v)) return unwrapSecrets(v.value) as T;
  if (Array.isArray(v)) return v.map(unwrapSecrets) as T;
  if (v !== null && typeof v === "object") {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, unwrapSecrets(x)])) as T;
  }
  return v;
}

/**
 * Re-marks outputs: an output is secret where the same-key input was secret (recursing into objects; a list is
 * secret as a whole if any element was), and every top-level key in additionalSecretOutputs is secret.
 */
export function annotateSecrets(
  outputs: Props,
  inputs: Props,
  additionalSecretOutputs: string[] = [],
): Props {
  const out = annotate(outputs, inputs) as Props;
  for (const key of additionalSecretOutputs) {
    if (key in out) out[key] = secret(out[key]);
  }
  return out;
}

function annotate(output: unknown, input: unknown): unknown {
  if (isSecret(output)) return output;
  if (input === undefined) return output;
  if (isSecret(input)) return secret(output);
  if (Array.isArray(input)) return input.some(containsSecret) ? secret(output) : output;
  if (
    input !== null &&
    typeof input === "object" &&
    output !== null &&
    typeof output === "object" &&
    !Array.isArray(output)
  ) {
    const res: Props = {};
    for (const [k, v] of Object.entries(output)) res[k] = annotate(v, (input as Props)[k]);
    return res;
  }
  return output;
}
