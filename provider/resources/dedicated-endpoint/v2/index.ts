// DedicatedEndpoint on Together's v2 platform (endpoints and deployments), engaged only when a project is
// configured. lifecycle.ts dispatches here: check and create by the configuration, read, update and delete by
// what the stored state says the resource was created on (its recorded `v2` settings).
export { checkV2 } from "./check";
export { createV2 } from "./create";
export { deleteV2 } from "./delete";
export { configuredProject, v2Of } from "./platform";
export { readV2 } from "./read";
export { updateV2 } from "./update";
