import { z } from "zod";
import { checkWithSchema, failure, formatPath } from "../../../provider/shared/check";
import { UNKNOWN } from "../../../provider/shared/types";

const schema = z.object({
  logicalName: z.string(),
  model: z.string().min(1),
  epochs: z.number().int().min(1).max(20).default(1),
  learningRate: z.number().positive().optional(),
  suffix: z
    .string()
    .regex(/^[A-Za-z0-9._-]+$/)
    .max(64)
    .optional(),
  method: z.enum(["lora", "full"]).default("lora"),
  tags: z.array(z.string()).optional(),
  wandb: z.object({ apiKey: z.string().min(8), project: z.string() }).optional(),
});

const base = { logicalName: "job", model: "meta-llama/Llama-3" };

describe("checkWithSchema", () => {
  it("returns the parsed value with defaults and no failures", () => {
    const r = checkWithSchema("FineTuneJob", schema, base);
    expect(r.failures).toEqual([]);
    expect(r.value).toEqual({ ...base, epochs: 1, method: "lora" });
    expect(r.inputs).toEqual(r.value);
  });

  it("reports one failure per path with kind, name, value, range and fix", () => {
    const r = checkWithSchema("FineTuneJob", schema, {
      ...base,
      epochs: 50,
      method: "qlora",
      suffix: "bad suffix!",
    });
    expect(r.value).toBeUndefined();
    expect(r.inputs.epochs).toBe(50);
    const byProp = Object.fromEntries(r.failures.map((f) => [f.property, f.reason]));
    expect(Object.keys(byProp).sort()).toEqual(["epochs", "method", "suffix"]);
    expect(byProp.epochs).toBe(
      'FineTuneJob "job": epochs = 50: is too big, allowed at most 20. Fix: make epochs at most 20',
    );
    expect(byProp.method).toBe(
      'FineTuneJob "job": method = "qlora": is not allowed, allowed one of "lora", "full". Fix: set method to one of "lora", "full"',
    );
    expect(byProp.suffix).toMatch(
      /^FineTuneJob "job": suffix = "bad suffix!": .*allowed values matching .*Fix: /,
    );
  });

  it("explains missing and mistyped fields and names nested paths", () => {
    const r = checkWithSchema("FineTuneJob", schema, {
      logicalName: "job",
      epochs: "3",
      tags: ["a", 2],
      wandb: { project: "p" },
    });
    const byProp = Object.fromEntries(r.failures.map((f) => [f.property, f.reason]));
    expect(byProp.model).toBe(
      'FineTuneJob "job": model = (not set): is required but not set. Fix: set model',
    );
    expect(byProp.epochs).toBe(
      'FineTuneJob "job": epochs = "3": is a string, allowed a number. Fix: give epochs a number value',
    );
    expect(byProp["tags[1]"]).toContain("tags[1] = 2: is a number, allowed a string");
    expect(byProp["wandb.apiKey"]).toContain("is required but not set");
  });

  it("never prints the value of a secret-looking field", () => {
    const r = checkWithSchema("FineTuneJob", schema, { ...base, wandb: { apiKey: "short", project: "p" } });
    expect(r.failures).toHaveLength(1);
    expect(r.failures[0]!.reason).toContain(
      "wandb.apiKey = (secret, not shown): is too short, allowed at least 8 characters",
    );
    expect(r.failures[0]!.reason).not.toContain('short"');
  });

  it("merges several issues on one path into one failure", () => {
    const s = z.object({
      name: z
        .string()
        .min(5)
        .regex(/^[a-z]+$/),
    });
    const r = checkWithSchema("X", s, { name: "AB" });
    expect(r.failures).toHaveLength(1);
    expect(r.failures[0]!.reason).toMatch(/^X: name = "AB": is too short.*; .*matching/);
  });

  it("keeps refine messages and adds a fix only when missing", () => {
    const s = z
      .object({ a: z.number(), b: z.number() })
      .refine((v) => v.a < v.b, { message: "a must be below b", path: ["a"] })
      .refine((v) => v.a > 0, { message: "a must be positive. Fix: use 1", path: ["a"] });
    const r = checkWithSchema("X", s, { a: 0, b: -1 });
    expect(r.failures).toEqual([
      failure("a", "X: a = 0: a must be below b. Fix: change a; a must be positive. Fix: use 1"),
    ]);
  });

  it("reports unknown keys of strict objects, one per key", () => {
    const s = z.strictObject({ a: z.number() });
    const r = checkWithSchema("X", s, { a: 1, colour: "red", size: 2 });
    expect(r.failures.map((f) => f.property).sort()).toEqual(["colour", "size"]);
    expect(r.failures[0]!.reason).toContain("is not a known argument");
  });

  it("skips unknown sentinel fields and keeps them in the returned inputs", () => {
    const r = checkWithSchema("FineTuneJob", schema, { ...base, suffix: UNKNOWN, tags: ["x", UNKNOWN] });
    expect(r.failures).toEqual([]);
    expect(r.inputs).toEqual({ ...base, suffix: UNKNOWN, tags: ["x", UNKNOWN], epochs: 1, method: "lora" });
    expect(r.value).toEqual(r.inputs);
  });

  it("checks and defaults everything else when a required field is unknown, and keeps the unknown", () => {
    const news = { ...base, model: UNKNOWN };
    const r = checkWithSchema("FineTuneJob", schema, news);
    expect(r.failures).toEqual([]);
    expect(r.value).toEqual({ ...base, model: UNKNOWN, epochs: 1, method: "lora" });
    expect(r.inputs).toEqual(r.value);
  });

  it("still reports a bad field beside an unknown required one", () => {
    const r = checkWithSchema("FineTuneJob", schema, { ...base, model: UNKNOWN, epochs: 0 });
    expect(r.failures.map((f) => f.property)).toEqual(["epochs"]);
    expect(r.value).toBeUndefined();
  });

  it("skips a nested unknown and still reports real failures elsewhere", () => {
    const r = checkWithSchema("FineTuneJob", schema, {
      ...base,
      epochs: 0,
      wandb: { apiKey: UNKNOWN, project: "p" },
    });
    expect(r.failures.map((f) => f.property)).toEqual(["epochs"]);
    expect(r.inputs.wandb).toEqual({ apiKey: UNKNOWN, project: "p" });
  });

  it("returns no value but no failures when only unknowns made parsing fail", () => {
    const s = z.object({ a: z.string() }).refine((v) => v.a.length > 0, { message: "empty" });
    const news = { a: UNKNOWN };
    const r = checkWithSchema("X", s, news);
    expect(r.failures).toEqual([]);
    expect(r.inputs).toBe(news);
  });

  it("names the resource only when logicalName is known", () => {
    expect(checkWithSchema("X", z.object({ a: z.number() }), {}).failures[0]!.reason).toMatch(/^X: a = /);
    expect(
      checkWithSchema("X", z.object({ a: z.number() }), { logicalName: UNKNOWN }).failures[0]!.reason,
    ).toMatch(/^X: a = /);
  });

  it("formats paths", () => {
    expect(formatPath(["a", 0, "b"])).toBe("a[0].b");
    expect(formatPath([])).toBe("");
  });
});
