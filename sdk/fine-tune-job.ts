import { createHash } from "node:crypto";
import * as pulumi from "@pulumi/pulumi";
import { replaceOnChangesInput } from "../provider/shared/diff";
import { RESOURCE_MODULE, shells } from "../provider/shell";
import { datasetSource, linkTrainedModel } from "./links";
import type { TrainingFile } from "./training-file";

/** Learning-rate schedule after warm-up. */
export type FineTuneLrSchedulerArgs =
  | {
      type: "linear";
      /** Final learning rate as a fraction of the peak, 0 to 1. Default: 0. */
      minLrRatio?: number;
    }
  | {
      type: "cosine";
      /** Final learning rate as a fraction of the peak, 0 to 1. Default: 0. */
      minLrRatio?: number;
      /** Number (or fraction) of cosine cycles, greater than 0. Default: 0.5. */
      numCycles?: number;
    };

/** Supervised fine-tuning or Direct Preference Optimization. */
export type FineTuneTrainingMethodArgs =
  | {
      method: "sft";
      /** Train on the prompt/user turns too (`true`), only on completions (`false`), or let Together
       *  decide from the data format (`"auto"`: masks user turns and prompts, trains on all of plain text).
       *  Default: `"auto"`. */
      trainOnInputs?: boolean | "auto";
    }
  | {
      method: "dpo";
      /** DPO beta (strength of the KL penalty). Default (Together): 0.1. */
      dpoBeta?: number;
      /** Weight of the RPO (NLL) term, 0 or more. Default (Together): 0. */
      rpoAlpha?: number;
      /** Normalize log-ratios by sequence length. Default (Together): false. */
      dpoNormalizeLogratiosByLength?: boolean;
      /** Train without a reference model. Default (Together): false. */
      dpoReferenceFree?: boolean;
      /** SimPO margin, 0 or more; above 0 Together's clients also turn on reference-free and length
       *  normalization. Default (Together): 0. */
      simpoGamma?: number;
    };

/** LoRA adapters (the default) or full-parameter training. */
export type FineTuneTrainingTypeArgs =
  | {
      type: "lora";
      /** LoRA rank, 1 or more. Default: the model's maximum rank per Together's model-limits API
       *  (8 when the API does not report one). */
      loraR?: number;
      /** LoRA alpha, greater than 0. Default: 2 × loraR. */
      loraAlpha?: number;
      /** Dropout of the LoRA layers, 0 up to (not including) 1. Default (Together): 0. */
      loraDropout?: number;
      /** Comma-separated modules to adapt, e.g. `"q_proj,v_proj"`, or `"all-linear"`. Each name must be one
       *  the model-limits API lists for the model: on mixture-of-experts models that includes the expert
       *  modules `w_up`, `w_gate`, `w_down` (targeting any of them yields an adapter only, no merged model).
       *  Default (Together): `"all-linear"`. */
      loraTrainableModules?: string;
    }
  | { type: "full" };

/** Stop training once the validation loss stops improving (needs `validationFile` and `nEvals`). */
export interface FineTuneEarlyStoppingArgs {
  /** Evaluations in a row without an improvement of at least `minDelta` before training stops, 1 or more.
   *  `nEvals` must be at least `patience + warmupEvals + 1`, so a plateau can be seen. */
  patience: number;
  /** Smallest drop of the validation loss that counts as an improvement, 0 or more. Default: Together's (not sent). */
  minDelta?: number;
  /** First evaluations left out of the decision (they still set the baseline loss), 0 or more; 0 disables
   *  the warm-up. Default (Together): 1. */
  warmupEvals?: number;
}

/** Weights & Biases run reporting. */
export interface FineTuneWandbArgs {
  /** W&B API key, e.g. `config.requireSecret("wandbApiKey")`. Secret: wrapped with `pulumi.secret`, sent to
   *  Together, never stored in outputs. */
  apiKey: pulumi.Input<string>;
  /** Base URL of a dedicated W&B instance. Default: W&B's public cloud. */
  baseUrl?: string;
  /** W&B project. Default (Together): `together`. */
  projectName?: string;
  /** W&B run name. Default: chosen by W&B. */
  name?: string;
  /** W&B entity (user or team). Default: the key's default entity. */
  entity?: string;
}

