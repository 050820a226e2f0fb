// THE ONLY SERIALIZED CODE. Pulumi stores each provider object's closure in state (`__provider`) and runs it in
// the dynamic-provider process. These objects capture nothing but their kind string and load the runtime by
// package name at call time, so the stored text stays tiny, holds no secrets and no third-party code, and a
// provider fix reaches existing resources (delete and refresh run the text stored in state). Keep the syntax
// ES2019-level: a closure the serializer cannot parse fails every deployment.
import type * as pulumi from "@pulumi/pulumi";
import type * as Runtime from "./runtime";

/** Type tokens are `pulumi-nodejs:dynamic/together:<Kind>`, fixed forever: changing one orphans existing state. */
export const RESOURCE_MODULE = "together";

export type ShellKind = "TrainingFile" | "FineTuneJob" | "DedicatedEndpoint" | "ModelDownload";

function makeShell(kind: ShellKind): pulumi.dynamic.ResourceProvider {
  // The runtime, by package name, resolved from the provider process's working directory (the program's). When
  // the package is not installed there, one line with the fix instead of Node's MODULE_NOT_FOUND stack.
  const runtime = function (): typeof Runtime {
    try {
      return require("pulumi-together/runtime") as typeof Runtime;
    } catch (e) {
      const err = e as { code?: unknown; message?: unknown };
      if (
        err &&
        err.code === "MODULE_NOT_FOUND" &&
        String(err.message).indexOf("'pulumi-together/runtime'") >= 0
      ) {
        throw new Error(
          "pulumi-together is not installed where Pulumi runs its provider (" +
            process.cwd() +
            "). Fix: run `npm install pulumi-together` in the Pulumi program's directory.",
          { cause: e },
        );
      }
      throw e;
    }
  };
  // The only thing each method does: hand its arguments to the runtime, loaded at call time.
  const run = function (method: Runtime.Method, args: unknown[]): Promise<never> {
    return runtime().dispatch(kind, method, ...args) as Promise<never>;
  };
  return {
    configure: function (req) {
      return runtime().configure(req.config);
    },
    check: function (olds, news) {
      return run("check", [olds, news]);
    },
    diff: function (id, olds, news) {
      return run("diff", [id, olds, news]);
    },
    create: function (inputs) {
      return run("create", [inputs]);
    },
    read: function (id, props) {
      return run("read", [id, props]);
    },
    update: function (id, olds, news) {
      return run("update", [id, olds, news]);
    },
    delete: function (id, props) {
      return run("delete", [id, props]);
    },
  };
}

/** Singletons: serialization is cached per provider object, so every resource of a kind shares one. */
export const shells: Record<ShellKind, pulumi.dynamic.ResourceProvider> = {
  TrainingFile: makeShell("TrainingFile"),
  FineTuneJob: makeShell("FineTuneJob"),
  DedicatedEndpoint: makeShell("DedicatedEndpoint"),
  ModelDownload: makeShell("ModelDownload"),
};
