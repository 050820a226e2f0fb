// What Together charges per training token, by model size band, SFT or DPO, LoRA or Full. The
// provider prices a job locally from it when Together cannot be asked yet (a fresh stack's preview,
// before the dataset is uploaded); the emulator charges by it. One table for both.
//
// Source: the fine-tuning table on together.ai/pricing, as last read (2025-11; Together's docs page
// "Fine-tuning pricing", updated 2025-11-14, names the same bands and formula). This package cannot
// re-read the page offline: the bands up to 100B are Together's published figures as of that date,
// and Together prices bigger models on request, so the >100B band is an assumption (twice 70-100B).
// Together's own estimate-price answer always wins when it can be had.

export const RATES_SOURCE = "together.ai/pricing fine-tuning table as read 2025-11";

/** Total parameters (billions) of the MoE models whose names give only the active or per-expert size. */
const KNOWN_SIZES_B: [RegExp, number][] = [
  [/DeepSeek-(R1|V3)(?!-Distill)/i, 671],
  [/Llama-4-Scout/i, 109],
  [/Llama-4-Maverick/i, 400],
  [/Mixtral-8x7B/i, 46.7],
];

/** Parameter count in billions, read from the model name (e.g. `Qwen3-0.6B`, `gemma-3-270m`); 8 when it says none. */
export function modelParamsB(model: string): number {
  for (const [re, size] of KNOWN_SIZES_B) if (re.test(model)) return size;
  const name = model.split("/").pop() ?? model;
  const m = /(?:^|[-_])(\d+(?:\.\d+)?)([bm])(?=$|[-_.])/i.exec(name);
  if (!m) return 8;
  const n = Number(m[1]);
  return m[2]!.toLowerCase() === "m" ? n / 1000 : n;
}

interface Band {
  /** Upper bound of the band, billions of parameters. */
  maxB: number;
  label: string;
  /** US dollars per million tokens. */
  sft: { lora: number; full: number };
  dpo: { lora: number; full: number };
}

const BANDS: Band[] = [
  { maxB: 16, label: "up to 16B", sft: { lora: 0.48, full: 0.54 }, dpo: { lora: 1.2, full: 1.35 } },
  { maxB: 69, label: "16.1-69B", sft: { lora: 1.5, full: 1.65 }, dpo: { lora: 3.75, full: 4.12 } },
  { maxB: 100, label: "69.1-100B", sft: { lora: 2.9, full: 3.2 }, dpo: { lora: 7.25, full: 8.0 } },
  { maxB: Infinity, label: "over 100B", sft: { lora: 5.8, full: 6.4 }, dpo: { lora: 14.5, full: 16.0 } },
];

export interface TokenRate {
  usdPerToken: number;
  /** e.g. `up to 16B, LoRA SFT, $0.48/M tokens`. */
  description: string;
}

export function tokenRate(model: string, method: "sft" | "dpo", type: "lora" | "full"): TokenRate {
  const size = modelParamsB(model);
  const band = BANDS.find((b) => size <= b.maxB) ?? BANDS[BANDS.length - 1]!;
  const perM = band[method][type];
  return {
    usdPerToken: perM / 1_000_000,
    description: `${band.label}, ${type === "lora" ? "LoRA" : "Full"} ${method.toUpperCase()}, $${perM}/M tokens`,
  };
}
