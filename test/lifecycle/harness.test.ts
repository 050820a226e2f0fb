import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { HarnessRunError, LifecycleHarness, type RunResult } from "../../testing/harness";
import { isSecret, SECRET_SIG_KEY } from "../../testing/secrets";
import { ToyBucket, ToyObject } from "./fixtures/toy-provider";

interface ProgramOptions {
  bucketName?: string;
  tags?: Record<string, string>;
  withObject?: boolean;
  content?: string;
  failOnce?: boolean;
  secretOutputs?: string[];
  bucketDeleteBeforeReplace?: boolean;
  /** More options for the object (ignoreChanges, protect). */
  objectOptions?: pulumi.CustomResourceOptions;
}

function program(o: ProgramOptions = {}): () => Record<string, unknown> {
  return () => {
    const cfg = new pulumi.Config("toy");
    const storeDir = cfg.require("storeDir");
    const bucket = new ToyBucket(
      "b1",
      { storeDir, bucketName: o.bucketName ?? "alpha", ...(o.tags ? { tags: o.tags } : {}) },
      { deleteBeforeReplace: o.bucketDeleteBeforeReplace ?? false },
    );
    const outputs: Record<string, unknown> = { bucketArn: bucket.arn };
    if (o.withObject !== false) {
      const apiKey = cfg.getSecret("apiKey");
      const obj = new ToyObject(
        "o1",
        {
          storeDir,
          bucketArn: bucket.arn,
          key: "k1",
          content: o.content ?? "hello",
          ...(apiKey ? { apiKey } : {}),
          ...(o.failOnce ? { failOnce: true } : {}),
        },
        { additionalSecretOutputs: o.secretOutputs ?? [], ...o.objectOptions },
      );
      outputs.etag = obj.etag;
    }
    return outputs;
  };
}

const ops = (r: RunResult) => Object.fromEntries(r.ops.map((o) => [o.name, o.op]));
const BUCKET = "pulumi-nodejs:dynamic/toy:Bucket::b1";
const OBJECT = "pulumi-nodejs:dynamic/toy:Object::o1";

function setup() {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "harness-test-"));
  const store = path.join(root, "store");
  fs.mkdirSync(store);
  const harness = new LifecycleHarness({
    stateFile: path.join(root, "state.json"),
    env: { TOY_LOG_TAG: "tag-42" },
  });
  const records = () =>
    Object.fromEntries(
      fs
        .readdirSync(store)
        .filter((f) => f.endsWith(".json"))
        .map((f) => [f.slice(0, -5), JSON.parse(fs.readFileSync(path.join(store, f), "utf8"))]),
    );
  return { root, store, harness, records, config: { "toy:storeDir": store } };
}

function processGone(pid: number | undefined): boolean {
  expect(pid).toBeDefined();
  try {
    process.kill(pid!, 0);
    return false;
  } catch {
    return true;
  }
}

