// Loads TypeScript sources at run time without ts-node: `.ts` files under the given directories are transpiled
// with the `typescript` package's transpileModule (no type check, as `PULUMI_NODEJS_TRANSPILE_ONLY` does), and a
// program's imports of `pulumi-together` and `@pulumi/pulumi` resolve to this package and its SDK instance, so
// the program registers its resources with the mocks the harness installed.
import * as fs from "node:fs";
import Module from "node:module";
import * as path from "node:path";
import ts from "typescript";

type CompileHook = (module: { _compile(code: string, filename: string): void }, filename: string) => void;
type ResolveFilename = (
  request: string,
  parent: { filename?: string | null } | undefined,
  ...rest: unknown[]
) => string;

interface ModuleInternals {
  _extensions: Record<string, CompileHook | undefined>;
  _resolveFilename: ResolveFilename;
}

const internals = Module as unknown as ModuleInternals;

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

/** Transpiles `.ts` under `programDir`; the program directory's shared imports resolve from here. */
export function registerTsLoader(programDir: string): TsLoader {
  const dirs = [fs.realpathSync(programDir)];
  const program = dirs[0]!;
  const previousTs = internals._extensions[".ts"];
  const previousResolve = internals._resolveFilename;

  internals._extensions[".ts"] = (module, filename) => {
    if (!dirs.some((d) => isUnder(filename, d))) {
      if (!previousTs)
        throw new Error(`cannot load ${filename}: TypeScript files load only from ${dirs.join(", ")}`);
      previousTs(module, filename);
      return;
    }
    const out = ts.transpileModule(fs.readFileSync(filename, "utf8"), {
      fileName: filename,
      compilerOptions: {
        module: ts.ModuleKind.CommonJS,
        target: ts.ScriptTarget.ES2022,
        esModuleInterop: true,
        inlineSourceMap: true,
      },
    });
    module._compile(out.outputText, filename);
  };

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
      if (previousTs) internals._extensions[".ts"] = previousTs;
      else delete internals._extensions[".ts"];
      internals._resolveFilename = previousResolve;
    },
  };
}
