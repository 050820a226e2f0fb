// Where the v2 code finds its project and API. A resource created on v2 keeps the project it was created in
// (recorded as `v2.projectId`), so read, update and delete still reach it after the stack's project setting
// changes or is removed: only check and create follow the configuration.
import type { EndpointsV2Api } from "../../../client/endpoints-v2";
import type { WireV2Placement } from "../../../client/wire/endpoints-v2";
import type { ProviderContext } from "../../../shared/types";

/** What check records under the `v2` input and create/update/delete work from. */
export interface V2Record {
  projectId: string;
  /** `projects/{p}/models/{m}`; absent while the model is a FineTuneJob output still unknown at preview. */
  modelRef?: string;
  /** `projects/{p}/configs/{c}`: the config revision that carries the hardware. */
  config: string;
  /** Per running replica, US cents per hour (the instance type's price). */
  centsPerHour: number;
  visibility?: "VISIBILITY_PRIVATE" | "VISIBILITY_INTERNAL" | undefined;
  /** The deployment's placement on the wire (a profile checked to exist); fixed at its creation. */
  placement?: WireV2Placement | undefined;
  /** Fixed at the deployment's creation, like placement. */
  enableLora?: boolean | undefined;
}

/** The recorded v2 settings of checked inputs or stored outputs; undefined for a v1 resource. */
export function v2Of(props: Record<string, unknown>): V2Record | undefined {
  const v = props.v2;
  if (v === null || typeof v !== "object" || Array.isArray(v)) return undefined;
  const r = v as Partial<V2Record>;
  return typeof r.projectId === "string" && typeof r.config === "string" ? (v as V2Record) : undefined;
}

/** The configured project, or undefined: the v1 platform then serves (unchanged). */
export function configuredProject(ctx: ProviderContext): string | undefined {
  return ctx.projectId?.();
}

/** The v2 API; the v2 root is derived from the base URL's trailing /v1, so another base URL cannot reach it. */
export function v2Api(ctx: ProviderContext): EndpointsV2Api {
  const api = ctx.client().endpointsV2;
  if (api === undefined) {
    throw new Error(
      "DedicatedEndpoint on Together's v2 platform needs a base URL ending in /v1 (the v2 root is the same URL " +
        "with /v2). Fix: set together:baseUrl to such a URL (the default https://api.together.ai/v1 works), " +
        "or unset together:projectId to stay on v1",
    );
  }
  return api;
}
