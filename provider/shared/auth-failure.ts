import { API_KEY_CONFIG, API_KEY_ENV } from "../config";
import type { CheckFailure } from "./types";
import { errorText } from "./error-text";

/**
 * A 401 or 403 from Together during check: the preview fails under the resource with the fix, instead of a
 * warning in the provider log and a failed upload later. Together's message is kept (it never holds the key).
 */
export function authFailure(who: string, err: unknown): CheckFailure {
  const why = errorText(err);
  return {
    property: "",
    reason:
      `${who}: Together refused the API key (${why}). Nothing was created. ` +
      `Fix: \`pulumi config set --secret ${API_KEY_CONFIG} <a valid key>\` (or set ${API_KEY_ENV}).`,
  };
}
