// Loads the lifecycle harness from its TypeScript source. Compiled into dist/, the harness would take dist/ for
// the repository root and could not find the built provider runtime; from test/lifecycle/ it finds both.
import * as fs from "node:fs";
import Module from "node:module";
import * as path from "node:path";
import ts from "typescript";
import type * as Harness from "../test/lifecycle/harness";

type CompileHook = (module: { _compile(code: string, filename: string): void }, filename: string) => void;

const REPO_ROOT = path.resolve(__dirname, "../..");
const HARNESS_DIR = path.join(REPO_ROOT, "test", "lifecycle");

let loaded: typeof Harness | undefined;

export function loadHarness(): typeof Harness {
  if (loaded) return loaded;
  const extensions = (Module as unknown as { _extensions: Record<string, CompileHook | undefined> })
    ._extensions;
  const previous = extensions[".ts"];
  extensions[".ts"] = (module, filename) => {
    if (!filename.startsWith(`${HARNESS_DIR}${path.sep}`)) {
      if (!previous) throw new Error(`cannot load ${filename}: only the harness sources load as TypeScript`);
      previous(module, filename);
      return;
    }
    const out = ts.transpileModule(fs.readFileSync(filename, "utf8"), {
      fileName: filename,
      compilerOptions: {
        module: ts.ModuleKind.CommonJS,
        target: ts.ScriptTarget.ES2022,
        esModuleInterop: true,
      },
    });
    module._compile(out.outputText, filename);
  };
  loaded = require(path.join(HARNESS_DIR, "harness.ts")) as typeof Harness;
  return loaded;
}
