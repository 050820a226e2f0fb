// Preview warning for base models on Together's deprecation list.
import { deprecationFor } from "../../catalog";
import { subject } from "./messages";

export function deprecationWarning(name: string | undefined, model: string): string | undefined {
  const d = deprecationFor(model);
  if (!d) return undefined;
  if (d.kind === "planned") {
    return (
      `${subject(name)}: base model "${model}" is on Together's deprecation list (removal planned ${d.date}); ` +
      `Together recommends "${d.replacementOrDedicatedSupport}" instead. Fix: set model to "${d.replacementOrDedicatedSupport}".`
    );
  }
  return (
    `${subject(name)}: base model "${model}" is on Together's deprecation list (removed from serverless inference ` +
    `${d.date}; on-demand dedicated endpoints: ${d.replacementOrDedicatedSupport}); Together names no direct ` +
    `replacement. Fix: choose a current model from Together's fine-tuning models list.`
  );
}