/**
 * Arguments of a {@link FineTuneJob}. A Together fine-tuning job cannot be changed once started, so
 * changing any training argument **replaces the job** (a new, paid job starts; the old one is cancelled
 * if still running). The provider options (`waitFor`, `timeoutMinutes`, `maxPriceUsd`,
 * `deleteModelOnDestroy`) **update in place** without starting anything.
 */
export interface FineTuneJobArgs {
  /** The training data: a {@link TrainingFile} (or its `fileId`), or the id of an uploaded file
   *  (`file-…`). Given the TrainingFile or its `fileId`, preview prices the job from the local dataset
   *  even before it is uploaded (a new stack, a changed dataset). Changing this replaces the job. */
  trainingFile: pulumi.Input<string> | TrainingFile;
  /** Validation data, needed when `nEvals > 0`: a {@link TrainingFile}, its `fileId`, or a file id.
   *  Default: none. Changing this replaces the job. */
  validationFile?: pulumi.Input<string> | TrainingFile;
  /** Base model to fine-tune, e.g. `"Qwen/Qwen3-0.6B"` (must be on Together's fine-tuning list).
   *  Exactly one of `model` and `fromCheckpoint`. With `fromHfModel` it is the architecture template.
   *  Changing this replaces the job. */
  model?: pulumi.Input<string>;
  /** Continue from an earlier job: its id (`ft-…`) or output model name, optionally `:<step>` for an
   *  intermediate checkpoint (default: the final one). Exactly one of `model` and `fromCheckpoint`.
   *  Changing this replaces the job. */
  fromCheckpoint?: pulumi.Input<string>;
  /** Hugging Face repo to train instead of the catalogue weights (bring your own model); needs
   *  `model` (closest catalogue model in architecture and size). Default: none. Changing this
   *  replaces the job. */
  fromHfModel?: pulumi.Input<string>;
  /** Branch or commit of `fromHfModel`. Default (Together): `main`. Changing this replaces the job. */
  hfModelRevision?: pulumi.Input<string>;
  /** Hugging Face token for a private `fromHfModel` or for `hfOutputRepoName`. Secret: wrapped with
   *  `pulumi.secret`, sent to Together, never stored in outputs or shown in messages. Changing only the
   *  token changes nothing. */
  hfApiToken?: pulumi.Input<string>;
  /** Hugging Face repo to push the trained model to. Default: none. Changing this replaces the job. */
  hfOutputRepoName?: pulumi.Input<string>;
  /** Passes over the training data, 1 or more. Default: 1. Changing this replaces the job. */
  nEpochs?: pulumi.Input<number>;
  /** Checkpoints saved during training (the final model counts), 1 or more. Default: 1. Changing this
   *  replaces the job. */
  nCheckpoints?: pulumi.Input<number>;
  /** Evaluations on `validationFile` during training, 0 or more. Default: 0. Changing this replaces the
   *  job. */
  nEvals?: pulumi.Input<number>;
  /** Examples per step: an integer within the model's limits for the chosen method and training type,
   *  or `"max"` (the largest allowed). Default: `"max"`. Changing this replaces the job. */
  batchSize?: pulumi.Input<number | "max">;
  /** Peak learning rate, greater than 0. Default: 0.00001 (1e-5). Changing this replaces the job. */
  learningRate?: pulumi.Input<number>;
  /** Schedule after warm-up. Default: `{ type: "cosine", minLrRatio: 0, numCycles: 0.5 }` (what
   *  Together's clients send). Changing this replaces the job. */
  lrScheduler?: pulumi.Input<FineTuneLrSchedulerArgs>;
  /** Fraction of steps spent warming the learning rate up, 0 to 1. Default: 0. Changing this replaces
   *  the job. */
  warmupRatio?: pulumi.Input<number>;
  /** Gradient clipping norm, 0 or more (0 disables clipping). Default: 1. Changing this replaces the
   *  job. */
  maxGradNorm?: pulumi.Input<number>;
  /** Optimizer weight decay, 0 or more. Default: 0. Changing this replaces the job. */
  weightDecay?: pulumi.Input<number>;
  /** Seed for a reproducible run (integer). Default: Together's (e.g. 42). Changing this replaces the
   *  job. */
  randomSeed?: pulumi.Input<number>;
  /** Appended to the output model name: 1–64 letters, digits, `.`, `_`, `-`. Default: `<stack>-<name>`
   *  lower-cased, other characters turned into `-`, at most 40 characters (cut with an 8-hex hash), so
   *  per-branch stacks get distinct model names. Changing this replaces the job. */
  suffix?: pulumi.Input<string>;
  /** Report the run to Weights & Biases. Default: none. Changing any field but `apiKey` replaces the
   *  job. */
  wandb?: pulumi.Input<FineTuneWandbArgs>;
  /** SFT (default `{ method: "sft" }`) or DPO with its parameters. Changing this replaces the job. */
  trainingMethod?: pulumi.Input<FineTuneTrainingMethodArgs>;
  /** LoRA or `{ type: "full" }`; the model must support it. Default: `{ type: "lora" }` for a job started from
   *  `model`; a `fromCheckpoint` continuation sends none and keeps its parent's type and LoRA rank. Changing
   *  this replaces the job. */
  trainingType?: pulumi.Input<FineTuneTrainingTypeArgs>;
  /** Pack several short examples into each training sequence. No effect on Parquet (pre-tokenized) data.
   *  Default (Together): true. Changing this replaces the job. */
  packing?: pulumi.Input<boolean>;
  /** Longest training sequence in tokens: within the model's limits for the method (the model-limits API's
   *  `min_max_seq_length` up to `max_seq_length_sft` / `max_seq_length_dpo`). Default (Together): the model's
   *  maximum. Changing this replaces the job. */
  maxSeqLength?: pulumi.Input<number>;
  /** Steps over which gradients accumulate before each weight update, 1 or more. Default: the model's
   *  `default_gradient_accumulation_steps` per the model-limits API (Together applies it). Changing this
   *  replaces the job. */
  gradientAccumulationSteps?: pulumi.Input<number>;
  /** Also train the vision encoder (sent as `multimodal_params.train_vision`); refused for a model whose
   *  limits report no vision support. Default (Together): false. Changing this replaces the job. */
  trainVision?: pulumi.Input<boolean>;
  /** Stop early when the validation loss stops improving (sent as `early_stopping_enabled` and its settings).
   *  Needs `validationFile` and `nEvals > 0`. Default: off. Changing this replaces the job. */
  earlyStopping?: pulumi.Input<FineTuneEarlyStoppingArgs>;
  /** How far `pulumi up` waits: `"none"` (return once started), `"running"` (training has begun) or
   *  `"completed"` (the model exists). Default: `"completed"`. A failed job fails the update. Updates in
   *  place: a wait that did not finish (timeout) resumes on the next `up`. */
  waitFor?: pulumi.Input<"none" | "running" | "completed">;
  /** Longest wait per `up`, in minutes (Pulumi's customTimeouts do not reach dynamic providers). On
   *  timeout the job keeps running and stays in state. Default: 1440 (one day). Updates in place. */
  timeoutMinutes?: pulumi.Input<number>;
  /** Cost cap in US dollars: when Together's estimate is higher, preview fails and nothing is started.
   *  Default: no cap (Together's own account limit still applies). Updates in place. */
  maxPriceUsd?: pulumi.Input<number>;
  /** Manage an existing job (`ft-…`) instead of starting one (`pulumi import` cannot work for dynamic
   *  resources). Default: none. Changing this replaces the resource. */
  adoptJobId?: pulumi.Input<string>;
  /** On destroy, also delete the job (and with it the trained model) once stopped. Default: false
   *  (a completed model is kept). Updates in place. */
  deleteModelOnDestroy?: pulumi.Input<boolean>;
}

