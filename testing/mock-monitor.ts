// The SDK's mock monitor, adapted to the harness: a dynamic resource's registration becomes a step (with the raw
// request the SDK sent, which the mocks alone never see), a `get` of one becomes a read, anything else is
// echoed. Everything here leans on SDK internals (runtime settings, the monitor's request objects), so it
// stays in this one module.
import * as pulumi from "@pulumi/pulumi";
import { errorText } from "../provider/shared/error-text";
import { ProviderRpcError, type Props } from "./provider-host";

const settings = require("@pulumi/pulumi/runtime/settings");
const debuggable = require("@pulumi/pulumi/runtime/debuggable");

const DYNAMIC_PREFIX = "pulumi-nodejs:dynamic";
const GRPC_UNAVAILABLE = 14;

/** A RegisterResourceRequest, as far as the steps need it. */
export interface RawRequest {
  object: Props;
  additionalSecretOutputs: string[];
  deleteBeforeReplace: boolean;
  retainOnDelete: boolean;
  protect: boolean;
  importId: string;
  /** The `ignoreChanges` option: input paths whose new value the engine replaces with the old before Check. */
  ignoreChanges: string[];
}

export interface MonitorRun {
  project: string;
  stack: string;
  preview: boolean;
  config: Record<string, string>;
  secretKeys: string[] | undefined;
  /** A dynamic resource's registration. */
  register(type: string, name: string, req: RawRequest): Promise<{ id: string; state: Props }>;
  /** `new Resource(name, props, { id })` of a dynamic resource: the engine's ReadStep. */
  read(type: string, name: string, id: string, props: Props): Promise<{ id: string; state: Props }>;
  /** A registration failed with this message. */
  failed(message: string): void;
}

/** Sets the stack config and installs the mocks, as the language host would before running the program. */
export async function installMockMonitor(run: MonitorRun): Promise<void> {
  const requests = new Map<string, RawRequest>();
  const mocks: pulumi.runtime.Mocks = {
    call: (args) => args.inputs,
    newResource: async (args) => {
      if (!args.type.startsWith(DYNAMIC_PREFIX)) {
        return { id: args.custom ? `${args.name}_id` : undefined, state: args.inputs };
      }
      const key = `${args.type}::${args.name}`;
      if (args.id !== undefined && args.id !== "" && !requests.has(key)) {
        return run.read(args.type, args.name, args.id, args.inputs as Props).catch((err: unknown) => {
          throw forSdk(err);
        });
      }
      const req = requests.get(key);
      try {
        if (!req) throw new Error(`${key}: no registration request was recorded`);
        return await run.register(args.type, args.name, req);
      } catch (err) {
        const plain = forSdk(err);
        run.failed(errorText(plain));
        throw plain;
      }
    },
  };
  pulumi.runtime.setAllConfig(run.config, run.secretKeys);
  await pulumi.runtime.setMocks(mocks, run.project, run.stack, run.preview);
  recordRequests(settings.getMonitor(), requests);
}

/** Resolves once every registration the program made has been answered. */
export async function waitForRegistrations(): Promise<void> {
  await settings.waitForRPCs();
}

/** A failed run leaves registrations pending; forget them so the SDK's exit hook does not count them. */
export function forgetPendingRegistrations(): void {
  debuggable.leakedPromises();
}

/**
 * What the mock's newResource may throw. The SDK reads a `code` on a registration error as the monitor's gRPC
 * status: UNAVAILABLE means "the engine is shutting down", so it calls terminateRpcs() and never settles the
 * program. A provider process that died answers exactly that, so the SDK gets a plain Error with the message.
 */
function forSdk(err: unknown): unknown {
  if (!(err instanceof ProviderRpcError)) return err;
  return new Error(err.code === GRPC_UNAVAILABLE ? `provider process exited: ${err.message}` : err.message);
}

/** Keeps each raw RegisterResourceRequest: the mock's newResource sees neither options nor the wire values. */
/* eslint-disable @typescript-eslint/no-explicit-any -- the mock monitor and the request are untyped internals */
function recordRequests(monitor: any, requests: Map<string, RawRequest>): void {
  const register = monitor.registerResource.bind(monitor);
  monitor.registerResource = (req: any, callback: unknown) => {
    requests.set(`${req.getType()}::${req.getName()}`, {
      object: req.getObject()?.toJavaScript() ?? {},
      additionalSecretOutputs: req.getAdditionalsecretoutputsList(),
      deleteBeforeReplace: req.getDeletebeforereplace(),
      retainOnDelete: req.getRetainondelete?.() ?? false,
      protect: req.getProtect?.() ?? false,
      importId: req.getImportid(),
      ignoreChanges: req.getIgnorechangesList?.() ?? [],
    });
    return register(req, callback);
  };
}
/* eslint-enable @typescript-eslint/no-explicit-any */
