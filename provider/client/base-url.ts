import { isIP } from "node:net";
import { InsecureBaseUrlError } from "./errors";

/** Loopback hosts may use plain http: traffic to them never crosses a network. */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, "").toLowerCase();
  if (host === "localhost" || host.endsWith(".localhost")) return true;
  if (isIP(host) === 4) return host.startsWith("127.");
  if (isIP(host) === 6) return host === "::1" || host === "0:0:0:0:0:0:0:1" || /^::ffff:127\./.test(host);
  return false;
}

/** https anywhere, http only to loopback. */
export function isSecureUrl(url: URL): boolean {
  return url.protocol === "https:" || (url.protocol === "http:" && isLoopbackHost(url.hostname));
}

/** Parses the configured base URL (trailing slash tolerated) and refuses one that would send the key in clear. */
export function parseBaseUrl(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new InsecureBaseUrlError({
      method: "-",
      path: "-",
      detail: `base URL "${raw}" is not a valid URL`,
    });
  }
  if (!isSecureUrl(url)) {
    throw new InsecureBaseUrlError({
      method: "-",
      path: url.pathname,
      detail:
        `base URL ${url.protocol}//${url.host} is not https; plain http is only allowed to a loopback host ` +
        `(127.0.0.0/8, localhost, ::1) so the API key never crosses a network in clear`,
    });
  }
  url.pathname = url.pathname.replace(/\/+$/, "");
  url.search = "";
  url.hash = "";
  url.username = "";
  url.password = "";
  return url;
}

/**
 * The v2 API root for a configured (v1) base URL: its last path segment `v1` becomes `v2`, so
 * `https://api.together.ai/v1` gives `https://api.together.ai/v2` and an emulator or proxy keeps its host.
 * A base URL that does not end in `/v1` names no v2 root: the caller must say so.
 */
export function v2BaseUrl(v1: URL): URL | undefined {
  if (!/\/v1$/.test(v1.pathname)) return undefined;
  const url = new URL(v1.href);
  url.pathname = v1.pathname.replace(/\/v1$/, "/v2");
  return url;
}
