// The oldest Node.js the package runs on, and the one-line message for an older one. undici 8 needs
// 22.19 and commander 15 needs 22.12; on Node 20 undici fails while loading with "Cannot read
// properties of undefined (reading 'bind')", which says nothing about the cause.
export const MIN_NODE_VERSION = "22.19.0";

function parts(v: string): number[] {
  return v.split(".").map((p) => Number.parseInt(p, 10) || 0);
}

/** Why `version` cannot run the package (one line with the fix), or undefined when it can. */
export function nodeVersionProblem(version: string, executable: string, who: string): string | undefined {
  const [a = 0, b = 0, c = 0] = parts(version);
  const [x = 0, y = 0, z = 0] = parts(MIN_NODE_VERSION);
  const ok = a !== x ? a > x : b !== y ? b > y : c >= z;
  if (ok) return undefined;
  return (
    `${who} needs Node.js ${MIN_NODE_VERSION} or newer, but ${executable} is Node.js ${version}. ` +
    `Fix: install Node.js 22.19+ (e.g. \`npm install --prefix ~/.node22 node@22\` and put ~/.node22/node_modules/node/bin first on PATH).`
  );
}
