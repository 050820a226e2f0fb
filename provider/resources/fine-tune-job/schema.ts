// Inputs, outputs and the replace-on-change table of the FineTuneJob resource.
// Zod checks shapes and types only; ranges and cross-field rules live in rules.ts so every message is ours.
import { z } from "zod";
import type { DiffTable } from "../../shared/diff";
import type { CheckpointOutput } from "./outputs";

export const KIND = "FineTuneJob";

const linearScheduler = z.strictObject({
  type: z.literal("linear"),
  minLrRatio: z.number().optional(),
});
const cosineScheduler = z.strictObject({
  type: z.literal("cosine"),
  minLrRatio: z.number().optional(),
  numCycles: z.number().optional(),
});

const sftMethod = z.strictObject({
  method: z.literal("sft"),
  trainOnInputs: z.union([z.boolean(), z.literal("auto")]).optional(),
});
const dpoMethod = z.strictObject({
  method: z.literal("dpo"),
  dpoBeta: z.number().optional(),
  rpoAlpha: z.number().optional(),
  dpoNormalizeLogratiosByLength: z.boolean().optional(),
  dpoReferenceFree: z.boolean().optional(),
  simpoGamma: z.number().optional(),
});

const loraType = z.strictObject({
  type: z.literal("lora"),
  loraR: z.number().int().optional(),
  loraAlpha: z.number().optional(),
  loraDropout: z.number().optional(),
  loraTrainableModules: z.string().optional(),
});
const fullType = z.strictObject({ type: z.literal("full") });

const earlyStopping = z.strictObject({
  patience: z.number().int(),
  minDelta: z.number().optional(),
  warmupEvals: z.number().int().optional(),
});

const wandb = z.strictObject({
  apiKey: z.string(),
  baseUrl: z.string().optional(),
  projectName: z.string().optional(),
  name: z.string().optional(),
  entity: z.string().optional(),
});

/** The training type of a job that starts from a base model and names none (Together's own default). */
export const DEFAULT_TRAINING_TYPE = { type: "lora" } as const;

/** Scheduler the official SDKs send when none is given (the spec's `none` default is not a valid value). */
export const DEFAULT_LR_SCHEDULER = { type: "cosine", minLrRatio: 0, numCycles: 0.5 } as const;

// Strict at the top too: a misspelled option (say `maxPriceUSD`) must fail, not silently drop a cost cap.
export const fineTuneJobInputs = z.strictObject({
  /** The serialized provider the engine adds to every dynamic resource's inputs. */
  __provider: z.string().optional(),
  logicalName: z.string().optional(),
  /** `pulumi.getProject()` and `pulumi.getStack()`: whose job it is (see shared/owner.ts). */
  pulumiProject: z.string().optional(),
  pulumiStack: z.string().optional(),
  /** Written by check() from Together's estimate (never by the program): create/update read it back. */
  estimatedPriceUsd: z.number().optional(),
  /** Written by check(): `together` (estimate-price) or `local` (counted at preview before the upload). */
  estimateKind: z.enum(["together", "local"]).optional(),
  trainingFile: z.string(),
  /** Set by the SDK when `trainingFile` is a TrainingFile: its local path, for preview's price estimate. */
  trainingFileSource: z.string().optional(),
  /** The same for `validationFile`. */
  validationFileSource: z.string().optional(),
  validationFile: z.string().optional(),
  model: z.string().optional(),
  fromCheckpoint: z.string().optional(),
  fromHfModel: z.string().optional(),
  hfModelRevision: z.string().optional(),
  hfApiToken: z.string().optional(),
  hfOutputRepoName: z.string().optional(),
  nEpochs: z.number().int().default(1),
  nCheckpoints: z.number().int().default(1),
  nEvals: z.number().int().default(0),
  batchSize: z
    .union([z.number().int(), z.literal("max")], {
      error:
        'is not an integer or "max". Fix: set batchSize to a whole number of examples per step, or "max"',
    })
    .default("max"),
  learningRate: z.number().default(0.00001),
  lrScheduler: z
    .discriminatedUnion("type", [linearScheduler, cosineScheduler], {
      error:
        'type is not a scheduler, allowed "linear" or "cosine". Fix: set lrScheduler.type to "linear" or "cosine"',
    })
    .default({ ...DEFAULT_LR_SCHEDULER }),
  warmupRatio: z.number().default(0),
  maxGradNorm: z.number().default(1),
  weightDecay: z.number().default(0),
  randomSeed: z.number().int().optional(),
  suffix: z.string().optional(),
  packing: z.boolean().optional(),
  maxSeqLength: z.number().int().optional(),
  gradientAccumulationSteps: z.number().int().optional(),
  trainVision: z.boolean().optional(),
  earlyStopping: earlyStopping.optional(),
  wandb: wandb.optional(),
  trainingMethod: z
    .discriminatedUnion("method", [sftMethod, dpoMethod], {
      error:
        'is not a training method, allowed "sft" or "dpo". Fix: set trainingMethod.method to "sft" (supervised) or "dpo" (preference data)',
    })
    .default({ method: "sft" }),
  // No zod default: a continuation (fromCheckpoint) without one inherits its parent's type, so check() fills
  // DEFAULT_TRAINING_TYPE only for a job that starts from a base model.
  trainingType: z
    .discriminatedUnion("type", [loraType, fullType], {
      error:
        'is not a training type, allowed "lora" or "full". Fix: set trainingType.type to "lora" or "full"',
    })
    .optional(),
  waitFor: z.enum(["none", "running", "completed"]).default("completed"),
  timeoutMinutes: z.number().default(1440),
  maxPriceUsd: z.number().optional(),
  adoptJobId: z.string().optional(),
  deleteModelOnDestroy: z.boolean().default(false),
});

