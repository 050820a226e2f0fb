// `POST /fine-tunes` request validation with the server's 400s: files must exist and have passed
// processing, the model must be in the catalogue (or come from a completed job's checkpoint), and
// every hyperparameter must sit inside the model's limits for the chosen method and training type.
import {
  DEFAULT_GRADIENT_ACCUMULATION_STEPS,
  LORA_MAX_RANK,
  MAX_LEARNING_RATE,
  MAX_NUM_CHECKPOINTS,
  MAX_NUM_EPOCHS,
  MAX_NUM_EVALS,
  MIN_LEARNING_RATE,
  MIN_MAX_SEQ_LENGTH,
  MOE_EXPERT_MODULES,
  contextLength,
  fullEntry,
  isCatalogModel,
  loraEntry,
  loraTargetModules,
  mergesLoraOutput,
  supportsVision,
} from "./catalog";
import { ApiError, badRequest } from "./http";
import { processingState } from "./file-state";
import { checkpoints, jobStatus } from "./job-timeline";
import type { EarlyStoppingSettings, EmulatorStore, FileRecord, JobRecord, JobTraining } from "./store";

export interface JobSpec extends JobTraining {
  trainingFile: FileRecord;
  validationFile?: FileRecord;
  wandb?: { project: string; entity?: string };
}

const SUFFIX = /^[A-Za-z0-9._-]{1,64}$/;

/** `FineTuningCreateParams` of together-ai 0.52 plus the Python SDKs' `wandb_key`: any other field is accepted
 *  (Together documents none as refused), recorded in the request log and named in a `warning` event. */
const CREATE_FIELDS = new Set([
  "training_file",
  "model",
  "validation_file",
  "n_epochs",
  "n_checkpoints",
  "n_evals",
  "batch_size",
  "learning_rate",
  "lr_scheduler",
  "warmup_ratio",
  "max_grad_norm",
  "weight_decay",
  "random_seed",
  "packing",
  "max_seq_length",
  "suffix",
  "wandb_api_key",
  "wandb_key",
  "wandb_base_url",
  "wandb_project_name",
  "wandb_name",
  "wandb_entity",
  "train_on_inputs",
  "training_method",
  "training_type",
  "multimodal_params",
  "from_checkpoint",
  "from_hf_model",
  "hf_model_revision",
  "hf_api_token",
  "hf_output_repo_name",
  "gradient_accumulation_steps",
  "early_stopping_enabled",
  "early_stopping_patience",
  "early_stopping_min_delta",
  "early_stopping_warmup_evals",
]);

type Body = Record<string, unknown>;

