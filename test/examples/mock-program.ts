// Runs an example's program under `pulumi.runtime.setMocks`: no provider code runs, but every
// registration (type token, resolved inputs, secret envelopes, serialized provider) is recorded, and the
// fake outputs below flow to dependents so the wiring between resources can be asserted.
import * as pulumi from "@pulumi/pulumi";

/** Key and value that mark a secret in a registration's inputs (the engine's secret envelope). */
export const SECRET_SIG_KEY = "4dabf18193072939515e22adb298388d";
export const SECRET_SIG_VALUE = "1b47061264138c4ac30d75fd1eb44270";

export const TYPE_PREFIX = "pulumi-nodejs:dynamic/together:";

/** Registration inputs and fake state, asserted field by field in the tests. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Props = Record<string, any>;

export interface RecordedResource {
  type: string;
  name: string;
  id: string;
  inputs: Props;
  state: Props;
}

export interface MockRun {
  resources: RecordedResource[];
  outputs: Record<string, unknown>;
  byName(name: string): RecordedResource;
  ofKind(kind: "TrainingFile" | "FineTuneJob" | "DedicatedEndpoint"): RecordedResource[];
}

/** An example module as loaded by the tests (see exampleProgram). */
export type Program = () => Record<string, unknown>;

/** The examples import "pulumi-together" by package name: jest maps it to sdk/, but the repository's
 *  tsc cannot resolve it from examples/, so the program is loaded with require instead of import. */
export function exampleProgram(example: string): Program {
  const mod = require(`../../examples/${example}/program`) as { program: Program };
  return mod.program;
}

export function isSecretEnvelope(v: unknown): v is { value: unknown } {
  return (
    typeof v === "object" && v !== null && (v as Record<string, unknown>)[SECRET_SIG_KEY] === SECRET_SIG_VALUE
  );
}

function computed(kind: string, name: string, inputs: Props): Record<string, unknown> {
  switch (kind) {
    case "TrainingFile":
      return { fileId: `file-${name}`, bytes: 1234, sha256: "0".repeat(64) };
    case "FineTuneJob":
      return {
        jobId: `ft-${name}`,
        status: "completed",
        outputModelName: `emulator-user/Qwen3-0.6B-${name}-abc123`,
        estimatedPriceUsd: 1.25,
        wandbUrl: "",
      };
    case "DedicatedEndpoint":
      return {
        endpointId: `endpoint-${name}`,
        name: `emulator-user/Qwen3-0.6B-${name}`,
        state: inputs.state ?? "STARTED",
        hourlyPriceUsd: 3.36,
      };
    default:
      return {};
  }
}

async function resolve(v: unknown): Promise<unknown> {
  if (!pulumi.Output.isInstance(v)) return v;
  return new Promise((done) => {
    v.apply((x) => {
      done(x);
      return x;
    });
  });
}

export async function runProgram(
  program: Program,
  opts: { project: string; stack?: string; config?: Record<string, string>; secretKeys?: string[] },
): Promise<MockRun> {
  const resources: RecordedResource[] = [];
  const config: Record<string, string> = {};
  for (const [k, v] of Object.entries(opts.config ?? {}))
    config[k.includes(":") ? k : `${opts.project}:${k}`] = v;
  const secretKeys = (opts.secretKeys ?? []).map((k) => (k.includes(":") ? k : `${opts.project}:${k}`));
  pulumi.runtime.setAllConfig(config, secretKeys);
  await pulumi.runtime.setMocks(
    {
      newResource(args) {
        const kind = args.type.startsWith(TYPE_PREFIX) ? args.type.slice(TYPE_PREFIX.length) : args.type;
        const plain = unwrap(args.inputs) as Props;
        const extra = computed(kind, args.name, plain);
        const first = Object.values(extra)[0];
        const id = typeof first === "string" ? first : `${args.name}_id`;
        const state = { ...plain, ...extra };
        resources.push({ type: args.type, name: args.name, id, inputs: args.inputs, state });
        return { id, state };
      },
      call(args) {
        return args.inputs;
      },
    },
    opts.project,
    opts.stack ?? "dev",
    false,
  );
  const returned = program();
  const outputs: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(returned)) outputs[k] = await resolve(v);
  return {
    resources,
    outputs,
    byName(name) {
      const r = resources.find((x) => x.name === name);
      if (!r)
        throw new Error(`no resource named ${name}; registered: ${resources.map((x) => x.name).join(", ")}`);
      return r;
    },
    ofKind(kind) {
      return resources.filter((r) => r.type === TYPE_PREFIX + kind);
    },
  };
}

/** The inputs as the provider would see them: secret envelopes replaced by their values. */
function unwrap(v: unknown): unknown {
  if (isSecretEnvelope(v)) return unwrap(v.value);
  if (Array.isArray(v)) return v.map(unwrap);
  if (typeof v === "object" && v !== null) {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, unwrap(x)]));
  }
  return v;
}
