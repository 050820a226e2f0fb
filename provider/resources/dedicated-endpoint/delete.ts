// Delete: stop the endpoint (that is what ends billing at once), DELETE it, and confirm it is gone. An endpoint
// already gone is nothing to do.
import { isNotFound } from "../../client";
import { errorText } from "../../shared/error-text";
import type { ProviderContext } from "../../shared/types";
import { isWaitFailed, isWaitTimeout } from "../../shared/wait";
import { MINUTE_MS, waitForState, waitUntilGone } from "./endpoint-wait";
import { getEndpoint } from "./get-endpoint";
import { patchBody, toLive } from "./live";
import { previousOutputs } from "./outputs";
import { subject } from "./rules";
import { heading } from "./state-policy";

/** Stopping before DELETE is what ends billing at once; it should take well under this. */
const STOP_BEFORE_DELETE_MAX_MINUTES = 10;
const GONE_AFTER_DELETE_MINUTES = 5;

export async function destroy(
  id: string,
  props: Record<string, unknown>,
  ctx: ProviderContext,
): Promise<void> {
  const prev = previousOutputs(props);
  const who = subject(prev.logicalName);
  const client = ctx.client();
  let live = await getEndpoint(client, id, () => undefined);
  if (live === undefined) return;
  try {
    // Stop first: should DELETE fail, the endpoint at least no longer bills.
    if (heading(live.state) === "STARTED") {
      ctx.log.info(`${who}: stopping endpoint ${id} before deleting it`);
      live = toLive(await client.endpoints.update(id, patchBody({ state: "STOPPED" })));
    }
    if (live.state === "STOPPING") {
      const stopMinutes = Math.min(
        prev.timeoutMinutes ?? STOP_BEFORE_DELETE_MAX_MINUTES,
        STOP_BEFORE_DELETE_MAX_MINUTES,
      );
      await waitForState({
        client,
        ctx,
        who,
        id,
        target: "STOPPED",
        timeoutMs: stopMinutes * MINUTE_MS,
      }).catch((err: unknown) => {
        if (!isWaitTimeout(err) && !isWaitFailed(err)) throw err;
        ctx.log.warn(
          `${who}: endpoint ${id} did not finish stopping (${errorText(err)}); deleting it anyway`,
        );
      });
    }
    await client.endpoints.delete(id);
  } catch (err) {
    if (isNotFound(err)) return;
    throw err;
  }
  try {
    await waitUntilGone({ client, ctx, who, id, timeoutMs: GONE_AFTER_DELETE_MINUTES * MINUTE_MS });
  } catch (err) {
    if (!isWaitTimeout(err)) throw err;
    throw new Error(
      `${who}: endpoint ${id} is still listed ${GONE_AFTER_DELETE_MINUTES} min after DELETE and may still bill. ` +
        `Fix: check it in the Together console and run destroy again`,
      { cause: err },
    );
  }
  ctx.log.info(`${who}: endpoint ${id} deleted`);
}