function isObject(v: unknown): v is Body {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function optInt(body: Body, key: string, min: number, max: number, fallback: number): number {
  const v = body[key];
  if (v === undefined || v === null) return fallback;
  if (typeof v !== "number" || !Number.isInteger(v) || v < min || v > max) {
    throw badRequest(`${key} must be an integer between ${min} and ${max}, got ${JSON.stringify(v)}`, key);
  }
  return v;
}

function optNumber(
  obj: Body,
  key: string,
  param: string,
  ok: (n: number) => boolean,
  rule: string,
  fallback: number,
): number {
  const v = obj[key];
  if (v === undefined || v === null) return fallback;
  if (typeof v !== "number" || !Number.isFinite(v) || !ok(v)) {
    throw badRequest(`${param} must be ${rule}, got ${JSON.stringify(v)}`, param);
  }
  return v;
}

function optString(body: Body, key: string): string | undefined {
  const v = body[key];
  if (v === undefined || v === null || v === "") return undefined;
  if (typeof v !== "string") throw badRequest(`${key} must be a string`, key);
  return v;
}

/** A training or validation file that exists, belongs to fine-tuning and passed processing. */
export function usableFile(store: EmulatorStore, id: string, param: string, now: number): FileRecord {
  const file = store.liveFile(id);
  if (!file) throw badRequest(`File ${id} not found. Upload it first with POST /files.`, param);
  if (file.purpose !== "fine-tune") {
    throw badRequest(
      `File ${id} has purpose "${file.purpose}"; fine-tuning needs purpose "fine-tune".`,
      param,
    );
  }
  const state = processingState(file, now);
  if (state === "pending") {
    throw badRequest(`File ${id} has not been processed yet; wait until it is processed and retry.`, param);
  }
  if (state === "invalid") {
    throw badRequest(
      `File ${id} failed validation: ${file.processing?.result?.error ?? "invalid format"}`,
      param,
    );
  }
  return file;
}

/** `{JOB_ID}`, `{OUTPUT_MODEL_NAME}`, or either with `:{STEP}`; the source job must be completed. */
export function resolveCheckpoint(
  store: EmulatorStore,
  ref: string,
  now: number,
  param = "from_checkpoint",
): { job: JobRecord; step: number } {
  const m = /^(.*?)(?::(\d+))?$/.exec(ref);
  const key = m?.[1] ?? ref;
  const job = [...store.jobs.values()].find((j) => !j.deleted && (j.id === key || j.outputName === key));
  if (!job)
    throw badRequest(`Checkpoint ${ref} not found: no fine-tune job or output model named ${key}.`, param);
  if (jobStatus(job, now) !== "completed") {
    throw badRequest(
      `Checkpoint ${ref} is not available: job ${job.id} is ${jobStatus(job, now)}, not completed.`,
      param,
    );
  }
  const steps = checkpoints(job, now).map((c) => c.step);
  const step = m?.[2] !== undefined ? Number(m[2]) : Math.max(...steps);
  if (!steps.includes(step)) {
    throw badRequest(
      `Checkpoint ${ref} not found: job ${job.id} has checkpoints at steps ${[...new Set(steps)].join(", ")}.`,
      param,
    );
  }
  return { job, step };
}

export function validateCreate(body: Body, store: EmulatorStore, now: number): JobSpec {
  const trainingFileId = optString(body, "training_file");
  if (!trainingFileId) throw badRequest("training_file is required", "training_file");
  const trainingFile = usableFile(store, trainingFileId, "training_file", now);
  const validationFileId = optString(body, "validation_file");
  const validationFile = validationFileId
    ? usableFile(store, validationFileId, "validation_file", now)
    : undefined;

  const requestedModel = optString(body, "model");
  const fromCheckpoint = optString(body, "from_checkpoint");
  const fromHf = optString(body, "from_hf_model");
  if (requestedModel && fromCheckpoint) {
    throw badRequest(
      "model and from_checkpoint cannot both be set; the checkpoint already determines the model.",
      "from_checkpoint",
    );
  }
  if (fromHf && fromCheckpoint)
    throw badRequest("from_hf_model cannot be combined with from_checkpoint", "from_hf_model");
  if (fromHf && !/^[\w.-]+\/[\w.-]+$/.test(fromHf))
    throw badRequest(
      `from_hf_model must be a Hugging Face repo id (org/name), got "${fromHf}"`,
      "from_hf_model",
    );
  let model: string;
  let parent: JobRecord | undefined;
  if (fromCheckpoint) {
    parent = resolveCheckpoint(store, fromCheckpoint, now).job;
    model = parent.model;
  } else {
    if (!requestedModel) throw badRequest("model is required", "model");
    if (!isCatalogModel(requestedModel)) {
      throw badRequest(
        `Model ${requestedModel} is not supported for fine-tuning. See GET /fine-tunes/models/supported.`,
        "model",
      );
    }
    model = requestedModel;
  }

  // A continuation that names no training type keeps its parent's (type, rank and modules).
  const rawType = body.training_type ?? parent?.echo.training_type;
  const trainingType = parseTrainingType(rawType, model);
  const method = parseTrainingMethod(body.training_method);
  const format = trainingFile.processing?.result?.format;
  if (method.method === "dpo" && format !== "PREFERENCE") {
    throw badRequest(
      `DPO training needs a preference dataset (input, preferred_output, non_preferred_output); ${trainingFile.id} is ${(format ?? "unknown").toLowerCase()}.`,
      "training_method",
    );
  }
  if (method.method === "sft" && format === "PREFERENCE") {
    throw badRequest(
      `${trainingFile.id} is a preference dataset; use training_method {"method": "dpo"}.`,
      "training_method",
    );
  }
  if (validationFile && validationFile.processing?.result?.format !== format) {
    throw badRequest(
      `validation_file ${validationFile.id} has a different dataset format than training_file ${trainingFile.id}.`,
      "validation_file",
    );
  }

  const entry = trainingType.echo.type === "Full" ? fullEntry(model)! : loraEntry(model)!;
  const minBatch = entry.minBatchSize;
  const maxBatch = method.method === "dpo" ? entry.maxBatchSizeDpo : entry.maxBatchSizeSft;
  let batchSize = maxBatch;
  const rawBatch = body.batch_size;
  if (rawBatch !== undefined && rawBatch !== null && rawBatch !== "max") {
    if (
      typeof rawBatch !== "number" ||
      !Number.isInteger(rawBatch) ||
      rawBatch < minBatch ||
      rawBatch > maxBatch
    ) {
      throw badRequest(
        `batch_size must be between ${minBatch} and ${maxBatch} for ${trainingType.echo.type === "Full" ? "full" : "LoRA"} ${method.method.toUpperCase()} training of ${model}, got ${JSON.stringify(rawBatch)}`,
        "batch_size",
      );
    }
    batchSize = rawBatch;
  }

  const nEpochs = optInt(body, "n_epochs", 1, MAX_NUM_EPOCHS, 1);
  const nCheckpoints = optInt(body, "n_checkpoints", 1, MAX_NUM_CHECKPOINTS, 1);
  const nEvals = optInt(body, "n_evals", 0, MAX_NUM_EVALS, 0);
  if (nEvals > 0 && !validationFile) throw badRequest("n_evals > 0 requires a validation_file", "n_evals");
  const ctx = contextLength(model, method.method);
  const maxSeqLength = optInt(body, "max_seq_length", MIN_MAX_SEQ_LENGTH, ctx, ctx);
  const gas =
    optInt(body, "gradient_accumulation_steps", 0, Number.MAX_SAFE_INTEGER, 0) ||
    DEFAULT_GRADIENT_ACCUMULATION_STEPS;
  const earlyStopping = parseEarlyStopping(body, nEvals, validationFile !== undefined);
  const trainVision = parseMultimodal(body.multimodal_params, model);

  const learningRate = optNumber(
    body,
    "learning_rate",
    "learning_rate",
    (n) => n > 0 && n >= MIN_LEARNING_RATE && n <= MAX_LEARNING_RATE,
    `> 0 and between ${MIN_LEARNING_RATE} and ${MAX_LEARNING_RATE}`,
    1e-5,
  );
  const warmupRatio = optNumber(
    body,
    "warmup_ratio",
    "warmup_ratio",
    (n) => n >= 0 && n <= 1,
    "between 0 and 1",
    0,
  );
  const maxGradNorm = optNumber(body, "max_grad_norm", "max_grad_norm", (n) => n >= 0, ">= 0", 1);
  const weightDecay = optNumber(body, "weight_decay", "weight_decay", (n) => n >= 0, ">= 0", 0);
  const lrScheduler = parseScheduler(body.lr_scheduler);

  const suffix = body.suffix;
  if (suffix !== undefined && suffix !== null && (typeof suffix !== "string" || !SUFFIX.test(suffix))) {
    throw badRequest(
      `suffix must be 1-64 characters of letters, digits, ".", "_" or "-", got ${JSON.stringify(suffix)}`,
      "suffix",
    );
  }
  const randomSeed = body.random_seed;
  if (
    randomSeed !== undefined &&
    randomSeed !== null &&
    (typeof randomSeed !== "number" || !Number.isInteger(randomSeed))
  ) {
    throw badRequest("random_seed must be an integer or null", "random_seed");
  }
  const packing = body.packing;
  if (packing !== undefined && typeof packing !== "boolean")
    throw badRequest("packing must be a boolean", "packing");
  const hfOutputRepo = optString(body, "hf_output_repo_name");
  if (hfOutputRepo && !optString(body, "hf_api_token")) {
    throw badRequest("hf_output_repo_name requires hf_api_token", "hf_api_token");
  }
  const wandbKey = optString(body, "wandb_api_key") ?? optString(body, "wandb_key");
  const wandbProject = optString(body, "wandb_project_name") ?? "together";
  const wandbName = optString(body, "wandb_name");
  const wandbEntity = optString(body, "wandb_entity");

  const modules = trainingType.echo.lora_trainable_modules;
  const expertTargets =
    typeof modules === "string" && modules.split(",").some((m) => MOE_EXPERT_MODULES.includes(m.trim()));
  const adapterOnly = trainingType.echo.type === "Lora" && (expertTargets || !mergesLoraOutput(model));
  const echo: Record<string, unknown> = {
    learning_rate: learningRate,
    lr_scheduler: lrScheduler,
    warmup_ratio: warmupRatio,
    max_grad_norm: maxGradNorm,
    weight_decay: weightDecay,
    random_seed: typeof randomSeed === "number" ? randomSeed : null,
    packing: trainingFile.fileType === "parquet" ? false : (packing ?? true),
    training_type: trainingType.echo,
    training_method: method.echo,
    wandb_project_name: wandbProject,
    ...(wandbName ? { wandb_name: wandbName } : {}),
    ...(fromHf
      ? { from_hf_model: fromHf, hf_model_revision: optString(body, "hf_model_revision") ?? "main" }
      : {}),
    ...(trainVision !== undefined ? { multimodal_params: { train_vision: trainVision } } : {}),
  };
  return {
    model,
    trainingType: trainingType.echo.type as "Full" | "Lora",
    method: method.method,
    batchSize,
    maxSeqLength,
    nEpochs,
    nCheckpoints,
    nEvals,
    ...(typeof suffix === "string" ? { suffix } : {}),
    ...(fromCheckpoint ? { fromCheckpoint } : {}),
    packing: echo.packing as boolean,
    gradientAccumulationSteps: gas,
    ...(earlyStopping ? { earlyStopping } : {}),
    adapterOnly,
    warnings: createWarnings(body, trainingFile),
    trainingFile,
    ...(validationFile ? { validationFile } : {}),
    ...(wandbKey
      ? { wandb: { project: wandbProject, ...(wandbEntity ? { entity: wandbEntity } : {}) } }
      : {}),
    echo,
  };
}

function createWarnings(body: Body, trainingFile: FileRecord): string[] {
  const out: string[] = [];
  const unknown = Object.keys(body).filter((k) => !CREATE_FIELDS.has(k));
  if (unknown.length > 0) out.push(`Ignored unknown request field(s): ${unknown.join(", ")}`);
  if (body.packing === true && trainingFile.fileType === "parquet")
    out.push("packing has no effect on Parquet training data: its sequences are used as tokenized");
  return out;
}

function parseTrainingType(raw: unknown, model: string): { echo: Record<string, unknown> } {
  // Omitted means LoRA at the maximum rank with alpha = 2 x rank (what the Python SDK sends by default).
  if (raw === undefined || raw === null)
    raw = { type: "Lora", lora_r: LORA_MAX_RANK, lora_alpha: 2 * LORA_MAX_RANK };
  if (!isObject(raw)) throw badRequest("training_type must be an object", "training_type");
  if (raw.type === "Full") {
    if (!fullEntry(model)) {
      throw badRequest(
        `Full training is not supported for ${model}; it supports LoRA only. Use training_type {"type": "Lora", ...}.`,
        "training_type",
      );
    }
    return { echo: { type: "Full" } };
  }
  if (raw.type !== "Lora")
    throw badRequest(
      `training_type.type must be "Lora" or "Full", got ${JSON.stringify(raw.type)}`,
      "training_type.type",
    );
  if (!loraEntry(model)) throw badRequest(`LoRA training is not supported for ${model}`, "training_type");
  const r = raw.lora_r;
  if (typeof r !== "number" || !Number.isInteger(r) || r < 1 || r > LORA_MAX_RANK) {
    throw badRequest(
      `training_type.lora_r must be an integer between 1 and ${LORA_MAX_RANK}, got ${JSON.stringify(r)}`,
      "training_type.lora_r",
    );
  }
  const alpha = raw.lora_alpha;
  if (typeof alpha !== "number" || !(alpha > 0)) {
    throw badRequest(
      `training_type.lora_alpha must be a positive number, got ${JSON.stringify(alpha)}`,
      "training_type.lora_alpha",
    );
  }
  const dropout = optNumber(
    raw,
    "lora_dropout",
    "training_type.lora_dropout",
    (n) => n >= 0 && n < 1,
    ">= 0 and < 1",
    0,
  );
  const modules = raw.lora_trainable_modules ?? "all-linear";
  if (typeof modules !== "string")
    throw badRequest(
      "training_type.lora_trainable_modules must be a string",
      "training_type.lora_trainable_modules",
    );
  if (modules !== "all-linear") {
    const allowed = loraTargetModules(model);
    const bad = modules
      .split(",")
      .map((m) => m.trim())
      .find((m) => !allowed.includes(m));
    if (bad !== undefined) {
      throw badRequest(
        `training_type.lora_trainable_modules: "${bad}" is not one of all-linear, ${allowed.join(", ")} for ${model}`,
        "training_type.lora_trainable_modules",
      );
    }
  }
  return {
    echo: {
      type: "Lora",
      lora_r: r,
      lora_alpha: alpha,
      lora_dropout: dropout,
      lora_trainable_modules: modules,
    },
  };
}

/** together-ai: early stopping "Requires a validation_file, and n_evals must be at least early_stopping_patience +
 *  early_stopping_warmup_evals + 1"; warm-up defaults to 1; the settings "only apply when
 *  early_stopping_enabled is true". The patience default (1) and min delta default (0) are the emulator's. */
function parseEarlyStopping(
  body: Body,
  nEvals: number,
  hasValidation: boolean,
): EarlyStoppingSettings | undefined {
  const enabled = body.early_stopping_enabled;
  if (enabled !== undefined && enabled !== null && typeof enabled !== "boolean")
    throw badRequest("early_stopping_enabled must be a boolean", "early_stopping_enabled");
  if (enabled !== true) return undefined;
  if (!hasValidation)
    throw badRequest("early_stopping_enabled requires a validation_file", "early_stopping_enabled");
  const patience = optInt(body, "early_stopping_patience", 1, Number.MAX_SAFE_INTEGER, 1);
  const warmupEvals = optInt(body, "early_stopping_warmup_evals", 0, Number.MAX_SAFE_INTEGER, 1);
  const minDelta = optNumber(
    body,
    "early_stopping_min_delta",
    "early_stopping_min_delta",
    (n) => n >= 0,
    ">= 0",
    0,
  );
  if (nEvals < patience + warmupEvals + 1) {
    throw badRequest(
      `n_evals must be at least early_stopping_patience + early_stopping_warmup_evals + 1 = ${patience + warmupEvals + 1} for early stopping, got ${nEvals}`,
      "n_evals",
    );
  }
  return { patience, minDelta, warmupEvals };
}

/** `multimodal_params.train_vision`: only for models with vision support (Together: "Only available for
 *  multimodal models"); false is accepted anywhere. */
function parseMultimodal(raw: unknown, model: string): boolean | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (!isObject(raw)) throw badRequest("multimodal_params must be an object", "multimodal_params");
  const v = raw.train_vision;
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "boolean")
    throw badRequest("multimodal_params.train_vision must be a boolean", "multimodal_params.train_vision");
  if (v && !supportsVision(model)) {
    throw badRequest(
      `multimodal_params.train_vision is only available for multimodal models; ${model} has no vision support`,
      "multimodal_params.train_vision",
    );
  }
  return v;
}

