// replaceOnChanges on dynamic resources: the Node.js dynamic-provider server never sends the engine the
// changed keys (DiffResponse `diffs`/`detailedDiff`) that the option is matched against, so the SDK passes
// the paths as an input and diffByTable turns a covered change into a replace.
import {
  diffByTable,
  parsePropertyPath,
  REPLACE_ON_CHANGES_KEY,
  replaceOnChangesInput,
  type DiffTable,
} from "../../../provider/shared/diff";
import { lifecycles } from "../../../provider/resources";
import { dispatch, resetRuntimeForTests } from "../../../provider/runtime";
import { UNKNOWN, type ResourceLifecycle } from "../../../provider/shared/types";

const table: DiffTable = { model: "replace", displayName: "update", autoscaling: "update", tags: "update" };
const olds = {
  model: "m",
  displayName: "d",
  autoscaling: { minReplicas: 1, maxReplicas: 2 },
  tags: [{ k: "a", v: 1 }],
  logicalName: "n",
};
const withPaths = (news: Record<string, unknown>, ...paths: string[]) => ({
  ...news,
  [REPLACE_ON_CHANGES_KEY]: paths,
});

describe("parsePropertyPath", () => {
  it("reads Pulumi's property path forms", () => {
    expect(parsePropertyPath("displayName")).toEqual(["displayName"]);
    expect(parsePropertyPath("autoscaling.maxReplicas")).toEqual(["autoscaling", "maxReplicas"]);
    expect(parsePropertyPath('tags[0]["k.v"].x')).toEqual(["tags", 0, "k.v", "x"]);
    expect(parsePropertyPath("*")).toHaveLength(1);
    expect(parsePropertyPath("tags[*].v")).toHaveLength(3);
  });
  it("rejects malformed paths", () => {
    for (const bad of ["", "a.", "a..b", "a[", "a[x]", 'a["b'])
      expect(parsePropertyPath(bad)).toBeUndefined();
  });
});

describe("diffByTable with replaceOnChanges", () => {
  it("replaces on a covered in-place field, and only when it changed", () => {
    const news = withPaths({ ...olds, displayName: "e" }, "displayName");
    expect(diffByTable(table, olds, news)).toEqual({ changes: true, replaces: ["displayName"] });
    expect(diffByTable(table, olds, withPaths({ ...olds, tags: [] }, "displayName"))).toEqual({
      changes: true,
    });
    expect(diffByTable(table, olds, withPaths(olds, "displayName"))).toEqual({ changes: false });
  });
  it("is the same update as before without the option", () => {
    expect(diffByTable(table, olds, { ...olds, displayName: "e" })).toEqual({ changes: true });
    expect(diffByTable(table, olds, { ...olds, displayName: "e", [REPLACE_ON_CHANGES_KEY]: [] })).toEqual({
      changes: true,
    });
  });
  it("matches nested paths by the value they lead to", () => {
    const minChanged = { ...olds, autoscaling: { minReplicas: 0, maxReplicas: 2 } };
    expect(diffByTable(table, olds, withPaths(minChanged, "autoscaling.maxReplicas"))).toEqual({
      changes: true,
    });
    expect(diffByTable(table, olds, withPaths(minChanged, "autoscaling.minReplicas"))).toEqual({
      changes: true,
      replaces: ["autoscaling"],
    });
    const vChanged = { ...olds, tags: [{ k: "a", v: 2 }] };
    expect(diffByTable(table, olds, withPaths(vChanged, "tags[0].k"))).toEqual({ changes: true });
    expect(diffByTable(table, olds, withPaths(vChanged, "tags[*].v"))).toEqual({
      changes: true,
      replaces: ["tags"],
    });
    expect(
      diffByTable(table, olds, withPaths({ ...olds, tags: [...olds.tags, { k: "a", v: 1 }] }, "tags[*].k")),
    ).toEqual({ changes: true, replaces: ["tags"] });
  });
  it('"*" replaces on any change the table reports, never on fields it ignores', () => {
    expect(diffByTable(table, olds, withPaths({ ...olds, displayName: "e", tags: [] }, "*"))).toEqual({
      changes: true,
      replaces: ["displayName", "tags"],
    });
    expect(
      diffByTable(table, olds, withPaths({ ...olds, logicalName: "other" }, "*", "logicalName")),
    ).toEqual({
      changes: false,
    });
  });
  it("counts an unknown value as a change (preview shows the possible replace)", () => {
    expect(diffByTable(table, olds, withPaths({ ...olds, displayName: UNKNOWN }, "displayName"))).toEqual({
      changes: true,
      replaces: ["displayName"],
    });
  });
  it("keeps deleteBeforeReplace and the table's own replaces", () => {
    const news = withPaths({ ...olds, model: "n", displayName: "e" }, "displayName");
    expect(diffByTable(table, olds, news, { deleteBeforeReplace: true })).toEqual({
      changes: true,
      replaces: ["model", "displayName"],
      deleteBeforeReplace: true,
    });
  });
  it("ignores malformed paths and values that are not path lists", () => {
    expect(diffByTable(table, olds, withPaths({ ...olds, displayName: "e" }, "a..b"))).toEqual({
      changes: true,
    });
    expect(
      diffByTable(table, olds, { ...olds, displayName: "e", [REPLACE_ON_CHANGES_KEY]: "displayName" }),
    ).toEqual({ changes: true });
  });
});