/** What the user (or the SDK) passes. */
export type FineTuneJobInput = z.input<typeof fineTuneJobInputs>;
/** Checked inputs: defaults applied. */
export type FineTuneJobInputs = z.output<typeof fineTuneJobInputs>;
export type WaitTarget = FineTuneJobInputs["waitFor"];

/** Inputs that are credentials: registered for redaction, sent on the wire, never echoed. */
export const SECRET_PATHS = ["hfApiToken", "wandb.apiKey"] as const;

/** `wandb` as echoed in outputs: everything but the key. */
export type WandbEcho = Omit<NonNullable<FineTuneJobInputs["wandb"]>, "apiKey">;

/** The checked inputs minus credentials. */
export type EchoedInputs = Omit<FineTuneJobInputs, "hfApiToken" | "wandb"> & { wandb?: WandbEcho };

export interface FineTuneJobComputed {
  jobId: string;
  status: string;
  /** Set once the job completed. */
  outputModelName?: string;
  /** US dollars, from estimate-price before the job started. */
  estimatedPriceUsd?: number;
  /** US dollars (Together reports nano-dollars). */
  totalPriceUsd?: number;
  tokenCount?: number;
  epochsCompleted?: number;
  stepsCompleted?: number;
  totalSteps?: number;
  wandbUrl?: string;
  createdAt?: string;
  /** Read at completion and on refresh. */
  checkpoints?: CheckpointOutput[];
  /** Model registry ids of the final model and, for LoRA, its adapter, once completed. */
  modelObjectId?: string;
  modelObjectName?: string;
  modelObjectRevisionId?: string;
  adapterObjectId?: string;
  adapterObjectName?: string;
  adapterObjectRevisionId?: string;
  /** With earlyStopping, once training has ended. */
  earlyStopped?: boolean;
  earlyStoppingBestStep?: number;
  earlyStoppingBestMetric?: number;
  schemaVersion: number;
}

/** Outputs: every non-secret input echoed, plus what the API reports. Fields the API has not reported are
 *  absent (outputs may never hold undefined values). */
export type FineTuneJobOutputs = EchoedInputs & FineTuneJobComputed;

/** Jobs are immutable: every training input replaces; provider options update in place. */
export const diffTable: DiffTable = {
  trainingFile: "replace",
  validationFile: "replace",
  model: "replace",
  fromCheckpoint: "replace",
  fromHfModel: "replace",
  hfModelRevision: "replace",
  hfOutputRepoName: "replace",
  nEpochs: "replace",
  nCheckpoints: "replace",
  nEvals: "replace",
  batchSize: "replace",
  learningRate: "replace",
  lrScheduler: "replace",
  warmupRatio: "replace",
  maxGradNorm: "replace",
  weightDecay: "replace",
  randomSeed: "replace",
  suffix: "replace",
  packing: "replace",
  maxSeqLength: "replace",
  gradientAccumulationSteps: "replace",
  trainVision: "replace",
  earlyStopping: "replace",
  wandb: "replace",
  trainingMethod: "replace",
  trainingType: "replace",
  adoptJobId: "replace",
  waitFor: "update",
  timeoutMinutes: "update",
  maxPriceUsd: "update",
  deleteModelOnDestroy: "update",
};

/** The training inputs (the fields whose change starts a new, paid job). */
export const TRAINING_FIELDS = Object.keys(diffTable).filter((k) => diffTable[k] === "replace");
