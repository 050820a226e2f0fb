import { SCHEMA_VERSION } from "./partial-failure";

/**
 * A resource whose state a newer pulumi-together wrote (a teammate or CI upgraded first) must not be read,
 * updated or deleted by older code that may misread it: the call stops with the upgrade command. Undefined
 * when the state is one this code knows.
 */
export function newerStateProblem(kind: string, state: Record<string, unknown>): string | undefined {
  const version = state.schemaVersion;
  if (typeof version !== "number" || version <= SCHEMA_VERSION) return undefined;
  const name = typeof state.logicalName === "string" ? ` "${state.logicalName}"` : "";
  return (
    `${kind}${name}: its state was written by a newer pulumi-together (state layout ${version}; this version ` +
    `reads up to ${SCHEMA_VERSION}). Nothing was changed. Fix: run \`npm install pulumi-together@latest\` in the ` +
    `Pulumi program's directory.`
  );
}
