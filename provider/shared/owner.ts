// Which resource of which stack an object on Together belongs to. Recovery of an interrupted create must find
// the object that this resource made and never one of another stack's (GitOps runs one stack per branch, often
// several at once, against one Together account): the SDK passes the project and stack as inputs, beside the
// resource's name, because the engine tells a dynamic provider's process its project but not its stack.
import { isUnknown } from "./types";

export interface Owner {
  project: string | undefined;
  stack: string | undefined;
  logicalName: string;
}

/** Input names the SDK fills with `pulumi.getProject()` and `pulumi.getStack()`. */
export const OWNER_INPUTS = ["pulumiProject", "pulumiStack"] as const;

const known = (v: unknown): v is string => typeof v === "string" && !isUnknown(v) && v !== "";

/** The owner a resource's inputs name. Inputs from an SDK older than this field carry no stack: the project then
 *  comes from the engine's environment, and the stack stays unknown (recovery then trusts the local journal only). */
export function ownerOf(inputs: Record<string, unknown>, env: NodeJS.ProcessEnv = process.env): Owner {
  return {
    project: known(inputs.pulumiProject)
      ? inputs.pulumiProject
      : (env.PULUMI_NODEJS_PROJECT ?? env.PULUMI_PROJECT),
    stack: known(inputs.pulumiStack) ? inputs.pulumiStack : undefined,
    logicalName: known(inputs.logicalName) ? inputs.logicalName : "",
  };
}

/** One string per (kind, project, stack, name): NUL-separated, so ("a-b","c") and ("a","b-c") differ. */
export function ownerKey(kind: string, o: Owner): string {
  return [kind, o.project ?? "", o.stack ?? "", o.logicalName].join("\0");
}
