// What a v1-style declaration means on v2: the model as a registry resource, the v1 hardware id as a config
// revision (configs carry the hardware as accelerator selectors), and the price from the instance type with
// the same accelerators. Every miss is a check failure naming the field, the value and the fix.
import type { EndpointsV2Api } from "../../../client/endpoints-v2";
import type { WireV2Config, WireV2InstanceType } from "../../../client/wire/endpoints-v2";
import { failure } from "../../../shared/check";
import type { CheckFailure } from "../../../shared/types";

export interface ResolvedModel {
  /** What a deployment's `model` names. */
  modelRef: string;
  /** The public model its configs are certified for. */
  baseRef: string;
}

/** `2x_nvidia_h100_80gb_sxm` -> count 2, accelerator `nvidia-h100-80gb` (the link is not a selector). */
export function acceleratorOf(hardware: string): { count: number; type: string } | undefined {
  const m = /^([1-9][0-9]*)x_([a-z0-9]+)_([a-z0-9]+)_([0-9]+gb)(_[a-z0-9]+)*$/.exec(hardware);
  return m ? { count: Number(m[1]), type: `${m[2]}-${m[3]}-${m[4]}` } : undefined;
}

function selector(c: WireV2Config, key: string): string | undefined {
  return c.selectors.find((s) => s.key === key)?.value;
}

/** A registry model of the project by name, else a catalogue model by name; undefined when neither. */
export async function resolveModel(
  api: EndpointsV2Api,
  projectId: string,
  name: string,
): Promise<ResolvedModel | { adapter: string } | undefined> {
  const own = (await api.listModels(projectId)).find((m) => m.name === name);
  if (own !== undefined) {
    // An adapter is served by loading it onto its base model's deployment (enableLora), not deployed itself.
    if (own.weights.type === "WEIGHTS_TYPE_ADAPTER") return { adapter: own.id };
    const modelRef = `projects/${own.projectId}/models/${own.id}`;
    return { modelRef, baseRef: own.baseModel ?? modelRef };
  }
  const supported = (await api.listSupportedModels(name)).find((m) => m.name === name);
  return supported ? { modelRef: supported.baseModel, baseRef: supported.baseModel } : undefined;
}

export function modelFailure(who: string, field: string, shown: string, adapter?: string): CheckFailure {
  const reason =
    adapter !== undefined
      ? `${who}: ${field} = ${shown}: is a LoRA adapter (registry model ${adapter}); v2 serves adapters loaded ` +
        `onto their base model's deployment, which DedicatedEndpoint does not do yet. Fix: serve the FineTuneJob's ` +
        `merged model (its outputModelName)`
      : `${who}: ${field} = ${shown}: is neither a model in the project's registry nor one Together can deploy ` +
        `(GET /v2/supported-models). Fix: use a catalogue model name or a FineTuneJob's outputModelName`;
  return failure(field, reason);
}

export interface ResolvedHardware {
  config: string;
  centsPerHour: number;
  /** The instance type: its regions and their free capacity. */
  instance: WireV2InstanceType;
}

/** The certified config for `baseRef` on the hardware, and the per-replica price of that hardware. */
export async function resolveHardware(
  api: EndpointsV2Api,
  projectId: string,
  baseRef: string,
  hardware: string,
  who: string,
): Promise<ResolvedHardware | CheckFailure> {
  const want = acceleratorOf(hardware);
  const configs = await api.listConfigs(projectId, baseRef);
  const config = configs.find(
    (c) =>
      want !== undefined &&
      selector(c, "accelerator_type") === want.type &&
      selector(c, "accelerator_count") === String(want.count),
  );
  const offered = configs
    .map((c) => `${selector(c, "accelerator_count")}x ${selector(c, "accelerator_type")}`)
    .join(", ");
  if (config === undefined) {
    return failure(
      "hardware",
      `${who}: hardware = ${JSON.stringify(hardware)}: no config revision certified for ${baseRef} has that ` +
        `hardware; certified: ${offered || "none"}. Fix: choose hardware with one of those GPU counts and types`,
    );
  }
  const types = await api.listInstanceTypes();
  const it = types.find((t) => matchesInstance(t, want!));
  if (it === undefined) {
    return failure(
      "hardware",
      `${who}: hardware = ${JSON.stringify(hardware)}: Together lists no instance type for it, so its price ` +
        `is unknown. Fix: choose hardware listed by GET /v2/public/inference-instance-types`,
    );
  }
  return {
    config: `projects/${config.projectId}/configs/${config.id}`,
    centsPerHour: it.priceCentsPerHour,
    instance: it,
  };
}

function matchesInstance(t: WireV2InstanceType, want: { count: number; type: string }): boolean {
  const accel = `nvidia-${t.gpuType.toLowerCase()}-${t.gpuMemoryGib}gb`;
  return t.gpuCount === want.count && (accel === want.type || t.name === `${want.count}x${want.type}`);
}
