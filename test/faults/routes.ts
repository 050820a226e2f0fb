// Every route the quickstart stack uses during preview/up/destroy, as fault-rule matchers (paths include /v1;
// uploads go to the emulator's pre-signed-style URLs under /_uploads/).
export interface RouteMatcher {
  method: string;
  path: RegExp;
}

export const GET_ROUTES: RouteMatcher[] = [
  { method: "GET", path: /^\/v1\/files$/ },
  { method: "GET", path: /^\/v1\/files\/file-[^/]+$/ },
  { method: "GET", path: /^\/v1\/fine-tunes$/ },
  { method: "GET", path: /^\/v1\/fine-tunes\/ft-[^/]+$/ },
  { method: "GET", path: /^\/v1\/fine-tunes\/models\/limits$/ },
  { method: "GET", path: /^\/v1\/hardware$/ },
  { method: "GET", path: /^\/v1\/endpoints$/ },
  { method: "GET", path: /^\/v1\/endpoints\/[^/]+$/ },
];

export const CREATE_ROUTES: RouteMatcher[] = [
  { method: "POST", path: /^\/v1\/files$/ },
  { method: "POST", path: /^\/v1\/fine-tunes$/ },
  { method: "POST", path: /^\/v1\/endpoints$/ },
];

export const OTHER_WRITE_ROUTES: RouteMatcher[] = [
  { method: "PUT", path: /^\/_uploads\/file-[^/]+$/ },
  { method: "POST", path: /^\/v1\/files\/file-[^/]+\/preprocess$/ },
  { method: "POST", path: /^\/v1\/fine-tunes\/estimate-price$/ },
  { method: "POST", path: /^\/v1\/fine-tunes\/ft-[^/]+\/cancel$/ },
  { method: "PATCH", path: /^\/v1\/endpoints\/[^/]+$/ },
  { method: "DELETE", path: /^\/v1\/endpoints\/[^/]+$/ },
  { method: "DELETE", path: /^\/v1\/files\/file-[^/]+$/ },
];

export const ALL_ROUTES: RouteMatcher[] = [...GET_ROUTES, ...CREATE_ROUTES, ...OTHER_WRITE_ROUTES];