describe("lifecycle harness: preview, up, update, replace, refresh, destroy", () => {
  const t = setup();
  afterAll(() => fs.rmSync(t.root, { recursive: true, force: true }));

  it("previews creates without calling create or writing state", async () => {
    const r = await t.harness.preview(program(), { config: t.config });
    expect(r.ops.map((o) => o.op)).toEqual(["create(preview)", "create(preview)"]);
    expect(t.records()).toEqual({});
    expect(fs.existsSync(path.join(t.root, "state.json"))).toBe(false);
    expect(r.outputs.bucketArn).toBeUndefined();
  });

  it("creates, passing real outputs to dependents, and captures the provider log with the extra env", async () => {
    const r = await t.harness.up(program(), { config: t.config });
    expect(ops(r)).toEqual({ b1: "create", o1: "create" });
    const arn = r.outputs.bucketArn as string;
    expect(arn).toMatch(/^toy:bucket:alpha-[0-9a-f]{6}$/);
    expect(t.records()["obj-k1"]).toMatchObject({ bucketArn: arn, content: "hello" });
    expect(r.outputs.etag).toBe("5-1");
    expect(r.providerLog).toMatch(/toy: created bucket alpha-[0-9a-f]{6} tag-42/);
    expect(r.ops.every((o) => o.durationMs >= 0 && o.type.startsWith("pulumi-nodejs:dynamic/toy:"))).toBe(
      true,
    );
    expect(t.harness.state().resources.map((e) => e.key)).toEqual([BUCKET, OBJECT]);
    expect(processGone(r.providerPid)).toBe(true);
    expect(r.timings).toEqual({ totalMs: expect.any(Number), providerStartMs: expect.any(Number) });
  });

  it("reports same when nothing changed", async () => {
    const r = await t.harness.up(program(), { config: t.config });
    expect(ops(r)).toEqual({ b1: "same", o1: "same" });
  });

  it("updates in place", async () => {
    const r = await t.harness.up(program({ content: "bonjour" }), { config: t.config });
    expect(ops(r)).toEqual({ b1: "same", o1: "update" });
    expect(r.outputs.etag).toBe("7-2");
    expect(t.records()["obj-k1"]).toMatchObject({ content: "bonjour" });
  });

  it("previews a replacement, and the dependent's unknown input as a replacement too", async () => {
    const before = t.records();
    const r = await t.harness.preview(program({ content: "bonjour", bucketName: "beta" }), {
      config: t.config,
    });
    expect(ops(r)).toEqual({ b1: "replace(preview)", o1: "replace(preview)" });
    expect(t.records()).toEqual(before);
  });

  it("replaces create-before-delete by default and delete-before-create when the diff asks", async () => {
    const oldArn = t.harness.state().resources[0]!.outputs.arn as string;
    const r = await t.harness.up(program({ content: "bonjour", bucketName: "beta" }), { config: t.config });
    expect(r.ops.map((o) => `${o.name}:${o.op}`)).toEqual([
      "b1:replace(create-before-delete)",
      "o1:replace(delete-before-create)",
      "b1:delete(replaced)",
    ]);
    const newArn = r.outputs.bucketArn as string;
    expect(newArn).toMatch(/^toy:bucket:beta-/);
    const recs = t.records();
    expect(Object.keys(recs).sort()).toEqual([newArn.split(":")[2], "obj-k1"].sort());
    expect(recs["obj-k1"].bucketArn).toBe(newArn);
    expect(oldArn).not.toBe(newArn);
  });

  it("replaces delete-before-create when the resource option asks", async () => {
    const r = await t.harness.up(
      program({ content: "bonjour", bucketName: "gamma", bucketDeleteBeforeReplace: true }),
      {
        config: t.config,
      },
    );
    expect(ops(r).b1).toBe("replace(delete-before-create)");
    expect(Object.keys(t.records()).filter((k) => k.startsWith("beta"))).toEqual([]);
  });

  it("refreshes drift, and the next up restores it", async () => {
    const file = path.join(t.store, "obj-k1.json");
    fs.writeFileSync(
      file,
      JSON.stringify({ ...JSON.parse(fs.readFileSync(file, "utf8")), content: "tampered" }),
    );
    const r = await t.harness.refresh({ config: t.config });
    expect(ops(r)).toEqual({ b1: "refresh(same)", o1: "refresh(drift)" });
    expect(t.harness.state().resources[1]!.outputs.content).toBe("tampered");
    const up = await t.harness.up(program({ content: "bonjour", bucketName: "gamma" }), { config: t.config });
    expect(ops(up)).toEqual({ b1: "same", o1: "update" });
    expect(t.records()["obj-k1"].content).toBe("bonjour");
  });

  it("drops a resource that is gone on refresh, and the next up creates it again", async () => {
    fs.rmSync(path.join(t.store, "obj-k1.json"));
    const r = await t.harness.refresh({ config: t.config });
    expect(ops(r)).toEqual({ b1: "refresh(same)", o1: "refresh(deleted)" });
    expect(t.harness.state().resources.map((e) => e.key)).toEqual([BUCKET]);
    const up = await t.harness.up(program({ content: "bonjour", bucketName: "gamma" }), { config: t.config });
    expect(ops(up)).toEqual({ b1: "same", o1: "create" });
  });

  it("deletes a resource removed from the program", async () => {
    const r = await t.harness.up(program({ bucketName: "gamma", withObject: false }), { config: t.config });
    expect(ops(r)).toEqual({ b1: "same", o1: "delete" });
    expect(Object.keys(t.records())).toHaveLength(1);
  });

  it("destroys everything", async () => {
    const r = await t.harness.destroy({ config: t.config });
    expect(r.ops.map((o) => o.op)).toEqual(["delete"]);
    expect(t.records()).toEqual({});
    expect(t.harness.state().resources).toEqual([]);
  });
});

