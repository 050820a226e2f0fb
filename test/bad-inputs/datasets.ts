// Small bad training datasets, written into a temp dir at test time. Each names the line and the record path the
// validator must point at, and a phrase of the fix it must give; the same files feed the TrainingFile cases and
// the `pulumi-together check` cases.
import * as fs from "node:fs";
import * as path from "node:path";

export interface BadDataset {
  file: string;
  /** File content: JSONL lines (joined with "\n", newline-terminated) or raw bytes. */
  content: string[] | Buffer;
  /** Where the validator must point: `line 2: messages[1].role`, or just the file when the whole file is wrong. */
  where: string;
  /** The offending value as it must appear, when one is meaningful. */
  value?: string;
  /** A phrase of the fix (after `Fix:`). */
  fix: string;
  /** Purpose the TrainingFile declares (default fine-tune). */
  purpose?: string;
}

const J = JSON.stringify;
const user = (content: unknown) => ({ role: "user", content });
const assistant = (content: unknown) => ({ role: "assistant", content });
const GOOD = J({ messages: [user("q"), assistant("a")] });

export const GOOD_LINES = [GOOD, J({ messages: [user("q2"), assistant("a2")] })];

export const BAD_DATASETS: BadDataset[] = [
  {
    file: "not-json.jsonl",
    content: [GOOD, '{"messages": [', GOOD],
    where: "line 2: invalid JSON",
    fix: "one complete JSON object on a single line",
  },
  { file: "empty.jsonl", content: [], where: "empty.jsonl: the file is empty", fix: "at least one" },
  {
    file: "role-bot.jsonl",
    content: [GOOD, J({ messages: [user("q"), { role: "bot", content: "a" }] })],
    where: "line 2: messages[1].role",
    value: '"bot"',
    fix: "use one of system, user, assistant",
  },
  {
    file: "messages-string.jsonl",
    content: [J({ messages: "hello" })],
    where: "line 1: messages",
    value: "a string",
    fix: "make messages a list",
  },
  {
    file: "messages-empty.jsonl",
    content: [J({ messages: [] })],
    where: "line 1: messages",
    value: "an empty list",
    fix: "add the conversation's messages",
  },
  {
    file: "no-content.jsonl",
    content: [J({ messages: [user("q"), { role: "assistant" }] })],
    where: "line 1: messages[1]",
    value: '"content"',
    fix: 'as "content"',
  },
  {
    file: "no-assistant.jsonl",
    content: [J({ messages: [user("q")] })],
    where: "line 1: messages",
    value: "no assistant message",
    fix: "add the assistant reply",
  },
  {
    file: "mixed-formats.jsonl",
    content: [GOOD, J({ prompt: "p", completion: "c" })],
    where: "line 2:",
    value: "instruction format",
    fix: "one dataset format for every line",
  },
  {
    file: "prompt-only.jsonl",
    content: [J({ prompt: "p" })],
    where: "line 1:",
    value: '"completion"',
    fix: 'add "completion"',
  },
  {
    file: "text-number.jsonl",
    content: [J({ text: 42 })],
    where: "line 1: text",
    value: "a number",
    fix: "make text a string",
  },
  {
    file: "preference-missing.jsonl",
    content: [J({ input: { messages: [user("q")] }, preferred_output: [assistant("a")] })],
    where: "line 1:",
    value: '"non_preferred_output"',
    fix: 'add "non_preferred_output"',
  },
  {
    file: "preference-two.jsonl",
    content: [
      J({
        input: { messages: [user("q")] },
        preferred_output: [assistant("a")],
        non_preferred_output: [assistant("b"), assistant("c")],
      }),
    ],
    where: "line 1: non_preferred_output",
    value: "2 messages",
    fix: '"non_preferred_output": [{"role": "assistant"',
  },
  {
    file: "weight-2.jsonl",
    content: [J({ messages: [user("q"), { role: "assistant", content: "a", weight: 2 }] })],
    where: "line 1: messages[1].weight",
    value: "2",
    fix: "use 0 (not trained on) or 1",
  },
  {
    file: "array-line.jsonl",
    content: ["[1,2]"],
    where: "line 1: the line",
    value: "a list",
    fix: "one JSON object per line",
  },
  {
    file: "unknown-keys.jsonl",
    content: [J({ foo: 1 })],
    where: "line 1:",
    value: '"foo"',
    fix: 'use "messages" (conversation)',
  },
  {
    file: "two-users.jsonl",
    content: [J({ messages: [user("q"), user("q2"), assistant("a")] })],
    where: "line 1: messages[1].role",
    value: '"user"',
    fix: "alternate user and assistant turns",
  },
  {
    file: "content-number.jsonl",
    content: [J({ messages: [user(5), assistant("a")] })],
    where: "line 1: messages[0].content",
    value: "a number",
    fix: "make messages[0].content a string",
  },
  {
    file: "role-missing.jsonl",
    content: [J({ messages: [{ content: "q" }, assistant("a")] })],
    where: "line 1: messages[0]",
    value: '"role"',
    fix: 'add "role"',
  },
  {
    file: "null-line.jsonl",
    content: ["null"],
    where: "line 1: the line",
    value: "null",
    fix: "one JSON object per line",
  },
  {
    file: "blank-middle.jsonl",
    content: [GOOD, "", GOOD],
    where: "line 2: the line is empty",
    fix: "remove blank lines",
  },
  {
    file: "completion-number.jsonl",
    content: [J({ prompt: "p", completion: 7 })],
    where: "line 1: completion",
    value: "a number",
    fix: "make completion a string",
  },
  {
    file: "bad-utf8.jsonl",
    content: Buffer.concat([Buffer.from('{"text": "caf'), Buffer.from([0xc3, 0x28]), Buffer.from('"}\n')]),
    where: "line 1: the line is not valid UTF-8",
    value: "column 14",
    fix: "re-save the file as UTF-8",
  },
  {
    file: "garbage.parquet",
    content: Buffer.from("this is not parquet at all"),
    where: "garbage.parquet: cannot be read as Parquet",
    fix: "write the file again",
  },
  {
    file: "csv-for-fine-tune.csv",
    content: ["a,b", "1,2"],
    where: "csv-for-fine-tune.csv",
    value: "CSV",
    fix: "convert the data to .jsonl",
  },
];

/** Writes every bad dataset (and a good one, `good.jsonl`) into `dir`. */
export function writeDatasets(dir: string): void {
  fs.mkdirSync(dir, { recursive: true });
  for (const d of BAD_DATASETS) {
    const body = Buffer.isBuffer(d.content)
      ? d.content
      : d.content.length === 0
        ? ""
        : `${d.content.join("\n")}\n`;
    fs.writeFileSync(path.join(dir, d.file), body);
  }
  fs.writeFileSync(path.join(dir, "good.jsonl"), `${GOOD_LINES.join("\n")}\n`);
  fs.writeFileSync(path.join(dir, "good-small.jsonl"), `${GOOD_LINES[0]}\n`);
  fs.writeFileSync(path.join(dir, "good.txt"), `${GOOD_LINES.join("\n")}\n`);
  fs.mkdirSync(path.join(dir, "folder.jsonl"), { recursive: true });
}
