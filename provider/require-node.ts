// Imported first by the provider runtime: on too old a Node.js, the dynamic-provider process fails every
// call with one line naming the version found and the one needed, before undici is loaded.
import { nodeVersionProblem } from "./node-version";

const problem = nodeVersionProblem(process.versions.node, process.execPath, "The pulumi-together provider");
if (problem !== undefined) throw new Error(problem);
