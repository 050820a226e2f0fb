// Default endpoint display names. Imported by the SDK (program side) as well as the provider, so it
// stays pure: no zod, no client, only node:crypto.
import { createHash } from "node:crypto";

export const DISPLAY_NAME_MAX = 60;
const HASH_HEX = 8;

function sanitize(raw: string): string {
  return raw
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, "-")
    .replace(/-{2,}/g, "-")
    .replace(/^-+|-+$/g, "");
}

/**
 * `<project>-<stack>-<name>` lower-cased and reduced to `[a-z0-9-]`, at most 60 characters.
 *
 * Per-branch stacks of one program differ only in the stack name, so the mapping must stay injective
 * where it matters: whenever sanitizing changed anything (case, `_`, `.`, `/`, repeated dashes) or the
 * result had to be cut, an 8-hex hash of the exact parts is appended. `feature_a` and `feature-a`
 * therefore get different names; names that are already lower-case `[a-z0-9-]` stay readable as is.
 */
export function defaultDisplayName(project: string, stack: string, name: string): string {
  const raw = `${project}-${stack}-${name}`;
  const clean = sanitize(raw);
  if (clean === raw && clean.length <= DISPLAY_NAME_MAX) return clean;
  // NUL separators: ("a-b","c") and ("a","b-c") must hash differently.
  const hash = createHash("sha256").update(`${project}\0${stack}\0${name}`).digest("hex").slice(0, HASH_HEX);
  const room = DISPLAY_NAME_MAX - HASH_HEX - 1;
  const head = clean.slice(0, room).replace(/-+$/, "");
  return head ? `${head}-${hash}` : hash;
}