function parseTrainingMethod(raw: unknown): { method: "sft" | "dpo"; echo: Record<string, unknown> } {
  if (raw === undefined || raw === null)
    return { method: "sft", echo: { method: "sft", train_on_inputs: "auto" } };
  if (!isObject(raw)) throw badRequest("training_method must be an object", "training_method");
  if (raw.method === "sft") {
    const toi = raw.train_on_inputs ?? "auto";
    if (toi !== "auto" && typeof toi !== "boolean")
      throw badRequest(
        'training_method.train_on_inputs must be true, false or "auto"',
        "training_method.train_on_inputs",
      );
    for (const k of ["dpo_beta", "rpo_alpha", "simpo_gamma"]) {
      if (raw[k] !== undefined)
        throw badRequest(`training_method.${k} is only valid with method "dpo"`, `training_method.${k}`);
    }
    return { method: "sft", echo: { method: "sft", train_on_inputs: toi } };
  }
  if (raw.method === "dpo") {
    if (raw.train_on_inputs !== undefined)
      throw badRequest(
        'training_method.train_on_inputs is only valid with method "sft"',
        "training_method.train_on_inputs",
      );
    const beta = optNumber(raw, "dpo_beta", "training_method.dpo_beta", (n) => n > 0, "> 0", 0.1);
    const rpo = optNumber(raw, "rpo_alpha", "training_method.rpo_alpha", (n) => n >= 0, ">= 0", 0);
    const simpo = optNumber(raw, "simpo_gamma", "training_method.simpo_gamma", (n) => n >= 0, ">= 0", 0);
    return {
      method: "dpo",
      echo: {
        method: "dpo",
        dpo_beta: beta,
        rpo_alpha: rpo,
        simpo_gamma: simpo,
        dpo_normalize_logratios_by_length: raw.dpo_normalize_logratios_by_length === true || simpo > 0,
        dpo_reference_free: raw.dpo_reference_free === true || simpo > 0,
      },
    };
  }
  throw badRequest(
    `training_method.method must be "sft" or "dpo", got ${JSON.stringify(raw.method)}`,
    "training_method.method",
  );
}

