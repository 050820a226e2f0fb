// Where a v2 deployment may run: the `placement` input (flat: regions, constraint, hipaa, or a saved profile's
// uid) checked at preview against what Together lists (the profile exists; required regions offer the
// hardware), and put on the wire as together-ai's `{inline: {...}} | {profile}`.
import type { EndpointsV2Api } from "../../../client/endpoints-v2";
import type { WireV2InstanceType, WireV2Placement } from "../../../client/wire/endpoints-v2";
import { failure } from "../../../shared/check";
import type { CheckFailure } from "../../../shared/types";
import type { Placement } from "../schema";

export function wirePlacement(p: Placement): WireV2Placement {
  if (p.profile !== undefined) return { profile: p.profile };
  return {
    inline: {
      ...(p.regions !== undefined && { regions: [...p.regions] }),
      ...(p.constraint !== undefined && { constraint: p.constraint }),
      ...(p.hipaa !== undefined && { compliancePolicy: { hipaa: p.hipaa } }),
    },
  };
}

/** The schema cannot say "profile or the inline fields": a profile beside them would silently win. */
export function placementShapeFailures(who: string, p: Placement | undefined): CheckFailure[] {
  if (p?.profile === undefined) return [];
  const inline = (["regions", "constraint", "hipaa"] as const).filter((k) => p[k] !== undefined);
  if (inline.length === 0) return [];
  return [
    failure(
      "placement.profile",
      `${who}: placement.profile = ${JSON.stringify(p.profile)}: cannot be combined with ${inline
        .map((k) => `placement.${k}`)
        .join(
          ", ",
        )}, allowed either a saved profile or inline regions/constraint/hipaa. Fix: remove one of them`,
    ),
  ];
}

export interface ResolvedPlacement {
  placement?: WireV2Placement;
  /** The regions the deployment may be scheduled in (for the capacity check). */
  regions: string[];
}

/** Checks the placement against Together: the profile exists, and a required region list offers the hardware. */
export async function resolvePlacement(
  api: EndpointsV2Api,
  projectId: string,
  p: Placement | undefined,
  instance: WireV2InstanceType,
  hardware: string,
  who: string,
): Promise<ResolvedPlacement | CheckFailure> {
  const offered = instance.regions.map((r) => r.name);
  if (p === undefined) return { regions: offered };
  if (p.profile !== undefined) {
    const profiles = await api.listPlacementProfiles(projectId);
    const found = profiles.find((x) => x.id === p.profile);
    if (found === undefined) {
      const known = profiles.map((x) => `${x.id} (${x.name})`).join(", ") || "none";
      return failure(
        "placement.profile",
        `${who}: placement.profile = ${JSON.stringify(p.profile)}: is not a placement profile of project ` +
          `${projectId}, allowed ${known}. Fix: use one of those uids (GET /v2/projects/${projectId}/placement-profiles)`,
      );
    }
    const regions = found.preferredRegions.filter((r) => offered.includes(r));
    return { placement: wirePlacement(p), regions: regions.length > 0 ? regions : offered };
  }
  const wanted = p.regions ?? offered;
  const regions = wanted.filter((r) => offered.includes(r));
  const required = p.constraint !== "ENFORCEMENT_PREFERRED";
  if (required && regions.length === 0)
    return failure(
      "placement.regions",
      `${who}: placement.regions = ${JSON.stringify(p.regions)}: ${hardware} is offered in none of them, allowed ` +
        `${offered.join(", ")}. Fix: add one of those regions, or set placement.constraint to ENFORCEMENT_PREFERRED`,
    );
  return { placement: wirePlacement(p), regions: regions.length > 0 ? regions : offered };
}

/** Replicas that fit now in `regions`, when every one of them says exactly (RELATION_EQ); else undefined. */
export function exactHeadroom(instance: WireV2InstanceType, regions: string[]): number | undefined {
  let total = 0;
  for (const r of instance.regions.filter((x) => regions.includes(x.name))) {
    if (r.headroom?.relation !== "RELATION_EQ") return undefined;
    total += r.headroom.value ?? 0;
  }
  return total;
}
