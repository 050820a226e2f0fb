import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { RESOURCE_MODULE, shells, type ShellKind } from "../../provider/shell";
import * as sdk from "../../sdk";
import { DynamicProviderHost } from "../../testing/provider-host";

const SECRET = "sk-serialization-test-0123456789";
const MAX_BYTES = 4 * 1024;

describe("serialized shells", () => {
  beforeAll(() => {
    // A secret in the environment and in stack config must never be captured by a shell.
    process.env.TOGETHER_API_KEY = SECRET;
  });
  afterAll(() => {
    delete process.env.TOGETHER_API_KEY;
  });

  it("uses the fixed resource module", () => {
    expect(RESOURCE_MODULE).toBe("together");
  });

  it.each(Object.keys(shells) as ShellKind[])(
    "%s serializes small, secret-free and dependency-free",
    async (kind) => {
      const shell = shells[kind];
      const serialized = await pulumi.runtime.serializeFunction(() => shell, { allowSecrets: true });
      const text = serialized.text;
      expect(serialized.containsSecrets).toBe(false);
      expect(Buffer.byteLength(text)).toBeLessThan(MAX_BYTES);
      expect(text).toContain('require("pulumi-together/runtime")');
      expect(text).toContain(JSON.stringify(kind));
      for (const forbidden of ["zod", "undici", "TogetherClient", SECRET])
        expect(text).not.toContain(forbidden);
      const required = [...text.matchAll(/require\("([^"]+)"\)/g)].map((m) => m[1]);
      expect(new Set(required)).toEqual(new Set(["pulumi-together/runtime"]));
    },
  );

  it("each kind has its own singleton, so serialization is cached per object", () => {
    expect(new Set(Object.values(shells)).size).toBe(Object.keys(shells).length);
  });

  it("every resource of a kind hands that kind's singleton to Pulumi, so its serialization is cached", async () => {
    // Pulumi caches a dynamic provider's serialized text per provider object (a WeakMap): the cache only
    // hits when every resource of a kind passes the very same object. Record which object each resource
    // gave to the serializer (it receives `() => provider`).
    const closure = require("@pulumi/pulumi/runtime/closure/serializeClosure") as {
      serializeFunction: (
        f: () => unknown,
        opts?: unknown,
      ) => Promise<{ text: string; containsSecrets: boolean }>;
    };
    const serialized: unknown[] = [];
    const spy = jest.spyOn(closure, "serializeFunction").mockImplementation(async (f) => {
      serialized.push(f());
      return { text: "", containsSecrets: false };
    });
    const registered: string[] = [];
    await pulumi.runtime.setMocks({
      call: (args) => args.inputs,
      newResource: async (args) => {
        registered.push(args.type);
        return { id: `${args.name}-id`, state: args.inputs };
      },
    });
    try {
      const made = [
        new sdk.TrainingFile("train-a", { source: "a.jsonl" }),
        new sdk.TrainingFile("train-b", { source: "b.jsonl" }),
        new sdk.FineTuneJob("job-a", { trainingFile: "file-a", model: "Qwen/Qwen3-0.6B" }),
        new sdk.FineTuneJob("job-b", { trainingFile: "file-b", model: "Qwen/Qwen3-0.6B" }),
        new sdk.DedicatedEndpoint("ep-a", { model: "Qwen/Qwen3-8B", hardware: "1x_nvidia_h100_80gb_sxm" }),
        new sdk.DedicatedEndpoint("ep-b", { model: "Qwen/Qwen3-8B", hardware: "1x_nvidia_h100_80gb_sxm" }),
      ];
      // Wait for every registration, so nothing is left running after the test.
      await Promise.all(made.map((r) => new Promise((resolve) => r.urn.apply(resolve))));
    } finally {
      spy.mockRestore();
    }
    // Registrations complete in any order; each resource registered once under its kind's type token.
    expect(registered.map((t) => t.split(":").pop()).sort()).toEqual([
      "DedicatedEndpoint",
      "DedicatedEndpoint",
      "FineTuneJob",
      "FineTuneJob",
      "TrainingFile",
      "TrainingFile",
    ]);
    // Each constructor serializes its provider synchronously, so in construction order. Pulumi caches per
    // provider object (on by default): a kind's second resource must hit the cache, which happens only
    // because it handed over the same singleton object as the first.
    expect(serialized).toHaveLength(3);
    expect(serialized[0]).toBe(shells.TrainingFile);
    expect(serialized[1]).toBe(shells.FineTuneJob);
    expect(serialized[2]).toBe(shells.DedicatedEndpoint);
  });
});

describe("the shell where pulumi-together is not installed", () => {
  it("fails with one line naming the directory and the install command", async () => {
    // An empty program directory: the provider process runs there, as the engine runs it in the program's.
    const empty = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "no-package-")));
    const text = (await pulumi.runtime.serializeFunction(() => shells.TrainingFile, { allowSecrets: true }))
      .text;
    const host = await DynamicProviderHost.start({ cwd: empty, project: "p" });
    try {
      await host.configure({});
      const urn = "urn:pulumi:dev::p::pulumi-nodejs:dynamic/together:TrainingFile::f";
      await expect(host.check(urn, {}, { __provider: text, source: "x.jsonl" })).rejects.toThrow(
        `pulumi-together is not installed where Pulumi runs its provider (${empty}). Fix: run \`npm install pulumi-together\` in the Pulumi program's directory.`,
      );
    } finally {
      await host.stop();
      fs.rmSync(empty, { recursive: true, force: true });
    }
  });
});