const DEFAULT_SUFFIX_MAX = 40;

/** A TrainingFile's file id; anything else as given. */
function fileIdOf(file: pulumi.Input<string> | TrainingFile | undefined): pulumi.Input<string> | undefined {
  return pulumi.CustomResource.isInstance(file) ? file.fileId : file;
}

/** `<stack>-<name>` as a Together suffix: lower-cased, `[a-z0-9-]` only, at most 40 characters (an
 *  8-hex hash of the full text replaces the tail when cut, so long names stay distinct). */

export function defaultSuffix(stack: string, name: string): string {
  const full = `${stack}-${name}`;
  const clean = full
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, "-")
    .replace(/-{2,}/g, "-")
    .replace(/^-+|-+$/g, "");
  const base = clean === "" ? "job" : clean;
  if (base.length <= DEFAULT_SUFFIX_MAX) return base;
  const hash = createHash("sha256").update(full).digest("hex").slice(0, 8);
  const head = base.slice(0, DEFAULT_SUFFIX_MAX - 9).replace(/-+$/, "");
  return `${head}-${hash}`;
}

function secretWandb(w: pulumi.Input<FineTuneWandbArgs>): pulumi.Input<FineTuneWandbArgs> {
  // A plain object keeps its other fields visible; an Output, a Promise or a wrong type (a bare key string
  // from JavaScript) can only be wrapped whole.
  if (pulumi.Output.isInstance(w) || w instanceof Promise || w === null || typeof w !== "object") {
    return pulumi.secret(w);
  }
  return { ...w, apiKey: pulumi.secret(w.apiKey) };
}

