/** The message of whatever was thrown: an Error's message, anything else as a string (throw sites are not ours). */
export function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
