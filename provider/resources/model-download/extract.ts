// `extract: true`: the archive unpacked into a folder beside it, streaming (tar reads the file in chunks and
// decompresses zstd with Node's own zlib; nothing holds the archive in memory). Unpacked under a temporary name
// and renamed when complete, like the archive itself. tar refuses entries that would land outside the folder
// (absolute paths, `..`), so an archive cannot write elsewhere in the program directory.
import * as fs from "node:fs";
import * as path from "node:path";
import * as tar from "tar";
import { errorText } from "../../shared/error-text";
import type { ProviderContext } from "../../shared/types";
import { prefix } from "./job-facts";

export async function extractArchive(
  ctx: ProviderContext,
  name: string,
  archive: string,
  folder: string,
): Promise<string> {
  const who = prefix(name);
  const partial = path.join(path.dirname(folder), `.${path.basename(folder)}.partial`);
  await fs.promises.rm(partial, { recursive: true, force: true });
  await fs.promises.mkdir(partial, { recursive: true });
  let entries = 0;
  try {
    await tar.x({ file: archive, cwd: partial, strict: true, onReadEntry: () => void entries++ });
    await fs.promises.rm(folder, { recursive: true, force: true });
    await fs.promises.rename(partial, folder);
  } catch (e) {
    await fs.promises.rm(partial, { recursive: true, force: true });
    throw new Error(
      `${who}: unpacking ${archive} failed: ${errorText(e)}. The archive is complete; nothing was unpacked. ` +
        "Fix: check the disk space, or set extract: false and unpack it yourself.",
      { cause: e },
    );
  }
  ctx.log.info(`${who}: unpacked ${entries} entries into ${folder}`);
  return folder;
}
