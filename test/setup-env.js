// Every jest worker gets its own create journal (provider/shared/create-journal.ts), so tests never write to
// the user's ~/.pulumi-together and never see each other's in-flight entries. Provider processes spawned by
// the lifecycle harness inherit it through the environment. Tests that need their own set it themselves.
const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");

if (!process.env.PULUMI_TOGETHER_JOURNAL_DIR) {
  process.env.PULUMI_TOGETHER_JOURNAL_DIR = fs.mkdtempSync(path.join(os.tmpdir(), "pt-journal-"));
}
