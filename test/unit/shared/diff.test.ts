import { canonicalEqual, diffByTable, type DiffTable } from "../../../provider/shared/diff";
import { UNKNOWN } from "../../../provider/shared/types";

describe("canonicalEqual", () => {
  it("ignores key order and treats undefined as absent", () => {
    expect(canonicalEqual({ a: 1, b: { c: [1, 2] } }, { b: { c: [1, 2] }, a: 1 })).toBe(true);
    expect(canonicalEqual({ a: 1, b: undefined }, { a: 1 })).toBe(true);
    expect(canonicalEqual(undefined, undefined)).toBe(true);
  });
  it("keeps array order and value types significant", () => {
    expect(canonicalEqual([1, 2], [2, 1])).toBe(false);
    expect(canonicalEqual(1, "1")).toBe(false);
    expect(canonicalEqual(null, undefined)).toBe(false);
    expect(canonicalEqual({ a: null }, {})).toBe(false);
    expect(canonicalEqual([], {})).toBe(false);
    expect(canonicalEqual({ a: { b: 1 } }, { a: { b: 2 } })).toBe(false);
    expect(canonicalEqual(NaN, NaN)).toBe(true);
  });
});

describe("diffByTable", () => {
  const table: DiffTable = { model: "replace", epochs: "replace", displayName: "update", tags: "update" };
  const olds = { model: "m", epochs: 1, displayName: "d", tags: ["a"], computed: "x", logicalName: "n" };

  it("reports no change when table fields are equal, ignoring other fields", () => {
    expect(
      diffByTable(table, olds, {
        model: "m",
        epochs: 1,
        displayName: "d",
        tags: ["a"],
        logicalName: "other",
      }),
    ).toEqual({ changes: false });
  });
  it("reports in-place changes without replaces", () => {
    expect(diffByTable(table, olds, { ...olds, displayName: "e" })).toEqual({ changes: true });
  });
  it("lists replacing fields and honours deleteBeforeReplace only for replacements", () => {
    expect(
      diffByTable(table, olds, { ...olds, model: "n", tags: [] }, { deleteBeforeReplace: true }),
    ).toEqual({
      changes: true,
      replaces: ["model"],
      deleteBeforeReplace: true,
    });
    expect(diffByTable(table, olds, { ...olds, tags: [] }, { deleteBeforeReplace: true })).toEqual({
      changes: true,
    });
  });
  it("counts a removed field as a change", () => {
    const { epochs: _epochs, ...rest } = olds;
    expect(diffByTable(table, olds, rest)).toEqual({ changes: true, replaces: ["epochs"] });
  });
  it("counts an unknown sentinel as a change, even nested", () => {
    expect(diffByTable(table, olds, { ...olds, model: UNKNOWN })).toEqual({
      changes: true,
      replaces: ["model"],
    });
    expect(diffByTable(table, olds, { ...olds, tags: [UNKNOWN] })).toEqual({ changes: true });
  });
});
