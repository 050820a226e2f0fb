/** Version of the output layout every resource writes (`schemaVersion` in outputs), so later provider code can
 *  recognise and migrate state written by earlier code (delete and refresh run on old state). */
export const SCHEMA_VERSION = 1;

/**
 * Thrown from create/update after the remote object exists. The dynamic-provider server turns a thrown object
 * with `id` into ErrorResourceInitFailed, so Pulumi keeps `id` + `properties` in state and the next `up` diffs
 * against them (and resumes) instead of creating a second object.
 */
export class PartialFailureError extends Error {
  readonly id: string;
  readonly properties: Record<string, unknown>;
  readonly reasons: string[];

  constructor(id: string, properties: Record<string, unknown>, reasons: string[]) {
    super(reasons.length > 0 ? reasons.join("; ") : `resource ${id} was created but did not become ready`);
    this.name = "PartialFailureError";
    this.id = id;
    this.properties = properties;
    this.reasons = reasons;
  }
}

export function isPartialFailure(e: unknown): e is PartialFailureError {
  return (
    e instanceof PartialFailureError ||
    (e !== null &&
      typeof e === "object" &&
      typeof (e as { id?: unknown }).id === "string" &&
      (e as { id: string }).id !== "" &&
      "properties" in e)
  );
}
