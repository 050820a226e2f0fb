// Ranges and cross-field rules of a fine-tune request (Together's own client-side rules, made explicit).
// Values that are unknown in preview are skipped: a rule only fires on values it can see.
import type { CheckFailure } from "../../shared/types";
import { isUnknown } from "../../shared/types";
import { problem } from "./messages";

type Inputs = Record<string, unknown>;

/** Present in the program (known or not). */
function present(v: unknown): boolean {
  return v !== undefined && v !== null && v !== "";
}

function knownNumber(v: unknown): number | undefined {
  return typeof v === "number" && Number.isFinite(v) ? v : undefined;
}

function nested(v: unknown): Record<string, unknown> | undefined {
  return v !== null && typeof v === "object" && !Array.isArray(v)
    ? (v as Record<string, unknown>)
    : undefined;
}

const SUFFIX_RE = /^[A-Za-z0-9._-]+$/;
export const MAX_SUFFIX_LENGTH = 64;

const DPO_FIELDS = ["dpoBeta", "rpoAlpha", "dpoNormalizeLogratiosByLength", "dpoReferenceFree", "simpoGamma"];

interface RangeRule {
  path: string;
  get: (i: Inputs) => unknown;
  ok: (n: number) => boolean;
  allowed: string;
  fix: string;
}

const at =
  (...keys: string[]) =>
  (i: Inputs): unknown =>
    keys.reduce<unknown>((o, k) => nested(o)?.[k], i);

const RANGES: RangeRule[] = [
  {
    path: "nEpochs",
    get: at("nEpochs"),
    ok: (n) => n >= 1,
    allowed: "1 or more",
    fix: "set nEpochs to the number of passes over the training data, at least 1",
  },
  {
    path: "nCheckpoints",
    get: at("nCheckpoints"),
    ok: (n) => n >= 1,
    allowed: "1 or more",
    fix: "set nCheckpoints to at least 1 (the final model counts as one)",
  },
  {
    path: "nEvals",
    get: at("nEvals"),
    ok: (n) => n >= 0,
    allowed: "0 or more",
    fix: "set nEvals to 0 (no evaluation) or a positive count",
  },
  {
    path: "batchSize",
    get: at("batchSize"),
    ok: (n) => n >= 1,
    allowed: '1 or more, or "max"',
    fix: 'set batchSize to a positive integer or "max"',
  },
  {
    path: "learningRate",
    get: at("learningRate"),
    ok: (n) => n > 0,
    allowed: "greater than 0",
    fix: "set learningRate to a positive number such as 0.00001 (the default)",
  },
  {
    path: "warmupRatio",
    get: at("warmupRatio"),
    ok: (n) => n >= 0 && n <= 1,
    allowed: "0 to 1",
    fix: "set warmupRatio to the fraction of steps that warm up the learning rate, between 0 and 1",
  },
  {
    path: "maxGradNorm",
    get: at("maxGradNorm"),
    ok: (n) => n >= 0,
    allowed: "0 or more",
    fix: "set maxGradNorm to 0 (no clipping) or a positive number such as 1 (the default)",
  },
  {
    path: "weightDecay",
    get: at("weightDecay"),
    ok: (n) => n >= 0,
    allowed: "0 or more",
    fix: "set weightDecay to 0 (the default) or a positive number",
  },
  {
    path: "lrScheduler.minLrRatio",
    get: at("lrScheduler", "minLrRatio"),
    ok: (n) => n >= 0 && n <= 1,
    allowed: "0 to 1",
    fix: "set minLrRatio to the final learning rate as a fraction of the peak, between 0 and 1",
  },
  {
    path: "lrScheduler.numCycles",
    get: at("lrScheduler", "numCycles"),
    ok: (n) => n > 0,
    allowed: "greater than 0",
    fix: "set numCycles to a positive number of cosine cycles such as 0.5 (the default)",
  },
  {
    path: "trainingMethod.rpoAlpha",
    get: at("trainingMethod", "rpoAlpha"),
    ok: (n) => n >= 0,
    allowed: "0 or more",
    fix: "set rpoAlpha to 0 (the default) or a positive weight",
  },
  {
    path: "trainingMethod.simpoGamma",
    get: at("trainingMethod", "simpoGamma"),
    ok: (n) => n >= 0,
    allowed: "0 or more",
    fix: "set simpoGamma to 0 (the default) or a positive margin",
  },
  {
    path: "trainingType.loraR",
    get: at("trainingType", "loraR"),
    ok: (n) => n >= 1,
    allowed: "1 or more",
    fix: "set loraR to a positive rank, or leave it out to use the model's maximum rank",
  },
  {
    path: "trainingType.loraAlpha",
    get: at("trainingType", "loraAlpha"),
    ok: (n) => n > 0,
    allowed: "greater than 0",
    fix: "set loraAlpha to a positive number, or leave it out to use 2 × loraR",
  },
  {
    path: "trainingType.loraDropout",
    get: at("trainingType", "loraDropout"),
    ok: (n) => n >= 0 && n < 1,
    allowed: "0 up to (not including) 1",
    fix: "set loraDropout to a probability in [0, 1), such as 0 (the default)",
  },
  {
    path: "maxSeqLength",
    get: at("maxSeqLength"),
    ok: (n) => n >= 1,
    allowed: "1 or more (and within the model's limits)",
    fix: "set maxSeqLength to the longest training sequence in tokens, or leave it out for the model's maximum",
  },
  {
    path: "gradientAccumulationSteps",
    get: at("gradientAccumulationSteps"),
    ok: (n) => n >= 1,
    allowed: "1 or more",
    fix: "set gradientAccumulationSteps to a positive number of steps, or leave it out for the model's default",
  },
  {
    path: "earlyStopping.patience",
    get: at("earlyStopping", "patience"),
    ok: (n) => n >= 1,
    allowed: "1 or more",
    fix: "set patience to how many evaluations in a row may show no improvement before training stops, such as 2",
  },
  {
    path: "earlyStopping.minDelta",
    get: at("earlyStopping", "minDelta"),
    ok: (n) => n >= 0,
    allowed: "0 or more",
    fix: "set minDelta to the smallest drop of the validation loss that counts as an improvement, such as 0.001",
  },
  {
    path: "earlyStopping.warmupEvals",
    get: at("earlyStopping", "warmupEvals"),
    ok: (n) => n >= 0,
    allowed: "0 or more",
    fix: "set warmupEvals to 0 (no warm-up) or the number of first evaluations to leave out, such as 1 (the default)",
  },
  {
    path: "timeoutMinutes",
    get: at("timeoutMinutes"),
    ok: (n) => n > 0,
    allowed: "greater than 0",
    fix: "set timeoutMinutes to how long to wait for the job, such as 1440 (the default, one day)",
  },
  {
    path: "maxPriceUsd",
    get: at("maxPriceUsd"),
    ok: (n) => n > 0,
    allowed: "greater than 0",
    fix: "set maxPriceUsd to the most this job may cost in US dollars, or leave it out for no cap",
  },
];

