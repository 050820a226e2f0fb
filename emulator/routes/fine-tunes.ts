// Fine-tuning jobs: create (validated), list, retrieve, cancel, delete, events, checkpoints, price
// estimates, and the catalogue look-ups (model limits, supported models).
import { randomBytes, randomUUID } from "node:crypto";
import {
  OWNER,
  isCatalogModel,
  modelLimits,
  modelParamsB,
  supportedModels,
  tokensForBytes,
  usdPerToken,
} from "../catalog";
import { processingState } from "../file-state";
import { earlyStopEval, validationLoss } from "../early-stopping";
import { materializeRestarts, scheduleOutcome, trainingTime } from "../job-restarts";
import { resolveCheckpoint, validateCreate, type JobSpec } from "../fine-tune-validation";
import { ApiError, badRequest, json, notFound } from "../http";
import {
  TERMINAL_STATUSES,
  buildSchedule,
  checkpoints,
  eventView,
  jobEvents,
  jobStatus,
  jobView,
  registryObject,
  type RegistryObject,
} from "../job-timeline";
import type { Route, RouteContext } from "../runtime";
import type { EarlyStop, JobRecord } from "../store";

function liveJob(ctx: RouteContext): JobRecord {
  const id = ctx.params[0] ?? "";
  const job = ctx.rt.store.liveJob(id);
  if (!job) throw notFound(`Fine-tune job ${id} not found`, "id");
  return job;
}

const basename = (model: string): string => model.split("/").pop() ?? model;

/**
 * Optimizer steps per epoch: packed, the tokens fill sequences of max_seq_length; unpacked, every example is a
 * sequence of its own. batch_size sequences make a micro-batch, gradient_accumulation_steps micro-batches a step.
 */
function stepsPerEpoch(spec: JobSpec, tokensPerEpoch: number, lines: number): number {
  const packed = Math.ceil(tokensPerEpoch / spec.maxSeqLength);
  const sequences = spec.packing ? packed : Math.max(lines, packed);
  return Math.max(1, Math.ceil(sequences / (spec.batchSize * spec.gradientAccumulationSteps)));
}

function earlyStop(spec: JobSpec, steps: number): EarlyStop | undefined {
  if (!spec.earlyStopping) return undefined;
  const at = earlyStopEval(spec.nEvals, spec.earlyStopping);
  if (!at) return undefined;
  const fraction = at.stopEval / spec.nEvals;
  return {
    fraction,
    evals: at.stopEval,
    step: Math.floor(fraction * steps),
    bestStep: Math.round((at.bestEval * steps) / spec.nEvals),
    bestMetric: validationLoss(at.bestEval),
  };
}

const objectFields = (o: RegistryObject) => ({
  object_id: o.id,
  object_name: o.name,
  object_revision_id: o.revisionId,
});

