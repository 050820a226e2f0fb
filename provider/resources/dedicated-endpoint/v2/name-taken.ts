// A rename (a new displayName) to a name another endpoint of the project already has. Together refuses it with
// a 409 that reads like an etag conflict; named here instead, at preview where the old name is known, and again
// right before the rename at up (the name may have been taken since).
import type { EndpointsV2Api } from "../../../client/endpoints-v2";
import { failure } from "../../../shared/check";
import type { CheckFailure } from "../../../shared/types";

export async function nameTakenFailure(
  api: EndpointsV2Api,
  projectId: string,
  who: string,
  name: string,
  ownEndpointId?: string,
): Promise<CheckFailure | undefined> {
  const taken = (await api.listEndpoints(projectId, { name })).find((e) => e.id !== ownEndpointId);
  if (taken === undefined) return undefined;
  return failure(
    "displayName",
    `${who}: displayName = ${JSON.stringify(name)}: project ${projectId} already has an endpoint of that name ` +
      `(${taken.id}), so this endpoint cannot be renamed to it. Fix: choose another displayName, or delete ` +
      `that endpoint first`,
  );
}
