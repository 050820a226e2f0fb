import {
  DEFAULT_BASE_URL,
  InvalidBaseUrlError,
  InvalidTimeScaleError,
  MissingApiKeyError,
  readStackConfig,
  resolveSettings,
  resolveTimeScale,
} from "../../provider/config";
import { lifecycles } from "../../provider/resources";
import { configure, dispatch, providerContext, resetRuntimeForTests } from "../../provider/runtime";
import { PartialFailureError } from "../../provider/shared/partial-failure";
import type { ResourceLifecycle } from "../../provider/shared/types";

const STACK_KEY = "stack-key-0123456789";
const ENV_KEY = "env-key-9876543210";
const HF_TOKEN = "hf_registered_token_42";

function stackConfig(values: Record<string, string>) {
  return { get: (key: string) => values[key] };
}

describe("configuration resolution", () => {
  it("reads namespaced stack config keys as the provider server passes them", () => {
    expect(readStackConfig(stackConfig({ "together:apiKey": " k1234 ", "together:baseUrl": "" }))).toEqual({
      apiKey: "k1234",
    });
  });

  it("reads keys through the provider server's own Config, which keeps namespaced keys as given", () => {
    const { Config } = require("@pulumi/pulumi/cmd/dynamic-provider/config");
    const serverConfig = new Config({ "together:apiKey": STACK_KEY, "proj:apiKey": "other" }, "proj");
    expect(readStackConfig(serverConfig)).toEqual({ apiKey: STACK_KEY });
  });

  it("prefers stack config, then env, then the default base URL", () => {
    const env = { TOGETHER_API_KEY: ENV_KEY, TOGETHER_BASE_URL: "https://env.example/v1" };
    expect(resolveSettings({ apiKey: STACK_KEY, baseUrl: "https://stack.example/v1" }, env)).toEqual({
      apiKey: STACK_KEY,
      baseUrl: "https://stack.example/v1",
      baseUrlSource: "stack config together:baseUrl",
    });
    expect(resolveSettings({}, env)).toEqual({
      apiKey: ENV_KEY,
      baseUrl: "https://env.example/v1",
      baseUrlSource: "env TOGETHER_BASE_URL",
    });
    expect(resolveSettings({}, { TOGETHER_API_KEY: ENV_KEY })).toMatchObject({
      baseUrl: DEFAULT_BASE_URL,
      baseUrlSource: "default",
    });
  });

  it("fails a missing key with the exact commands that fix it", () => {
    const run = () => resolveSettings({}, { TOGETHER_API_KEY: "  " });
    expect(run).toThrow(MissingApiKeyError);
    expect(run).toThrow("pulumi config set --secret together:apiKey <your key>");
    expect(run).toThrow("export TOGETHER_API_KEY=...");
  });

  it("refuses plain http to a non-loopback host, naming the key to fix", () => {
    const fromStack = () => resolveSettings({ apiKey: STACK_KEY, baseUrl: "http://api.example.com/v1" }, {});
    expect(fromStack).toThrow(InvalidBaseUrlError);
    expect(fromStack).toThrow(
      /from stack config together:baseUrl is not https.*pulumi config set together:baseUrl/,
    );
    const fromEnv = () =>
      resolveSettings({}, { TOGETHER_API_KEY: ENV_KEY, TOGETHER_BASE_URL: "http://10.0.0.1/v1" });
    expect(fromEnv).toThrow(/from env TOGETHER_BASE_URL .*export TOGETHER_BASE_URL=/);
    expect(() => resolveSettings({}, { TOGETHER_API_KEY: ENV_KEY, TOGETHER_BASE_URL: "not a url" })).toThrow(
      "is not a valid URL",
    );
    expect(resolveSettings({ apiKey: STACK_KEY, baseUrl: "http://127.0.0.1:8787/v1" }, {}).baseUrl).toBe(
      "http://127.0.0.1:8787/v1",
    );
  });

  it("parses the time scale", () => {
    expect(resolveTimeScale({})).toBe(1);
    expect(resolveTimeScale({ PULUMI_TOGETHER_TIME_SCALE: "600" })).toBe(600);
    expect(() => resolveTimeScale({ PULUMI_TOGETHER_TIME_SCALE: "-2" })).toThrow(InvalidTimeScaleError);
  });
});

