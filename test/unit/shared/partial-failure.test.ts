import {
  isPartialFailure,
  PartialFailureError,
  SCHEMA_VERSION,
} from "../../../provider/shared/partial-failure";
import { containsUnknown, isUnknown, UNKNOWN } from "../../../provider/shared/types";

describe("PartialFailureError", () => {
  it("carries id, properties and reasons, with the reasons as message", () => {
    const e = new PartialFailureError("ft-1", { schemaVersion: SCHEMA_VERSION }, [
      "timed out",
      "last state running",
    ]);
    expect(e).toBeInstanceOf(Error);
    expect(e.name).toBe("PartialFailureError");
    expect(e.message).toBe("timed out; last state running");
    expect({ id: e.id, properties: e.properties, reasons: e.reasons }).toEqual({
      id: "ft-1",
      properties: { schemaVersion: 1 },
      reasons: ["timed out", "last state running"],
    });
    expect(isPartialFailure(e)).toBe(true);
  });
  it("recognises the plain shape the server understands, not ordinary errors", () => {
    expect(isPartialFailure({ id: "x", properties: {} })).toBe(true);
    expect(isPartialFailure(new Error("x"))).toBe(false);
    expect(isPartialFailure({ id: "", properties: {} })).toBe(false);
    expect(new PartialFailureError("x", {}, []).message).toContain("x");
  });
});

describe("unknown sentinel", () => {
  it("is detected alone and anywhere inside", () => {
    expect(isUnknown(UNKNOWN)).toBe(true);
    expect(isUnknown("04da6b54")).toBe(false);
    expect(containsUnknown({ a: [1, { b: UNKNOWN }] })).toBe(true);
    expect(containsUnknown({ a: [1, { b: "x" }], c: null })).toBe(false);
  });
});
