// The spec create and update work from: their (already checked) inputs parsed and defaulted again.
import { checkWithSchema } from "../../shared/check";
import { isUnknown } from "../../shared/types";
import { type DedicatedEndpointSpec, dedicatedEndpointInputsSchema, KIND, normalizeInputs } from "./schema";

/** The Pulumi name the SDK passes in, for messages; "" while unknown. */
export function logicalNameOf(v: Record<string, unknown>): string {
  return typeof v.logicalName === "string" && !isUnknown(v.logicalName) ? v.logicalName : "";
}

/** Parsed, defaulted spec from checked inputs (create/update only ever see checked inputs). */
export function specOf(inputs: Record<string, unknown>): DedicatedEndpointSpec {
  const r = checkWithSchema(KIND, dedicatedEndpointInputsSchema, inputs);
  if (r.value === undefined) throw new Error(r.failures.map((f) => f.reason).join("\n"));
  const spec = normalizeInputs(r.value, logicalNameOf(inputs));
  if (typeof inputs.hourlyPriceUsd === "number") spec.hourlyPriceUsd = inputs.hourlyPriceUsd;
  return spec;
}