function rangeFailures(name: string | undefined, i: Inputs): CheckFailure[] {
  const out: CheckFailure[] = [];
  for (const r of RANGES) {
    const v = knownNumber(r.get(i));
    if (v !== undefined && !r.ok(v))
      out.push(problem(name, r.path, v, `out of range, allowed ${r.allowed}`, r.fix));
  }
  return out;
}

function sourceFailures(name: string | undefined, i: Inputs): CheckFailure[] {
  const out: CheckFailure[] = [];
  const model = present(i.model);
  const checkpoint = present(i.fromCheckpoint);
  if (model && checkpoint) {
    out.push(
      problem(
        name,
        "fromCheckpoint",
        i.fromCheckpoint,
        `cannot be combined with model ${JSON.stringify(i.model)}: a job starts either from a base model or from a checkpoint`,
        "remove model (the checkpoint already fixes the base model) or remove fromCheckpoint",
      ),
    );
  } else if (!model && !checkpoint) {
    out.push(
      problem(
        name,
        "model",
        i.model,
        "a base model or a checkpoint is required",
        'set model to a fine-tunable base model such as "Qwen/Qwen3-0.6B", or fromCheckpoint to a job id or output model name',
      ),
    );
  }
  if (present(i.fromHfModel)) {
    if (!model) {
      out.push(
        problem(
          name,
          "fromHfModel",
          i.fromHfModel,
          "needs model: the base model is the template for training and inference of the Hugging Face model",
          "set model to the catalogue base model closest in architecture and size to the Hugging Face model",
        ),
      );
    }
    if (checkpoint) {
      out.push(
        problem(
          name,
          "fromHfModel",
          i.fromHfModel,
          "cannot be combined with fromCheckpoint",
          "start either from a Hugging Face model or from a checkpoint, not both",
        ),
      );
    }
  }
  const cp = i.fromCheckpoint;
  if (typeof cp === "string" && !isUnknown(cp) && cp.includes(":") && !/^[^:]+:\d+$/.test(cp)) {
    out.push(
      problem(
        name,
        "fromCheckpoint",
        cp,
        'not a checkpoint reference, allowed "<job id>", "<output model name>", or either followed by ":<step>"',
        'write the step as digits after one colon, e.g. "ft-1234:10", or leave the step out for the final checkpoint',
      ),
    );
  }
  return out;
}

