// Destroy on v2: Together refuses to delete a deployment in the live traffic split and an endpoint that still
// has deployments, so the split is cleared first, then every deployment, then the endpoint; gone is confirmed
// by a 404. An endpoint already gone is success.
import { isNotFound } from "../../../client";
import type { ProviderContext } from "../../../shared/types";
import { subject } from "../rules";
import { logicalNameOf } from "../spec";
import { withEtag } from "./deployment";
import { v2Api, v2Of } from "./platform";

export async function deleteV2(
  id: string,
  props: Record<string, unknown>,
  ctx: ProviderContext,
): Promise<void> {
  const record = v2Of(props);
  if (record === undefined) throw new Error(`DedicatedEndpoint ${id}: state without its v2 project`);
  const { projectId } = record;
  const who = subject(logicalNameOf(props));
  const api = v2Api(ctx);
  const gone = <T>(p: Promise<T>) =>
    p.then(
      () => false,
      (err: unknown) => {
        if (isNotFound(err)) return true;
        throw err;
      },
    );
  let endpoint;
  try {
    endpoint = await api.getEndpoint(projectId, id);
  } catch (err) {
    if (isNotFound(err)) return;
    throw err;
  }
  if (endpoint.trafficSplit.length > 0) {
    await withEtag(
      `${who}: endpoint ${id}`,
      async () => (await api.getEndpoint(projectId, id)).etag,
      (etag) => api.updateEndpoint(projectId, id, { etag, trafficSplit: [] }),
    );
  }
  for (const d of await api.listDeployments(projectId, id)) {
    ctx.log.info(`${who}: deleting deployment ${d.id}`);
    await gone(api.deleteDeployment(projectId, id, d.id));
  }
  await withEtag(
    `${who}: endpoint ${id}`,
    async () => (await api.getEndpoint(projectId, id)).etag,
    (etag) => gone(api.deleteEndpoint(projectId, id, etag)),
  );
  if (!(await gone(api.getEndpoint(projectId, id)))) {
    throw new Error(`${who}: endpoint ${id} still exists after DELETE. Fix: run destroy again`);
  }
  ctx.log.info(`${who}: endpoint ${id} deleted`);
}
