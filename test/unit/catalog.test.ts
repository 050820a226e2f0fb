import {
  catalogEntriesFor,
  deprecationFor,
  fineTuningCatalog,
  modelDeprecations,
} from "../../provider/catalog";

describe("shipped catalogue", () => {
  test("reads every fine-tunable row with numeric limits", () => {
    const rows = fineTuningCatalog();
    expect(rows.length).toBe(142);
    for (const r of rows) {
      expect(["lora", "lora-long-context", "full"]).toContain(r.trainingType);
      expect(r.model).toMatch(/\S/);
      expect(Number.isInteger(r.maxBatchSizeSft)).toBe(true);
      expect(r.minBatchSize).toBeLessThanOrEqual(r.maxBatchSizeSft);
    }
  });

  test("a model can have LoRA and full rows", () => {
    const types = catalogEntriesFor("Qwen/Qwen3-0.6B").map((e) => e.trainingType);
    expect(types.sort()).toEqual(["full", "lora"]);
    expect(catalogEntriesFor("no/such-model")).toEqual([]);
  });

  test("deprecations are looked up case-insensitively", () => {
    expect(modelDeprecations().length).toBe(138);
    const d = deprecationFor("QWEN-QWEN2-5-14B-INSTRUCT-LORA");
    expect(d).toMatchObject({
      kind: "planned",
      replacementOrDedicatedSupport: "meta-llama/Meta-Llama-3.1-8B-Instruct-lora",
    });
    expect(deprecationFor("Qwen/Qwen3-0.6B")).toBeUndefined();
  });
});