/** A checkpoint of a FineTuneJob, as its `checkpoints` output lists it. */
export interface FineTuneCheckpoint {
  /** Training step the checkpoint was saved at (an early-stopped job's final artifacts carry its best step). */
  step: number;
  /** Together's label: `Intermediate`, `Final`, `Final Merged` or `Final Adapter`. */
  type: string;
  /** The value of `fromCheckpoint` that continues training from it: `<job id>:<step>`. */
  fromCheckpoint: string;
  /** `model` or `adapter`, where Together reports it. */
  artifact?: string;
  /** Model registry id (`ml_…`) and name of the checkpoint's weights, where Together reports them. */
  objectId?: string;
  objectName?: string;
}

/**
 * A Together fine-tuning job: started exactly once, priced before anything is spent (preview logs
 * Together's estimate and fails above `maxPriceUsd`), waited on per `waitFor`, cancelled on destroy.
 * Jobs are immutable: changing a training argument replaces the job.
 */
export class FineTuneJob extends pulumi.dynamic.Resource {
  /** Together job id (`ft-…`) of the live job. The resource id is the job first started; when Together restarts
   *  a job after an internal error it does so under a new id, which `jobId` then follows (refresh, update and
   *  destroy act on it). */
  declare readonly jobId: pulumi.Output<string>;
  /** Last observed status: pending, queued, running, compressing, uploading, cancel_requested,
   *  cancelled, error, user_error or completed. */
  declare readonly status: pulumi.Output<string>;
  /** Name of the trained model (use it as an endpoint `model` or a `fromCheckpoint`). Set once the job has
   *  completed: with `waitFor: "completed"` (the default) it is known when `up` finishes; with `"none"` or
   *  `"running"` it stays empty until a later `pulumi refresh` sees the job completed. */
  declare readonly outputModelName: pulumi.Output<string>;
  /** Together's price estimate before start, in US dollars. */
  declare readonly estimatedPriceUsd: pulumi.Output<number | undefined>;
  /** Where `estimatedPriceUsd` came from: `together` (its estimate-price answer, always the case once
   *  the job exists) or `local` (counted from the local dataset at preview, before the upload). */
  declare readonly estimateKind: pulumi.Output<"together" | "local" | undefined>;
  /** Price charged so far, in US dollars (Together reports nano-dollars). */
  declare readonly totalPriceUsd: pulumi.Output<number | undefined>;
  /** Tokens trained on, as Together counts them. */
  declare readonly tokenCount: pulumi.Output<number | undefined>;
  /** Epochs completed so far. */
  declare readonly epochsCompleted: pulumi.Output<number | undefined>;
  /** Training steps completed, where Together reports them. */
  declare readonly stepsCompleted: pulumi.Output<number | undefined>;
  /** Total training steps, where Together reports them. */
  declare readonly totalSteps: pulumi.Output<number | undefined>;
  /** The W&B run, when `wandb` is set. */
  declare readonly wandbUrl: pulumi.Output<string | undefined>;
  /** When Together created the job, ISO-8601. */
  declare readonly createdAt: pulumi.Output<string>;
  /** The job's checkpoints by step: read when `up` sees the job complete and on every `pulumi refresh`. Chain
   *  a second job from one with `fromCheckpoint: job.checkpoints.apply((c) => c![0]!.fromCheckpoint)`. */
  declare readonly checkpoints: pulumi.Output<FineTuneCheckpoint[] | undefined>;
  /** Model registry id (`ml_…`) of the trained model, once completed (Full jobs, and LoRA jobs that also get a
   *  merged model): what the newer endpoints API deploys. */
  declare readonly modelObjectId: pulumi.Output<string | undefined>;
  /** Model registry name of the trained model, `<project>/<model name>`. */
  declare readonly modelObjectName: pulumi.Output<string | undefined>;
  /** Model registry revision (`rv_…`) of the trained model. */
  declare readonly modelObjectRevisionId: pulumi.Output<string | undefined>;
  /** Model registry id of a LoRA job's adapter, once completed. */
  declare readonly adapterObjectId: pulumi.Output<string | undefined>;
  /** Model registry name of a LoRA job's adapter, `<project>/<model name>-adapter`. */
  declare readonly adapterObjectName: pulumi.Output<string | undefined>;
  /** Model registry revision of a LoRA job's adapter. */
  declare readonly adapterObjectRevisionId: pulumi.Output<string | undefined>;
  /** With `earlyStopping`, once training has ended: whether it stopped early (`stepsCompleted` then says where). */
  declare readonly earlyStopped: pulumi.Output<boolean | undefined>;
  /** The step of the early-stopping artifact (the best evaluation's; the halt step when no best metric). */
  declare readonly earlyStoppingBestStep: pulumi.Output<number | undefined>;
  /** The best validation loss seen, where Together reports one. */
  declare readonly earlyStoppingBestMetric: pulumi.Output<number | undefined>;
  declare readonly trainingFile: pulumi.Output<string>;
  declare readonly validationFile: pulumi.Output<string | undefined>;
  declare readonly model: pulumi.Output<string | undefined>;
  declare readonly fromCheckpoint: pulumi.Output<string | undefined>;
  declare readonly fromHfModel: pulumi.Output<string | undefined>;
  declare readonly hfModelRevision: pulumi.Output<string | undefined>;
  declare readonly hfOutputRepoName: pulumi.Output<string | undefined>;
  declare readonly nEpochs: pulumi.Output<number>;
  declare readonly nCheckpoints: pulumi.Output<number>;
  declare readonly nEvals: pulumi.Output<number>;
  declare readonly batchSize: pulumi.Output<number | "max">;
  declare readonly learningRate: pulumi.Output<number>;
  declare readonly lrScheduler: pulumi.Output<FineTuneLrSchedulerArgs>;
  declare readonly warmupRatio: pulumi.Output<number>;
  declare readonly maxGradNorm: pulumi.Output<number>;
  declare readonly weightDecay: pulumi.Output<number>;
  declare readonly randomSeed: pulumi.Output<number | undefined>;
  declare readonly suffix: pulumi.Output<string>;
  /** `wandb` without its API key. */
  declare readonly wandb: pulumi.Output<Omit<FineTuneWandbArgs, "apiKey"> | undefined>;
  declare readonly trainingMethod: pulumi.Output<FineTuneTrainingMethodArgs>;
  /** Absent for a continuation that leaves the type to its parent. */
  declare readonly trainingType: pulumi.Output<FineTuneTrainingTypeArgs | undefined>;
  declare readonly packing: pulumi.Output<boolean | undefined>;
  declare readonly maxSeqLength: pulumi.Output<number | undefined>;
  declare readonly gradientAccumulationSteps: pulumi.Output<number | undefined>;
  declare readonly trainVision: pulumi.Output<boolean | undefined>;
  declare readonly earlyStopping: pulumi.Output<FineTuneEarlyStoppingArgs | undefined>;
  declare readonly waitFor: pulumi.Output<"none" | "running" | "completed">;
  declare readonly timeoutMinutes: pulumi.Output<number>;
  declare readonly maxPriceUsd: pulumi.Output<number | undefined>;
  declare readonly adoptJobId: pulumi.Output<string | undefined>;
  declare readonly deleteModelOnDestroy: pulumi.Output<boolean>;
  /** The Pulumi resource name, used in the provider's messages. */
  declare readonly logicalName: pulumi.Output<string>;
  /** Version of this resource's state layout. */
  declare readonly schemaVersion: pulumi.Output<number>;

