// Runs a Pulumi TypeScript program in this process, as the Pulumi CLI's Node.js language host does: through
// ts-node, transpile-only (no type check, as PULUMI_NODEJS_TRANSPILE_ONLY does), for the `.ts` files of the
// program directory. The program's imports of `pulumi-together` and `@pulumi/pulumi` resolve to this package
// and its SDK instance, so the program registers its resources with the mocks the harness installed.
import * as fs from "node:fs";
import Module from "node:module";
import * as path from "node:path";
import { register } from "ts-node";

type ResolveFilename = (
  request: string,
  parent: { filename?: string | null } | undefined,
  ...rest: unknown[]
) => string;

/** Node's resolver; ts-node compiles but does not resolve, so redirecting the shared packages is done here. */
const internals = Module as unknown as { _resolveFilename: ResolveFilename };

const SHARED_PACKAGES = ["pulumi-together", "@pulumi/pulumi"];

function isUnder(file: string, dir: string): boolean {
  const rel = path.relative(dir, file);
  return (
    rel !== "" &&
    !rel.startsWith("..") &&
    !path.isAbsolute(rel) &&
    !rel.split(path.sep).includes("node_modules")
  );
}

function isShared(request: string): boolean {
  return SHARED_PACKAGES.some((p) => request === p || request.startsWith(`${p}/`));
}

export interface TsLoader {
  /** Forgets every module loaded from the program directory, so the next require runs the program again. */
  forgetProgram(): void;
  dispose(): void;
}

/** Compiles `.ts` under `programDir`; the program directory's shared imports resolve from here. */
export function registerTsLoader(programDir: string): TsLoader {
  const program = fs.realpathSync(programDir);
  const compiler = register({
    transpileOnly: true,
    // The program's tsconfig.json is not read: whatever module system it targets, the program runs here as
    // CommonJS, with the options below.
    skipProject: true,
    scope: true,
    scopeDir: program,
    compilerOptions: {
      module: "commonjs",
      target: "es2022",
      esModuleInterop: true,
      // CommonJS's resolution, which TypeScript 6 flags as deprecated (as in jest.config.js); transpiling one
      // file at a time resolves nothing anyway.
      moduleResolution: "node10",
      ignoreDeprecations: "6.0",
    },
  });
  const previousResolve = internals._resolveFilename;

  internals._resolveFilename = function (request, parent, ...rest) {
    if (parent?.filename && isShared(request) && isUnder(parent.filename, program)) {
      return require.resolve(request);
    }
    return previousResolve.call(this, request, parent, ...rest);
  };

  return {
    forgetProgram() {
      for (const key of Object.keys(require.cache)) if (isUnder(key, program)) delete require.cache[key];
    },
    dispose() {
      compiler.enabled(false);
      internals._resolveFilename = previousResolve;
    },
  };
}