describe("replaceOnChangesInput (the SDK's half)", () => {
  it("adds the input only when the option lists paths, as a copy", () => {
    const paths = ["displayName"];
    const input = replaceOnChangesInput({ replaceOnChanges: paths });
    expect(input).toEqual({ [REPLACE_ON_CHANGES_KEY]: ["displayName"] });
    expect(input[REPLACE_ON_CHANGES_KEY]).not.toBe(paths);
    expect(replaceOnChangesInput({ replaceOnChanges: [] })).toEqual({});
    expect(replaceOnChangesInput({})).toEqual({});
    expect(replaceOnChangesInput(undefined)).toEqual({});
  });
});

describe("the runtime carries the paths from check to diff and hides them elsewhere", () => {
  const saved = lifecycles.TrainingFile;
  let seen: { method: string; args: unknown[] }[];

  beforeEach(() => {
    resetRuntimeForTests();
    seen = [];
    const fake = Object.fromEntries(
      (["check", "diff", "create", "read", "update", "delete"] as const).map((m) => [
        m,
        async (...args: unknown[]) => {
          seen.push({ method: m, args: args.slice(0, -1) });
          if (m === "check") return { inputs: { a: 1 } };
          if (m === "diff") return { changes: false };
          return { id: "id-1", outs: { a: 1 } };
        },
      ]),
    ) as unknown as ResourceLifecycle;
    lifecycles.TrainingFile = () => fake;
  });
  afterAll(() => {
    lifecycles.TrainingFile = saved;
    resetRuntimeForTests();
  });

  it("check keeps the paths in the checked inputs; no lifecycle method but diff sees them", async () => {
    const props = { a: 1, [REPLACE_ON_CHANGES_KEY]: ["a"] };
    await expect(dispatch("TrainingFile", "check", props, props)).resolves.toEqual({
      inputs: { a: 1, [REPLACE_ON_CHANGES_KEY]: ["a"] },
    });
    await dispatch("TrainingFile", "diff", "id-1", props, props);
    await dispatch("TrainingFile", "create", props);
    await dispatch("TrainingFile", "read", "id-1", props);
    await dispatch("TrainingFile", "update", "id-1", props, props);
    await dispatch("TrainingFile", "delete", "id-1", props);
    expect(seen).toEqual([
      { method: "check", args: [{ a: 1 }, { a: 1 }] },
      { method: "diff", args: ["id-1", { a: 1 }, props] },
      { method: "create", args: [{ a: 1 }] },
      { method: "read", args: ["id-1", { a: 1 }] },
      { method: "update", args: ["id-1", { a: 1 }, { a: 1 }] },
      { method: "delete", args: ["id-1", { a: 1 }] },
    ]);
  });

  it("check without the option adds nothing", async () => {
    await expect(dispatch("TrainingFile", "check", {}, { a: 1 })).resolves.toEqual({ inputs: { a: 1 } });
  });

  it("a DedicatedEndpoint display-name change replaces under replaceOnChanges, and updates without it", async () => {
    const endpoint = {
      model: "Qwen/Qwen3-0.6B",
      hardware: "1x_nvidia_l40s_48gb_pcie",
      displayName: "v1",
      autoscaling: { minReplicas: 1, maxReplicas: 1 },
      state: "STOPPED",
      logicalName: "e",
    };
    const renamed = { ...endpoint, displayName: "v2" };
    await expect(dispatch("DedicatedEndpoint", "diff", "endpoint-1", endpoint, renamed)).resolves.toEqual({
      changes: true,
    });
    await expect(
      dispatch("DedicatedEndpoint", "diff", "endpoint-1", endpoint, withPaths(renamed, "displayName")),
    ).resolves.toEqual({ changes: true, replaces: ["displayName"] });
  });
});
