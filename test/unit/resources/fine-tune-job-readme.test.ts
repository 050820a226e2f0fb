// The README's FineTuneJob input table and the resource's one diff table say the same: every input the diff
// table knows has a row, and its "on change" column says what the table does (replace or update in place).
import * as fs from "node:fs";
import * as path from "node:path";
import { diffTable } from "../../../provider/resources/fine-tune-job/schema";

const README = fs.readFileSync(path.join(__dirname, "..", "..", "..", "README.md"), "utf8");

function inputRows(): Map<string, string> {
  const start = README.indexOf("### `FineTuneJob`");
  const section = README.slice(start, README.indexOf("\n### ", start + 1));
  const table = section.slice(section.indexOf("| input"), section.indexOf("| output"));
  const rows = new Map<string, string>();
  for (const line of table.split("\n")) {
    const cells = line.split(/(?<!\\)\|/).map((c) => c.trim());
    const [, names, , , onChange] = cells;
    if (names === undefined || onChange === undefined || !names.startsWith("`")) continue;
    for (const name of names.match(/`[A-Za-z]+`/g) ?? []) rows.set(name.slice(1, -1), onChange);
  }
  return rows;
}

test("every input of the diff table has a README row whose 'on change' matches", () => {
  const rows = inputRows();
  for (const [field, change] of Object.entries(diffTable)) {
    expect([field, rows.get(field)?.split(" ")[0]]).toEqual([
      field,
      change === "replace" ? "replace" : "update",
    ]);
  }
});
