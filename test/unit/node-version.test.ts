// On Node.js older than 22.19 the CLI and the provider stop with one line naming both versions.
import * as fs from "node:fs";
import * as path from "node:path";
import { MIN_NODE_VERSION, nodeVersionProblem } from "../../provider/node-version";

test("versions below 22.19.0 are refused with the version found, the one needed and the fix", () => {
  expect(nodeVersionProblem("20.20.2", "/usr/bin/node", "pulumi-together")).toBe(
    "pulumi-together needs Node.js 22.19.0 or newer, but /usr/bin/node is Node.js 20.20.2. " +
      "Fix: install Node.js 22.19+ (e.g. `npm install --prefix ~/.node22 node@22` and put ~/.node22/node_modules/node/bin first on PATH).",
  );
  expect(nodeVersionProblem("22.18.9", "node", "x")).toMatch(
    /needs Node\.js 22\.19\.0 or newer, but node is Node\.js 22\.18\.9/,
  );
  expect(nodeVersionProblem("21.99.0", "node", "x")).toBeDefined();
});

test("22.19.0 and newer pass", () => {
  for (const v of [MIN_NODE_VERSION, "22.19.1", "22.23.3", "23.0.0", "24.1.0"]) {
    expect(nodeVersionProblem(v, "node", "x")).toBeUndefined();
  }
});

test("the guard is the first import of the provider runtime and of the CLI, before any dependency loads", () => {
  const firstImport = (file: string): string | undefined =>
    /^import\s+(?:[^;]*?from\s+)?"([^"]+)";/m.exec(
      fs.readFileSync(path.join(__dirname, "..", "..", file), "utf8"),
    )?.[1];
  expect(firstImport("provider/runtime.ts")).toBe("./require-node");
  expect(firstImport("cli/index.ts")).toBe("./require-node");
});