describe("lifecycle harness: failures and secrets", () => {
  let t: ReturnType<typeof setup>;
  beforeEach(() => {
    t = setup();
  });
  afterEach(() => fs.rmSync(t.root, { recursive: true, force: true }));

  it("keeps a partial failure in state and resumes it with an update on the next up", async () => {
    const err = (await t.harness
      .up(program({ failOnce: true }), { config: t.config })
      .catch((e) => e)) as HarnessRunError;
    expect(err).toBeInstanceOf(HarnessRunError);
    expect(err.message).toContain("object stored but failed to initialise");
    expect(err.ops.find((o) => o.name === "o1")).toMatchObject({
      op: "create",
      detail: expect.stringMatching(/^partial failure/),
    });
    const failed = t.harness.state().resources.find((e) => e.key === OBJECT)!;
    expect(failed).toMatchObject({
      id: "obj-k1",
      initErrors: ["simulated init failure"],
      outputs: { ready: false },
    });
    expect(processGone(err.providerPid)).toBe(true);

    const r = await t.harness.up(program({ failOnce: true }), { config: t.config });
    expect(r.ops.find((o) => o.name === "o1")).toMatchObject({
      op: "update",
      detail: expect.stringContaining("initErrors"),
    });
    const resumed = t.harness.state().resources.find((e) => e.key === OBJECT)!;
    expect(resumed.initErrors).toBeUndefined();
    expect(resumed.outputs.ready).toBe(true);
    expect(Object.keys(t.records()).filter((k) => k.startsWith("obj-"))).toEqual(["obj-k1"]);
  });

  it("re-marks same-key outputs and additionalSecretOutputs as secret; the provider sees plaintext", async () => {
    const config = { ...t.config, "toy:apiKey": "s3cr3t-value" };
    await t.harness.up(program(), { config, secretKeys: ["toy:apiKey"] });
    let obj = t.harness.state().resources.find((e) => e.key === OBJECT)!;
    expect(isSecret(obj.outputs.apiKey)).toBe(true);
    expect(isSecret(obj.inputs.apiKey)).toBe(true);
    expect(obj.outputs.apiKeyLength).toBe(12);
    expect(t.records()["obj-k1"].apiKey).toBe("s3cr3t-value");

    await t.harness.up(program({ secretOutputs: ["apiKeyLength"] }), { config, secretKeys: ["toy:apiKey"] });
    obj = t.harness.state().resources.find((e) => e.key === OBJECT)!;
    expect(obj.outputs.apiKeyLength).toEqual({ [SECRET_SIG_KEY]: expect.any(String), value: 12 });
  });

  it("surfaces a check failure with its message, touches nothing and ends the provider", async () => {
    const err = (await t.harness
      .up(program({ bucketName: "Not Valid" }), { config: t.config })
      .catch((e) => e)) as HarnessRunError;
    expect(err).toBeInstanceOf(HarnessRunError);
    expect(err.message).toContain(
      'check failed: bucketName: invalid bucket name "Not Valid": use a-z, 0-9 and -',
    );
    expect(err.ops).toEqual([expect.objectContaining({ op: "check", name: "b1" })]);
    expect(t.records()).toEqual({});
    expect(t.harness.state().resources).toEqual([]);
    expect(processGone(err.providerPid)).toBe(true);
  });
});

describe("lifecycle harness: engine options, as the real engine applies them", () => {
  let t: ReturnType<typeof setup>;
  beforeEach(() => {
    t = setup();
  });
  afterEach(() => fs.rmSync(t.root, { recursive: true, force: true }));

  it("ignoreChanges: the ignored input keeps its old value, so nothing changes", async () => {
    await t.harness.up(program(), { config: t.config });
    const r = await t.harness.up(
      program({ content: "bonjour", objectOptions: { ignoreChanges: ["content"] } }),
      {
        config: t.config,
      },
    );
    expect(ops(r)).toEqual({ b1: "same", o1: "same" });
    expect(t.records()["obj-k1"]).toMatchObject({ content: "hello" });
    // Without the option the same change is an update.
    const r2 = await t.harness.up(program({ content: "bonjour" }), { config: t.config });
    expect(ops(r2)).toEqual({ b1: "same", o1: "update" });
  });

  it("protect: a destroy that would delete a protected resource deletes nothing at all", async () => {
    await t.harness.up(program({ objectOptions: { protect: true } }), { config: t.config });
    const before = t.records();
    await expect(t.harness.destroy({ config: t.config })).rejects.toThrow(
      /cannot be deleted because it is protected/,
    );
    expect(t.records()).toEqual(before);
    expect(t.harness.state().resources.map((e) => e.key)).toEqual([BUCKET, OBJECT]);
  });
});
