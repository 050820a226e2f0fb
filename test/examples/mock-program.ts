// Runs an example's program under `pulumi.runtime.setMocks`: no provider code runs, but every
// registration (type token, resolved inputs, secret envelopes, serialized provider) is recorded, and the
// fake outputs below flow to dependents so the wiring between resources can be asserted.
import * as fs from "node:fs";
import * as pulumi from "@pulumi/pulumi";
import { HARDWARE, isCatalogModel, tokensForBytes, usdPerToken } from "../../emulator/catalog";

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

/** Size on disk of a training file's source, as the emulator would record it on upload. */
function sourceBytes(inputs: Props): number | undefined {
  return typeof inputs.source === "string" && fs.existsSync(inputs.source)
    ? fs.statSync(inputs.source).size
    : undefined;
}

/** What the emulator would estimate for the job (its catalogue's rates, one token per four bytes), when
 *  the training file was declared in the same program; otherwise none. */
function emulatorJobPrice(inputs: Props, resources: RecordedResource[]): number | undefined {
  const bytesOf = (fileId: unknown): number | undefined =>
    resources.find((r) => r.state.fileId !== undefined && r.state.fileId === fileId)?.state.bytes;
  const trainBytes = bytesOf(inputs.trainingFile);
  // From a checkpoint, the model is the earlier job's (given by its id or output model name, maybe `:<step>`).
  const checkpoint =
    typeof inputs.fromCheckpoint === "string" ? inputs.fromCheckpoint.split(":")[0] : undefined;
  const model: unknown =
    checkpoint === undefined
      ? inputs.model
      : resources.find((r) => r.state.jobId === checkpoint || r.state.outputModelName === checkpoint)?.state
          .model;
  if (trainBytes === undefined || typeof model !== "string" || !isCatalogModel(model)) return undefined;
  const nEpochs = typeof inputs.nEpochs === "number" ? inputs.nEpochs : 1;
  const nEvals = typeof inputs.nEvals === "number" ? inputs.nEvals : 0;
  const evalBytes = nEvals > 0 ? bytesOf(inputs.validationFile) : undefined;
  const method = inputs.trainingMethod?.method === "dpo" ? "dpo" : "sft";
  const type = inputs.trainingType?.type === "full" ? "Full" : "Lora";
  const tokens =
    tokensForBytes(trainBytes) * nEpochs + (evalBytes === undefined ? 0 : tokensForBytes(evalBytes) * nEvals);
  return Math.round(tokens * usdPerToken(model, method, type) * 1e6) / 1e6;
}

/** The emulator catalogue's hourly price of the hardware at maxReplicas, when it lists the hardware. */
function emulatorHourlyPrice(inputs: Props): number | undefined {
  const hw = HARDWARE.find((h) => h.id === inputs.hardware);
  if (hw === undefined) return undefined;
  const maxReplicas =
    typeof inputs.autoscaling?.maxReplicas === "number" ? inputs.autoscaling.maxReplicas : 1;
  return Math.round(hw.centsPerMinute * 60 * maxReplicas * 100) / 10_000;
}

/** Fake provider outputs. Prices are not invented here: they come from the emulator's catalogue, so a test
 *  can check them against the provider's own rate table or the catalogue entry of the hardware. */
function computed(
  kind: string,
  name: string,
  inputs: Props,
  resources: RecordedResource[],
): Record<string, unknown> {
  switch (kind) {
    case "TrainingFile":
      return { fileId: `file-${name}`, bytes: sourceBytes(inputs) ?? 1234, sha256: "0".repeat(64) };
    case "FineTuneJob":
      return {
        jobId: `ft-${name}`,
        status: "completed",
        outputModelName: `emulator-user/Qwen3-0.6B-${name}-abc123`,
        estimatedPriceUsd: emulatorJobPrice(inputs, resources),
        wandbUrl: "",
      };
    case "DedicatedEndpoint":
      return {
        endpointId: `endpoint-${name}`,
        name: `emulator-user/Qwen3-0.6B-${name}`,
        state: inputs.state ?? "STARTED",
        hourlyPriceUsd: emulatorHourlyPrice(inputs),
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
        const extra = computed(kind, args.name, plain, resources);
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