function methodFailures(name: string | undefined, i: Inputs): CheckFailure[] {
  const m = nested(i.trainingMethod);
  if (!m || typeof m.method !== "string" || isUnknown(m.method)) return [];
  const out: CheckFailure[] = [];
  if (m.method === "dpo" && "trainOnInputs" in m) {
    out.push(
      problem(
        name,
        "trainingMethod.trainOnInputs",
        m.trainOnInputs,
        'only applies to SFT, but trainingMethod.method is "dpo"',
        'remove trainOnInputs, or set trainingMethod.method to "sft"',
      ),
    );
  }
  if (m.method === "sft") {
    for (const f of DPO_FIELDS.filter((k) => k in m)) {
      out.push(
        problem(
          name,
          `trainingMethod.${f}`,
          m[f],
          'only applies to DPO, but trainingMethod.method is "sft"',
          `remove ${f}, or set trainingMethod.method to "dpo" with a preference dataset`,
        ),
      );
    }
  }
  return out;
}

function suffixFailures(name: string | undefined, i: Inputs): CheckFailure[] {
  const s = i.suffix;
  if (typeof s !== "string" || isUnknown(s)) return [];
  if (s.length < 1 || s.length > MAX_SUFFIX_LENGTH) {
    return [
      problem(
        name,
        "suffix",
        s,
        `${s.length} characters, allowed 1 to ${MAX_SUFFIX_LENGTH}`,
        "shorten the suffix, or leave it out to get the default <stack>-<name>",
      ),
    ];
  }
  if (!SUFFIX_RE.test(s)) {
    return [
      problem(
        name,
        "suffix",
        s,
        "contains characters Together rejects, allowed letters, digits, '.', '_' and '-'",
        "replace other characters (spaces, '/', ':' ...) with '-'",
      ),
    ];
  }
  return [];
}

function evalFailures(name: string | undefined, i: Inputs): CheckFailure[] {
  const n = knownNumber(i.nEvals);
  if (n !== undefined && n > 0 && !present(i.validationFile)) {
    return [
      problem(
        name,
        "nEvals",
        n,
        "evaluations need a validation file, but validationFile is not set",
        "set validationFile to an uploaded validation file id, or set nEvals to 0",
      ),
    ];
  }
  return [];
}

/** Together's own default for `early_stopping_warmup_evals`. */
export const DEFAULT_WARMUP_EVALS = 1;

/** Early stopping measures the validation loss: it needs a validation file and enough evaluations to see a plateau
 *  (Together: n_evals >= patience + warmup_evals + 1). */
function earlyStoppingFailures(name: string | undefined, i: Inputs): CheckFailure[] {
  const e = nested(i.earlyStopping);
  if (!e) return [];
  const out: CheckFailure[] = [];
  if (!present(i.validationFile)) {
    out.push(
      problem(
        name,
        "earlyStopping",
        e,
        "early stopping watches the validation loss, but validationFile is not set",
        "set validationFile to an uploaded validation file (and nEvals above 0), or remove earlyStopping",
      ),
    );
  }
  const patience = knownNumber(e.patience);
  const warmup = e.warmupEvals === undefined ? DEFAULT_WARMUP_EVALS : knownNumber(e.warmupEvals);
  const nEvals = knownNumber(i.nEvals);
  if (patience === undefined || warmup === undefined || nEvals === undefined) return out;
  if (patience < 1 || warmup < 0) return out;
  const least = patience + warmup + 1;
  if (nEvals < least) {
    out.push(
      problem(
        name,
        "nEvals",
        nEvals,
        `too few evaluations for earlyStopping (patience ${patience}, warmupEvals ${warmup}), allowed at least ${least} (patience + warmupEvals + 1)`,
        `set nEvals to ${least} or more, or lower earlyStopping.patience or earlyStopping.warmupEvals`,
      ),
    );
  }
  return out;
}

/** Every rule that needs no API: ranges, suffix, and the combinations Together's clients refuse. */
export function crossFieldFailures(name: string | undefined, inputs: Inputs): CheckFailure[] {
  return [
    ...sourceFailures(name, inputs),
    ...methodFailures(name, inputs),
    ...evalFailures(name, inputs),
    ...earlyStoppingFailures(name, inputs),
    ...rangeFailures(name, inputs),
    ...suffixFailures(name, inputs),
  ];
}