  constructor(name: string, args: FineTuneJobArgs, opts?: pulumi.CustomResourceOptions) {
    // JavaScript callers may pass nothing; check() then names every missing argument.
    args = args ?? ({} as FineTuneJobArgs);
    const secrets: Partial<FineTuneJobArgs> = {};
    if (args.hfApiToken !== undefined) secrets.hfApiToken = pulumi.secret(args.hfApiToken);
    if (args.wandb !== undefined) secrets.wandb = secretWandb(args.wandb);
    // A TrainingFile stands for its file id; its local path goes along for preview's price estimate.
    const datasets = {
      trainingFile: fileIdOf(args.trainingFile),
      validationFile: fileIdOf(args.validationFile),
      trainingFileSource: datasetSource(args.trainingFile),
      validationFileSource: datasetSource(args.validationFile),
    };
    super(
      shells.FineTuneJob,
      name,
      {
        jobId: undefined,
        status: undefined,
        outputModelName: undefined,
        estimatedPriceUsd: undefined,
        estimateKind: undefined,
        totalPriceUsd: undefined,
        tokenCount: undefined,
        epochsCompleted: undefined,
        stepsCompleted: undefined,
        totalSteps: undefined,
        wandbUrl: undefined,
        createdAt: undefined,
        checkpoints: undefined,
        modelObjectId: undefined,
        modelObjectName: undefined,
        modelObjectRevisionId: undefined,
        adapterObjectId: undefined,
        adapterObjectName: undefined,
        adapterObjectRevisionId: undefined,
        earlyStopped: undefined,
        earlyStoppingBestStep: undefined,
        earlyStoppingBestMetric: undefined,
        schemaVersion: undefined,
        model: undefined,
        fromCheckpoint: undefined,
        fromHfModel: undefined,
        hfModelRevision: undefined,
        hfOutputRepoName: undefined,
        nEpochs: undefined,
        nCheckpoints: undefined,
        nEvals: undefined,
        batchSize: undefined,
        learningRate: undefined,
        lrScheduler: undefined,
        warmupRatio: undefined,
        maxGradNorm: undefined,
        weightDecay: undefined,
        randomSeed: undefined,
        wandb: undefined,
        trainingMethod: undefined,
        trainingType: undefined,
        packing: undefined,
        maxSeqLength: undefined,
        gradientAccumulationSteps: undefined,
        trainVision: undefined,
        earlyStopping: undefined,
        waitFor: undefined,
        timeoutMinutes: undefined,
        maxPriceUsd: undefined,
        adoptJobId: undefined,
        deleteModelOnDestroy: undefined,
        ...args,
        ...secrets,
        ...datasets,
        suffix: args.suffix ?? defaultSuffix(pulumi.getStack(), name),
        logicalName: name,
        // Whose objects these are on Together, so an interrupted create is recovered from any machine and never
        // from another stack's (provider/shared/owner.ts).
        pulumiProject: pulumi.getProject(),
        pulumiStack: pulumi.getStack(),
        // replaceOnChanges reaches the engine as an option, but only the provider can apply it (see diff.ts).
        ...replaceOnChangesInput(opts),
      },
      opts,
      RESOURCE_MODULE,
      "FineTuneJob",
    );
    if (args.model !== undefined) linkTrainedModel(this, this.outputModelName, args.model);
  }
}
