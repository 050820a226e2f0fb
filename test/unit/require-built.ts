// The compiled package (dist/, which `npm test` builds before jest runs), for tests of what only compiled code
// does: start worker threads (a worker cannot load .ts) from scripts beside their modules, as when installed.
import * as fs from "node:fs";
import * as path from "node:path";

const repo = path.resolve(__dirname, "../..");

/** `dist/<folder>/<module>.js`, loaded; a missing build is named with its fix. */
export function requireBuilt<T>(folder: string, module: string): T {
  const file = path.join(repo, "dist", folder, `${module}.js`);
  if (!fs.existsSync(file)) {
    throw new Error(
      `${file} not found: run \`npm run build\` first (\`npm test\` builds before running jest)`,
    );
  }
  return require(file) as T;
}

/** The folder of `dist/<folder>`. */
export const builtFolder = (folder: string): string => path.join(repo, "dist", folder);