function createJob(ctx: RouteContext): JobRecord {
  const spec = validateCreate(ctx.body, ctx.rt.store, ctx.now);
  const id = `ft-${randomUUID()}`;
  const tokensPerEpoch = tokensForBytes(spec.trainingFile.bytes);
  const evalTokens = spec.validationFile ? tokensForBytes(spec.validationFile.bytes) : 0;
  const hex = randomBytes(3).toString("hex");
  const lines = spec.trainingFile.processing?.result?.nlines ?? 0;
  const perEpoch = stepsPerEpoch(spec, tokensPerEpoch, lines);
  const stop = earlyStop(spec, perEpoch * spec.nEpochs);
  const trainedTokens =
    tokensPerEpoch * spec.nEpochs * (stop?.fraction ?? 1) + evalTokens * (stop?.evals ?? spec.nEvals);
  const job: JobRecord = {
    id,
    createdAt: ctx.now,
    echo: spec.echo,
    model: spec.model,
    trainingType: spec.trainingType,
    method: spec.method,
    batchSize: spec.batchSize,
    maxSeqLength: spec.maxSeqLength,
    nEpochs: spec.nEpochs,
    nCheckpoints: spec.nCheckpoints,
    nEvals: spec.nEvals,
    packing: spec.packing,
    gradientAccumulationSteps: spec.gradientAccumulationSteps,
    ...(spec.earlyStopping ? { earlyStopping: spec.earlyStopping } : {}),
    adapterOnly: spec.adapterOnly,
    warnings: spec.warnings,
    ...(spec.suffix !== undefined ? { suffix: spec.suffix } : {}),
    ...(spec.fromCheckpoint !== undefined ? { fromCheckpoint: spec.fromCheckpoint } : {}),
    outputName: `${OWNER}/${basename(spec.model)}-${spec.suffix !== undefined ? `${spec.suffix}-` : ""}${hex}`,
    trainingFile: spec.trainingFile.id,
    ...(spec.validationFile ? { validationFile: spec.validationFile.id } : {}),
    trainingFileBytes: spec.trainingFile.bytes,
    trainingFileLines: lines,
    tokensPerEpoch,
    evalTokens,
    stepsPerEpoch: perEpoch,
    ...(stop ? { earlyStop: stop } : {}),
    usdPerToken: usdPerToken(spec.model, spec.method, spec.trainingType),
    paramCount: Math.round(modelParamsB(spec.model) * 1e9),
    ...(spec.wandb
      ? {
          wandbUrl: `https://wandb.ai/${spec.wandb.entity ?? OWNER}/${spec.wandb.project}/runs/${id.slice(3, 11)}`,
        }
      : {}),
    schedule: buildSchedule(ctx.now, Math.ceil(trainedTokens), ctx.rt.store.jobDurations),
    deleted: false,
  };
  ctx.rt.store.jobs.set(id, job);
  const fault = ctx.jobFault;
  if (fault !== undefined)
    scheduleOutcome(job, fault.outcome, trainingTime(job, fault.atFraction ?? 0.5), fault.message);
  return job;
}

function estimatePrice(ctx: RouteContext): Record<string, unknown> {
  const { store } = ctx.rt;
  const b = ctx.body;
  const fileState = (id: unknown, which: "train" | "eval"): string | undefined => {
    if (typeof id !== "string" || id === "") return undefined;
    const file = store.liveFile(id);
    if (!file)
      throw badRequest(`File ${id} not found`, which === "train" ? "training_file" : "validation_file");
    const state = processingState(file, ctx.now);
    if (state === "pending") return `${which}_file_not_validated`;
    if (state === "invalid") return `${which}_file_invalid`;
    return undefined;
  };
  if (typeof b.training_file !== "string" || b.training_file === "")
    throw badRequest("training_file is required", "training_file");
  const unavailable = fileState(b.training_file, "train") ?? fileState(b.validation_file, "eval");
  if (unavailable) return { estimation_available: false, unavailable_reason: unavailable };
  let model: string;
  if (typeof b.from_checkpoint === "string" && b.from_checkpoint !== "")
    model = resolveCheckpoint(store, b.from_checkpoint, ctx.now).job.model;
  else if (typeof b.model === "string" && isCatalogModel(b.model)) model = b.model;
  else throw badRequest(`Model ${JSON.stringify(b.model)} is not supported for fine-tuning`, "model");
  const nEpochs = typeof b.n_epochs === "number" ? b.n_epochs : 1;
  const nEvals = typeof b.n_evals === "number" ? b.n_evals : 0;
  const method = (b.training_method as { method?: unknown } | undefined)?.method === "dpo" ? "dpo" : "sft";
  const type = (b.training_type as { type?: unknown } | undefined)?.type === "Full" ? "Full" : "Lora";
  const trainTokens = tokensForBytes(store.liveFile(b.training_file)!.bytes) * nEpochs;
  const evalFile = typeof b.validation_file === "string" ? store.liveFile(b.validation_file) : undefined;
  const evalTokens = evalFile ? tokensForBytes(evalFile.bytes) * nEvals : 0;
  const price = Math.round((trainTokens + evalTokens) * usdPerToken(model, method, type) * 1e6) / 1e6;
  return {
    estimation_available: true,
    estimated_total_price: price,
    allowed_to_proceed: price <= store.userLimitUsd,
    user_limit: store.userLimitUsd,
    estimated_train_token_count: trainTokens,
    estimated_eval_token_count: evalTokens,
  };
}

