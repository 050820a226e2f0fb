// Reading one endpoint. A 404 means something different to each caller (dropped from state on refresh, nothing
// to do on delete, a mistake to report on adopt or update, no candidate when resuming or reconciling a create),
// so the caller says what it becomes.
import { isNotFound, type TogetherClient } from "../../client";
import { type LiveEndpoint, toLive } from "./live";

/** GET the endpoint; when Together answers 404, what `onNotFound` returns (or throws) instead. */
export async function getEndpoint<T>(
  client: TogetherClient,
  id: string,
  onNotFound: (notFound: unknown) => T,
): Promise<LiveEndpoint | T> {
  try {
    return toLive(await client.endpoints.get(id));
  } catch (err) {
    if (isNotFound(err)) return onNotFound(err);
    throw err;
  }
}
