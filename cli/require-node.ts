// Imported first by the CLI: on an unsupported Node.js it prints one line naming the version found and the
// one needed, and exits, before commander or undici is loaded.
import { nodeVersionProblem } from "../provider/node-version";

const problem = nodeVersionProblem(process.versions.node, process.execPath, "pulumi-together");
if (problem !== undefined) {
  process.stderr.write(`${problem}\n`);
  process.exit(1);
}
