// Files an interrupted upload of this resource left on Together, found by their marked name (file-mark.ts) from
// any machine. A complete one is adopted; one cut off mid-upload can never be filled, so it is deleted.
import type { WireFile } from "../../client";
import { isHeld } from "../../shared/deployment-memory";
import type { ProviderContext } from "../../shared/types";
import { prefix } from "./inspect-source";
import { TRAINING_FILE_KIND, type TrainingFileCheckedInputs } from "./schema";
import { deleteQuietly, usableFile } from "./upload";

/** Complete, accepted namesakes of this upload, oldest first; incomplete ones are deleted on the way. */
export async function orphanFiles(
  inputs: TrainingFileCheckedInputs,
  ctx: ProviderContext,
): Promise<WireFile[]> {
  const namesakes = (await ctx.client().files.list())
    .filter((f) => f.filename === inputs.fileName && f.purpose === inputs.purpose)
    .filter((f) => !isHeld(TRAINING_FILE_KIND, f.id))
    .sort((a, b) => a.created_at - b.created_at);
  const usable: WireFile[] = [];
  for (const f of namesakes) {
    if (f.bytes === inputs.bytes) {
      // The list may leave out the processing outcome: ask for the file itself.
      const file = await usableFile(f.id, inputs, ctx);
      if (file !== undefined) usable.push(file);
      continue;
    }
    ctx.log.info(
      `${prefix(inputs.logicalName)}: deleting ${f.id}, an upload of ${inputs.fileName} an interrupted earlier run ` +
        `left incomplete (${f.bytes} of ${inputs.bytes} bytes)`,
    );
    await deleteQuietly(f.id, ctx);
  }
  return usable;
}
