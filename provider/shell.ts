// THE ONLY SERIALIZED CODE. Pulumi stores each provider object's closure in state (`__provider`) and runs it in
// the dynamic-provider process. These objects capture nothing but their kind string and load the runtime by
// package name at call time, so the stored text stays tiny, holds no secrets and no third-party code, and a
// provider fix reaches existing resources (delete and refresh run the text stored in state). Keep the syntax
// ES2019-level: a closure the serializer cannot parse fails every deployment.
import type * as pulumi from "@pulumi/pulumi";
import type * as Runtime from "./runtime";

/** Type tokens are `pulumi-nodejs:dynamic/together:<Kind>`, fixed forever: changing one orphans existing state. */
export const RESOURCE_MODULE = "together";

export type ShellKind = "TrainingFile" | "FineTuneJob" | "DedicatedEndpoint";

function makeShell(kind: ShellKind): pulumi.dynamic.ResourceProvider {
  return {
    configure: function (req) {
      return (require("pulumi-together/runtime") as typeof Runtime).configure(req.config);
    },
    check: function (olds, news) {
      return (require("pulumi-together/runtime") as typeof Runtime).dispatch(
        kind,
        "check",
        olds,
        news,
      ) as Promise<pulumi.dynamic.CheckResult>;
    },
    diff: function (id, olds, news) {
      return (require("pulumi-together/runtime") as typeof Runtime).dispatch(
        kind,
        "diff",
        id,
        olds,
        news,
      ) as Promise<pulumi.dynamic.DiffResult>;
    },
    create: function (inputs) {
      return (require("pulumi-together/runtime") as typeof Runtime).dispatch(
        kind,
        "create",
        inputs,
      ) as Promise<pulumi.dynamic.CreateResult>;
    },
    read: function (id, props) {
      return (require("pulumi-together/runtime") as typeof Runtime).dispatch(
        kind,
        "read",
        id,
        props,
      ) as Promise<pulumi.dynamic.ReadResult>;
    },
    update: function (id, olds, news) {
      return (require("pulumi-together/runtime") as typeof Runtime).dispatch(
        kind,
        "update",
        id,
        olds,
        news,
      ) as Promise<pulumi.dynamic.UpdateResult>;
    },
    delete: function (id, props) {
      return (require("pulumi-together/runtime") as typeof Runtime).dispatch(
        kind,
        "delete",
        id,
        props,
      ) as Promise<void>;
    },
  };
}

/** Singletons: serialization is cached per provider object, so every resource of a kind shares one. */
export const shells: Record<ShellKind, pulumi.dynamic.ResourceProvider> = {
  TrainingFile: makeShell("TrainingFile"),
  FineTuneJob: makeShell("FineTuneJob"),
  DedicatedEndpoint: makeShell("DedicatedEndpoint"),
};