describe("runtime", () => {
  const savedEnv = { ...process.env };
  const savedLifecycle = lifecycles.TrainingFile;
  let calls: { method: string; args: unknown[] }[];
  let behaviour: Partial<ResourceLifecycle>;

  beforeEach(() => {
    resetRuntimeForTests();
    delete process.env.TOGETHER_API_KEY;
    delete process.env.TOGETHER_BASE_URL;
    delete process.env.PULUMI_TOGETHER_TIME_SCALE;
    calls = [];
    behaviour = {};
    const record =
      (method: keyof ResourceLifecycle) =>
      async (...args: unknown[]) => {
        calls.push({ method, args: args.slice(0, -1) });
        const impl = behaviour[method] as ((...a: unknown[]) => Promise<unknown>) | undefined;
        return impl ? impl(...args) : { id: "id-1", outs: {} };
      };
    const fake = Object.fromEntries(
      (["check", "diff", "create", "read", "update", "delete"] as const).map((m) => [m, record(m)]),
    ) as unknown as ResourceLifecycle;
    lifecycles.TrainingFile = () => fake;
  });

  afterAll(() => {
    lifecycles.TrainingFile = savedLifecycle;
    process.env = savedEnv;
    resetRuntimeForTests();
  });

  it("builds the client from stack config over env, once per configuration", async () => {
    process.env.TOGETHER_API_KEY = ENV_KEY;
    process.env.TOGETHER_BASE_URL = "https://env.example/v1";
    await configure(
      stackConfig({ "together:apiKey": STACK_KEY, "together:baseUrl": "http://localhost:9/v1" }),
    );
    const ctx = providerContext();
    expect(ctx).toBe(providerContext());
    const client = ctx.client();
    expect(client.baseUrl).toMatch(/^http:\/\/localhost:9\/v1\/?$/);
    expect(ctx.client()).toBe(client);
    await configure(stackConfig({ "together:apiKey": STACK_KEY }));
    expect(ctx.client().baseUrl).toMatch(/^https:\/\/env\.example\/v1\/?$/);
  });

  it("fails ctx.client() with the fix when no key is configured", async () => {
    await configure(stackConfig({}));
    behaviour.create = async (_inputs, ctx) => ({ id: ctx.client().baseUrl, outs: {} });
    await expect(dispatch("TrainingFile", "create", { logicalName: "t" })).rejects.toThrow(
      "pulumi config set --secret together:apiKey <your key>",
    );
  });

  it("a missing key outside check is one line where Pulumi's server logs it (`${err}: ${err.stack}`)", async () => {
    await configure(stackConfig({}));
    const saved = process.env.TOGETHER_API_KEY;
    delete process.env.TOGETHER_API_KEY;
    behaviour.read = async (_id, props, ctx) => ({ id: ctx.client().baseUrl, props });
    try {
      const err = (await dispatch("TrainingFile", "read", "id-1", { logicalName: "t" }).catch(
        (e: unknown) => e,
      )) as Error;
      const logged = `${String(err)}: ${err.stack}`;
      expect(logged.match(/pulumi config set --secret together:apiKey/g)).toHaveLength(1);
      expect(logged).not.toMatch(/\n\s+at /);
      expect(logged).toMatch(/^pulumi-together: No Together API key is configured\./);
    } finally {
      if (saved !== undefined) process.env.TOGETHER_API_KEY = saved;
    }
  });

  it("refuses state a newer pulumi-together wrote, with the upgrade command, before touching it", async () => {
    await configure(stackConfig({ "together:apiKey": STACK_KEY }));
    const newer = { logicalName: "t", schemaVersion: 99 };
    for (const [method, args] of [
      ["diff", ["id-1", newer, {}]],
      ["read", ["id-1", newer]],
      ["update", ["id-1", newer, {}]],
      ["delete", ["id-1", newer]],
    ] as const) {
      await expect(dispatch("TrainingFile", method, ...args)).rejects.toThrow(
        /^TrainingFile "t": its state was written by a newer pulumi-together \(state layout 99; this version reads up to 1\)\. Nothing was changed\. Fix: run `npm install pulumi-together@latest`/,
      );
    }
    expect(calls).toEqual([]);
    // The layout this code writes passes.
    await dispatch("TrainingFile", "read", "id-1", { logicalName: "t", schemaVersion: 1 });
    expect(calls.map((c) => c.method)).toEqual(["read"]);
  });

  it("routes each method with its arguments and strips __provider", async () => {
    await configure(stackConfig({ "together:apiKey": STACK_KEY }));
    const props = { a: 1, __provider: "exports.handler = ..." };
    await dispatch("TrainingFile", "check", props, props);
    await dispatch("TrainingFile", "diff", "id-1", props, props);
    await dispatch("TrainingFile", "create", props);
    await dispatch("TrainingFile", "read", "id-1", props);
    await dispatch("TrainingFile", "update", "id-1", props, props);
    await dispatch("TrainingFile", "delete", "id-1", props);
    expect(calls).toEqual([
      { method: "check", args: [{ a: 1 }, { a: 1 }] },
      { method: "diff", args: ["id-1", { a: 1 }, { a: 1 }] },
      { method: "create", args: [{ a: 1 }] },
      { method: "read", args: ["id-1", { a: 1 }] },
      { method: "update", args: ["id-1", { a: 1 }, { a: 1 }] },
      { method: "delete", args: ["id-1", { a: 1 }] },
    ]);
  });

  it("drops undefined fields from results, which the provider server cannot encode", async () => {
    behaviour.create = async () => ({
      id: "x",
      outs: { a: undefined, b: [undefined, 1], c: { d: undefined } },
    });
    await expect(dispatch("TrainingFile", "create", {})).resolves.toEqual({
      id: "x",
      outs: { b: [null, 1], c: {} },
    });
  });

  it("rejects an unknown kind", async () => {
    await expect(dispatch("Bucket", "create", {})).rejects.toThrow(
      'Unknown pulumi-together resource kind "Bucket"',
    );
  });

  it("redacts the API key and registered secrets from thrown errors, keeping their class", async () => {
    await configure(stackConfig({ "together:apiKey": STACK_KEY }));
    class ApiError extends Error {
      readonly code = "unauthorized";
    }
    behaviour.create = async (_inputs, ctx) => {
      ctx.secrets.add(HF_TOKEN);
      const err = new ApiError(`401 with key ${STACK_KEY} and token ${HF_TOKEN}`);
      throw Object.assign(err, { request: { headers: { authorization: `Bearer ${STACK_KEY}` } } });
    };
    const err = (await dispatch("TrainingFile", "create", {}).catch((e: unknown) => e)) as ApiError;
    expect(err).toBeInstanceOf(ApiError);
    expect(err.code).toBe("unauthorized");
    expect(err.message).toBe("401 with key [redacted] and token [redacted]");
    const everything = `${err.message} ${err.stack ?? ""} ${JSON.stringify(err)}`;
    expect(everything).not.toContain(STACK_KEY);
    expect(everything).not.toContain(HF_TOKEN);
  });

  it("redacts the env key even when the client was never built", async () => {
    process.env.TOGETHER_API_KEY = ENV_KEY;
    behaviour.delete = async () => {
      // eslint-disable-next-line @typescript-eslint/only-throw-error -- third-party code may throw anything
      throw `raw string with ${ENV_KEY}`;
    };
    const err = await dispatch("TrainingFile", "delete", "id", {}).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toBe("raw string with [redacted]");
  });

  it("preserves the partial-failure shape the provider server turns into ErrorResourceInitFailed", async () => {
    await configure(stackConfig({ "together:apiKey": STACK_KEY }));
    behaviour.create = async () => {
      throw new PartialFailureError("ft-9", { status: "running", note: STACK_KEY }, [
        `timed out (${STACK_KEY})`,
      ]);
    };
    const err = (await dispatch("TrainingFile", "create", {}).catch(
      (e: unknown) => e,
    )) as PartialFailureError;
    expect(err).toBeInstanceOf(PartialFailureError);
    expect(err.id).toBe("ft-9");
    expect(err.properties).toEqual({ status: "running", note: "[redacted]" });
    expect(err.reasons).toEqual(["timed out ([redacted])"]);
    expect(err.message).toBe("timed out ([redacted])");
  });

  it("puts the call's own __provider into a partial failure so a later delete or refresh can run", async () => {
    await configure(stackConfig({ "together:apiKey": STACK_KEY }));
    behaviour.create = async (inputs) => {
      expect(inputs).not.toHaveProperty("__provider");
      throw new PartialFailureError("ft-9", { status: "running" }, ["timed out"]);
    };
    behaviour.update = async () => {
      throw new PartialFailureError("ft-9", { status: "queued" }, ["timed out"]);
    };
    const created = (await dispatch("TrainingFile", "create", { __provider: "SHELL-A" }).catch(
      (e: unknown) => e,
    )) as PartialFailureError;
    expect(created.properties).toEqual({ status: "running", __provider: "SHELL-A" });
    const updated = (await dispatch(
      "TrainingFile",
      "update",
      "ft-9",
      { __provider: "SHELL-OLD" },
      { __provider: "SHELL-NEW" },
    ).catch((e: unknown) => e)) as PartialFailureError;
    expect(updated.properties).toEqual({ status: "queued", __provider: "SHELL-NEW" });
  });
});
