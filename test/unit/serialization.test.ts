import * as pulumi from "@pulumi/pulumi";
import { RESOURCE_MODULE, shells, type ShellKind } from "../../provider/shell";

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
    expect(new Set(Object.values(shells)).size).toBe(3);
    expect(shells.TrainingFile).toBe(shells.TrainingFile);
  });
});