function parseScheduler(raw: unknown): Record<string, unknown> {
  if (raw === undefined || raw === null)
    return { lr_scheduler_type: "linear", lr_scheduler_args: { min_lr_ratio: 0 } };
  if (!isObject(raw)) throw badRequest("lr_scheduler must be an object", "lr_scheduler");
  const type = raw.lr_scheduler_type;
  if (type !== "linear" && type !== "cosine") {
    throw badRequest(
      `lr_scheduler.lr_scheduler_type must be "linear" or "cosine", got ${JSON.stringify(type)}`,
      "lr_scheduler.lr_scheduler_type",
    );
  }
  const args = raw.lr_scheduler_args ?? {};
  if (!isObject(args))
    throw new ApiError(
      400,
      "lr_scheduler.lr_scheduler_args must be an object",
      "lr_scheduler.lr_scheduler_args",
    );
  const minLr = optNumber(
    args,
    "min_lr_ratio",
    "lr_scheduler.lr_scheduler_args.min_lr_ratio",
    (n) => n >= 0 && n <= 1,
    "between 0 and 1",
    0,
  );
  if (type === "linear") return { lr_scheduler_type: "linear", lr_scheduler_args: { min_lr_ratio: minLr } };
  const cycles = optNumber(
    args,
    "num_cycles",
    "lr_scheduler.lr_scheduler_args.num_cycles",
    (n) => n > 0,
    "> 0",
    0.5,
  );
  return { lr_scheduler_type: "cosine", lr_scheduler_args: { min_lr_ratio: minLr, num_cycles: cycles } };
}