/** Every fine-tune route first makes the jobs Together restarted by now, so they are listed and readable. */
export function fineTuneRoutes(): Route[] {
  return routes().map((r) => ({
    ...r,
    handle: (ctx) => {
      materializeRestarts(ctx.rt.store, ctx.now);
      return r.handle(ctx);
    },
  }));
}

function routes(): Route[] {
  return [
    {
      method: "POST",
      pattern: /^\/v1\/fine-tunes$/,
      body: "json",
      auth: true,
      handle: (ctx) => json(jobView(createJob(ctx), ctx.now, false)),
    },
    {
      method: "GET",
      pattern: /^\/v1\/fine-tunes$/,
      body: "none",
      auth: true,
      handle: (ctx) => {
        const jobs = [...ctx.rt.store.jobs.values()].filter((j) => !j.deleted);
        return json({ object: "list", data: jobs.map((j) => jobView(j, ctx.now, false)) });
      },
    },
    {
      method: "POST",
      pattern: /^\/v1\/fine-tunes\/estimate-price$/,
      body: "json",
      auth: true,
      handle: (ctx) => json(estimatePrice(ctx)),
    },
    {
      method: "GET",
      pattern: /^\/v1\/fine-tunes\/models\/supported$/,
      body: "none",
      auth: true,
      handle: () => json({ models: supportedModels() }),
    },
    {
      method: "GET",
      pattern: /^\/v1\/fine-tunes\/models\/limits$/,
      body: "none",
      auth: true,
      handle: (ctx) => {
        const name = ctx.query.get("model_name") ?? "";
        const limits = modelLimits(name);
        if (!limits)
          throw new ApiError(404, `Model ${name} is not available for fine-tuning`, null, null, true);
        return json(limits);
      },
    },
    {
      method: "GET",
      pattern: /^\/v1\/fine-tunes\/([^/]+)$/,
      body: "none",
      auth: true,
      handle: (ctx) => json(jobView(liveJob(ctx), ctx.now, true)),
    },
    {
      method: "DELETE",
      pattern: /^\/v1\/fine-tunes\/([^/]+)$/,
      body: "none",
      auth: true,
      handle: (ctx) => {
        const job = liveJob(ctx);
        if (!TERMINAL_STATUSES.has(jobStatus(job, ctx.now)) && job.cancelRequestedAt === undefined) {
          // Deleting a live job stops it on the spot: nothing keeps running (or billing) for a deleted job.
          job.cancelRequestedAt = ctx.now;
          job.cancelledAt = ctx.now;
        }
        job.deleted = true;
        return json({ message: `Fine-tune job ${job.id} deleted` });
      },
    },
    {
      method: "POST",
      pattern: /^\/v1\/fine-tunes\/([^/]+)\/cancel$/,
      body: "none",
      auth: true,
      handle: (ctx) => {
        const job = liveJob(ctx);
        const status = jobStatus(job, ctx.now);
        if (TERMINAL_STATUSES.has(status))
          throw badRequest(`Fine-tune job ${job.id} is already ${status} and cannot be cancelled`, "id");
        if (job.cancelRequestedAt === undefined) {
          job.cancelRequestedAt = ctx.now;
          job.cancelledAt = ctx.now + ctx.rt.store.jobDurations.cancelMs;
        }
        return json(jobView(job, ctx.now, false));
      },
    },
    {
      method: "GET",
      pattern: /^\/v1\/fine-tunes\/([^/]+)\/events$/,
      body: "none",
      auth: true,
      handle: (ctx) => {
        const job = liveJob(ctx);
        return json({ object: "list", data: jobEvents(job, ctx.now).map((e) => eventView(job, e, ctx.now)) });
      },
    },
    {
      method: "GET",
      pattern: /^\/v1\/fine-tunes\/([^/]+)\/checkpoints$/,
      body: "none",
      auth: true,
      handle: (ctx) => {
        const job = liveJob(ctx);
        const data = checkpoints(job, ctx.now).map((c) => ({
          object: "fine-tune-checkpoint",
          step: c.step,
          created_at: new Date(c.at).toISOString(),
          path: c.path,
          checkpoint_type: c.type,
          checkpoint: c.type === "Final Adapter" ? "adapter" : "model",
          ...objectFields(registryObject(job, c)),
        }));
        return json({ object: "list", data });
      },
    },
  ];
}
