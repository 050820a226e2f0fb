// Runs a program's SDK resources through the provider runtime in this process, as `pulumi up` would: the SDK
// class builds its registration (under the SDK's mocks, so wire serialization and secret wrapping are real), the
// runtime's dispatch runs check, and create only when check passed. Returns every error the run produced: check
// failures, create errors, and errors the SDK itself raised while building the registration.
import * as pulumi from "@pulumi/pulumi";
import { configure, dispatch, resetRuntimeForTests } from "../../provider/runtime";
import { realProcess } from "../../testing/provider-host";
import { unwrapSecrets, type Props } from "../../testing/secrets";
import { errorText } from "../../provider/shared/error-text";

const settings = require("@pulumi/pulumi/runtime/settings");
const debuggable = require("@pulumi/pulumi/runtime/debuggable");

const DYNAMIC_PREFIX = "pulumi-nodejs:dynamic/together:";

export async function upInProcess(
  program: () => void,
  opts: { config: Record<string, string>; project?: string; stack?: string },
): Promise<string[]> {
  const errors: string[] = [];
  const note = (msg: string): void => {
    if (!errors.some((e) => e.includes(msg) || msg.includes(e))) errors.push(msg);
  };
  resetRuntimeForTests();
  await configure({ get: (key) => opts.config[key] });
  const mocks: pulumi.runtime.Mocks = {
    call: (args) => args.inputs,
    newResource: async (args) => {
      if (!args.type.startsWith(DYNAMIC_PREFIX)) return { id: `${args.name}_id`, state: args.inputs };
      const kind = args.type.slice(DYNAMIC_PREFIX.length);
      const news = unwrapSecrets(args.inputs as Props);
      try {
        const checked = (await dispatch(kind, "check", {}, news)) as {
          inputs?: Props;
          failures?: { property: string; reason: string }[];
        };
        if (checked.failures !== undefined && checked.failures.length > 0) {
          throw new Error(checked.failures.map((f) => f.reason).join("\n"));
        }
        const created = (await dispatch(kind, "create", checked.inputs ?? news)) as {
          id: string;
          outs: Props;
        };
        return { id: created.id, state: created.outs };
      } catch (err) {
        note(errorText(err));
        throw err;
      }
    },
  };
  const parked = realProcess.rawListeners("unhandledRejection") as ((...args: unknown[]) => void)[];
  realProcess.removeAllListeners("unhandledRejection");
  const onRejection = (reason: unknown): void => note(errorText(reason));
  realProcess.on("unhandledRejection", onRejection);
  try {
    pulumi.runtime.setAllConfig(opts.config, ["together:apiKey"]);
    await pulumi.runtime.setMocks(mocks, opts.project ?? "proj", opts.stack ?? "dev", false);
    try {
      await pulumi.runtime.runInPulumiStack(async () => program());
    } catch (err) {
      note(errorText(err));
    }
    await settings.waitForRPCs().catch((err: unknown) => note(errorText(err)));
    await new Promise((resolve) => setImmediate(resolve));
  } finally {
    await new Promise((resolve) => setImmediate(resolve));
    realProcess.removeListener("unhandledRejection", onRejection);
    for (const listener of parked) realProcess.on("unhandledRejection", listener);
    debuggable.leakedPromises();
    resetRuntimeForTests();
  }
  return errors;
}
