// FineTuneJob: a one-shot, paid, immutable training run. Started exactly once, priced before anything is spent,
// waited on honestly, cancelled when destroyed.
import {
  isAmbiguousCreate,
  isAuthError,
  isBadRequest,
  isNotFound,
  type TogetherClient,
  type WireFineTune,
} from "../../client";
import { checkWithSchema } from "../../shared/check";
import { createOnce } from "../../shared/create-journal";
import { canonicalEqual, diffByTable } from "../../shared/diff";
import { PartialFailureError } from "../../shared/partial-failure";
import { redact } from "../../shared/redact";
import {
  containsUnknown,
  isUnknown,
  type CheckFailure,
  type ProviderContext,
  type ResourceLifecycle,
} from "../../shared/types";
import { isWaitTimeout, waitFor } from "../../shared/wait";
import { localPrice, type LocalPrice } from "../../estimate/local-price";
import { authFailure } from "../../shared/auth-failure";
import { estimateLine, estimatePrice, gateRefusal, type PriceEstimate } from "./cost-gate";
import { deprecationWarning } from "./deprecation";
import { isFailedStatus, isTerminalStatus, satisfies } from "./job-status";
import { awaitJob, describeJob, followRestarts } from "./job-wait";
import { mayHaveCheckpoints, readCheckpoints } from "./artifacts";
import { limitsFailures, lookUpLimits } from "./limits";
import { usd } from "../../shared/usd";
import { nameOf, subject } from "./messages";
import { echoInputs, jobOutputs, registerSecrets, secretValues } from "./outputs";
import { adoptAfterAmbiguousCreate, jobsMadeSince, jobsMatching, snapshotJobIds } from "./reconcile";
import { isHeld, stateInputsOf } from "../../shared/deployment-memory";
import { ownerOf } from "../../shared/owner";
import { createBody, withoutSecrets } from "./request-body";
import { crossFieldFailures } from "./rules";
import {
  DEFAULT_TRAINING_TYPE,
  diffTable,
  fineTuneJobInputs,
  KIND,
  TRAINING_FIELDS,
  type FineTuneJobInputs,
  type WaitTarget,
} from "./schema";
import { errorText } from "../../shared/error-text";

/** How long destroy waits for a cancelled job to stop (real time, divided by the time scale). */
const CANCEL_WAIT_MS = 5 * 60_000;
const PRICE_FIELDS = [
  "trainingFile",
  "validationFile",
  "model",
  "fromCheckpoint",
  "nEpochs",
  "nEvals",
  "trainingMethod",
  "trainingType",
];

/**
 * Check failures are returned, not thrown, so the process-wide redaction never sees them: scrub here. A failure
 * names the value it rejects, so a secret shows as `"***"` in its place rather than a bracketed marker.
 */
function scrubbed(failures: CheckFailure[], secrets: string[]): CheckFailure[] {
  return failures.map((f) => ({ property: f.property, reason: redact(f.reason, secrets, "***") }));
}

/** Rule failures first (their messages are the most specific), then schema failures on other properties. */
function merge(rules: CheckFailure[], schema: CheckFailure[]): CheckFailure[] {
  const seen = new Set(rules.map((f) => f.property));
  return [...rules, ...schema.filter((f) => !seen.has(f.property))];
}

/**
 * State written before a continuation could leave its training type unset holds the LoRA default it was given
 * then. The same program must not replace that (paid, finished) job just because the default is no longer
 * filled in: that old value compares as unset.
 */
function withoutLegacyTrainingType(
  olds: Record<string, unknown>,
  news: Record<string, unknown>,
): Record<string, unknown> {
  if (news.trainingType !== undefined || news.fromCheckpoint === undefined) return olds;
  if (!canonicalEqual(olds.trainingType, DEFAULT_TRAINING_TYPE)) return olds;
  const { trainingType: _legacy, ...rest } = olds;
  return rest;
}

/** A job from a base model that names no training type gets Together's default; a continuation keeps its parent's. */
function fillTrainingType(value: FineTuneJobInputs | undefined): void {
  if (value !== undefined && value.trainingType === undefined && value.fromCheckpoint === undefined)
    value.trainingType = { ...DEFAULT_TRAINING_TYPE };
}

/** Whether these checked inputs would start a new job: a create, or a change of any training input. */
function wouldStartJob(olds: Record<string, unknown>, news: Record<string, unknown>): boolean {
  if (news.adoptJobId !== undefined) return false;
  if (olds.trainingFile === undefined) return true;
  const before = echoInputs(withoutLegacyTrainingType(olds, news));
  const after = echoInputs(news);
  return TRAINING_FIELDS.some((f) => !canonicalEqual(before[f], after[f]));
}

async function checkAgainstModel(
  ctx: ProviderContext,
  name: string | undefined,
  value: Record<string, unknown>,
): Promise<CheckFailure[]> {
  const model = value.model;
  if (typeof model !== "string" || isUnknown(model) || value.fromCheckpoint !== undefined) return [];
  let lookup: Awaited<ReturnType<typeof lookUpLimits>>;
  try {
    lookup = await lookUpLimits(ctx, model);
  } catch (e) {
    if (isAuthError(e)) return [authFailure(subject(name), e)];
    throw e;
  }
  if (lookup.kind === "unavailable") {
    ctx.log.warn(
      `${subject(name)}: could not check ${model}'s limits (${lookup.why}); Together will check them at create.`,
    );
  }
  return limitsFailures(name, value, lookup);
}

interface PreviewEstimate {
  estimate?: number;
  kind?: "together" | "local";
  failure?: CheckFailure;
}

/** The preview half of the cost gate: a refusal becomes a check failure, the estimate goes into the inputs. */
async function previewGate(
  ctx: ProviderContext,
  name: string | undefined,
  value: FineTuneJobInputs,
  olds: Record<string, unknown>,
): Promise<PreviewEstimate> {
  if (PRICE_FIELDS.some((f) => containsUnknown(value[f as keyof FineTuneJobInputs]))) {
    return localGate(ctx, name, value, olds);
  }
  let est: PriceEstimate;
  try {
    est = await estimatePrice(ctx, value);
  } catch (e) {
    if (isAuthError(e)) return { failure: authFailure(subject(name), e) };
    ctx.log.warn(
      `${subject(name)}: could not estimate the price at preview (${errorText(e)}); it is checked again at create.`,
    );
    return {};
  }
  ctx.log.info(estimateLine(name, est, value.maxPriceUsd));
  const refusal = gateRefusal(name, est, value.maxPriceUsd, false);
  const out: PreviewEstimate = {};
  if (est.priceUsd !== undefined) {
    out.estimate = est.priceUsd;
    out.kind = "together";
  }
  if (refusal !== undefined) {
    out.failure = {
      property: est.allowedToProceed === false ? "trainingFile" : "maxPriceUsd",
      reason: refusal,
    };
  }
  return out;
}

const known = (v: unknown): v is string => typeof v === "string" && !isUnknown(v);

/**
 * Prices the job before Together has its dataset (the file id is unknown at preview): tokens counted
 * in the local dataset the SDK passed along, at Together's rate for this model and method when an
 * earlier file of this job can be estimated, else the shipped table's. Gates maxPriceUsd on it.
 */
async function localGate(
  ctx: ProviderContext,
  name: string | undefined,
  value: FineTuneJobInputs,
  olds: Record<string, unknown>,
): Promise<PreviewEstimate> {
  const who = subject(name);
  const needsValidation = value.nEvals > 0 && value.validationFile !== undefined;
  if (
    !known(value.model) ||
    !known(value.trainingFileSource) ||
    (needsValidation && !known(value.validationFileSource))
  ) {
    ctx.log.info(
      `${who}: the price is estimated at create, once the training file id is known ` +
        `(pass the TrainingFile itself, or its fileId, as trainingFile for an estimate at preview).`,
    );
    return {};
  }
  const method = value.trainingMethod.method;
  const type = (value.trainingType ?? DEFAULT_TRAINING_TYPE).type;
  let togetherUsdPerToken: number | undefined;
  if (known(olds.trainingFile)) {
    try {
      const earlier = await estimatePrice(ctx, {
        ...value,
        trainingFile: olds.trainingFile,
        validationFile: known(olds.validationFile) ? olds.validationFile : undefined,
      });
      const tokens = (earlier.trainTokens ?? 0) + (earlier.evalTokens ?? 0);
      if (earlier.priceUsd !== undefined && tokens > 0) togetherUsdPerToken = earlier.priceUsd / tokens;
    } catch (e) {
      if (isAuthError(e)) return { failure: authFailure(who, e) };
      // The shipped rate table stands in.
    }
  }
  let price: LocalPrice;
  try {
    price = await localPrice({
      model: value.model,
      method,
      type,
      nEpochs: value.nEpochs,
      nEvals: value.nEvals,
      trainingSource: value.trainingFileSource,
      validationSource: needsValidation ? value.validationFileSource : undefined,
      togetherUsdPerToken,
    });
  } catch (e) {
    ctx.log.warn(
      `${who}: could not estimate the price locally (${errorText(e)}); it is estimated at create.`,
    );
    return {};
  }
  const cap = value.maxPriceUsd;
  ctx.log.info(
    `${who}: ${price.summary}; ${cap === undefined ? "no maxPriceUsd" : `maxPriceUsd ${usd(cap)}`}.`,
  );
  const out: PreviewEstimate = { estimate: Number(price.priceUsd.toPrecision(4)), kind: "local" };
  if (cap !== undefined && price.priceUsd > cap) {
    out.failure = {
      property: "maxPriceUsd",
      reason:
        `${who}: the job would cost more than maxPriceUsd ${usd(cap)}: ${price.summary}. Nothing was uploaded or started. ` +
        `Fix: raise maxPriceUsd, or train less (fewer epochs, a smaller dataset or model).`,
    };
  }
  return out;
}

/** The create half of the cost gate: throws before the POST when the job must not start. */
async function createGate(
  ctx: ProviderContext,
  name: string | undefined,
  i: FineTuneJobInputs,
  checked: { estimate: unknown; kind: unknown },
): Promise<number | undefined> {
  let est: PriceEstimate;
  try {
    est = await estimatePrice(ctx, i);
  } catch (e) {
    if (i.maxPriceUsd === undefined) {
      ctx.log.warn(
        `${subject(name)}: could not estimate the price (${errorText(e)}); starting without an estimate.`,
      );
      return undefined;
    }
    throw new Error(
      `${subject(name)}: cannot start the job: maxPriceUsd is set but the price estimate failed (${errorText(e)}). ` +
        `Nothing was started. Fix: run \`pulumi up\` again, or remove maxPriceUsd to start without a cap.`,
      { cause: e },
    );
  }
  // check() of this same run printed Together's estimate already: say it again only when it changed (or check
  // had only a local estimate, before the file was uploaded).
  if (!(checked.kind === "together" && checked.estimate === est.priceUsd)) {
    ctx.log.info(estimateLine(name, est, i.maxPriceUsd));
  }
  const refusal = gateRefusal(name, est, i.maxPriceUsd, true);
  if (refusal !== undefined) throw new Error(refusal);
  return est.priceUsd;
}

async function maxLoraRank(ctx: ProviderContext, i: FineTuneJobInputs): Promise<number | undefined> {
  const t = i.trainingType;
  if (t?.type !== "lora" || t.loraR !== undefined || i.model === undefined) return undefined;
  const lookup = await lookUpLimits(ctx, i.model);
  return lookup.kind === "found" ? lookup.limits.lora?.maxRank : undefined;
}

/** Waits as asked and returns the outputs; any failure after the job exists keeps it in state. */
async function settle(
  ctx: ProviderContext,
  i: FineTuneJobInputs,
  job: WireFineTune,
  estimate: unknown,
): Promise<Record<string, unknown>> {
  const name = i.logicalName;
  let last = job;
  try {
    const outcome = await awaitJob(ctx, name, job, i.waitFor, i.timeoutMinutes);
    last = outcome.job;
    const checkpoints =
      outcome.job.status === "completed" ? await readCheckpoints(ctx, name, outcome.job) : undefined;
    const outs = jobOutputs(i, outcome.job, estimate, checkpoints);
    if (outcome.kind === "done") return outs;
    throw new PartialFailureError(job.id, outs, [outcome.message]);
  } catch (e) {
    if (e instanceof PartialFailureError) throw e;
    throw new PartialFailureError(job.id, jobOutputs(i, last, estimate), [
      `${subject(name)}: fine-tune job ${job.id} exists but waiting for it failed: ${errorText(e)}. ` +
        `It stays in state; run \`pulumi up\` again to resume waiting.`,
    ]);
  }
}

async function adopt(ctx: ProviderContext, i: FineTuneJobInputs, jobId: string): Promise<WireFineTune> {
  const who = subject(i.logicalName);
  let job: WireFineTune;
  try {
    job = await ctx.client().fineTunes.get(jobId);
  } catch (e) {
    if (!isNotFound(e)) throw e;
    throw new Error(
      `${who}: adoptJobId = "${jobId}": no such fine-tune job on this account. ` +
        `Fix: set adoptJobId to an id from GET /v1/fine-tunes, or remove it to start a new job.`,
      { cause: e },
    );
  }
  const differs: string[] = [];
  if (job.training_file && job.training_file !== i.trainingFile)
    differs.push(`trainingFile is ${job.training_file}`);
  if (job.model && i.model !== undefined && job.model !== i.model) differs.push(`model is ${job.model}`);
  if (differs.length > 0) {
    ctx.log.warn(
      `${who}: adopted job ${jobId} differs from the program (${differs.join(", ")}); the job is kept as it is.`,
    );
  }
  ctx.log.info(
    `${who}: adopted existing fine-tune job ${jobId} (${describeJob(job)}); nothing new was started.`,
  );
  return job;
}

/** The job if it still exists and has not failed or been cancelled (for resuming an interrupted create). */
async function usableJob(ctx: ProviderContext, id: string): Promise<WireFineTune | undefined> {
  let job: WireFineTune;
  try {
    // A job Together restarted is usable as the job it was restarted as.
    job = (await followRestarts(ctx, undefined, await ctx.client().fineTunes.get(id))).job;
  } catch (e) {
    if (isNotFound(e)) return undefined;
    throw e;
  }
  return isFailedStatus(job.status) || job.status.toLowerCase() === "cancel_requested" ? undefined : job;
}

/**
 * The usable jobs behind these ids, each once: Together's restart copies the request, so an errored job and the
 * job it was restarted as both match it, and both lead to the same live job.
 */
async function liveJobs(ctx: ProviderContext, ids: string[]): Promise<WireFineTune[]> {
  const seen = new Map<string, WireFineTune>();
  for (const job of await Promise.all(ids.map((id) => usableJob(ctx, id)))) {
    if (job !== undefined && !seen.has(job.id)) seen.set(job.id, job);
  }
  return [...seen.values()];
}

/**
 * The job a resource stands for now. The resource id is the job first started (Pulumi cannot change an id after
 * create); when Together restarts that job under a new id, `jobId` in the outputs follows the live job, and read,
 * update and delete act on it.
 */
function liveJobId(resourceId: string, props: Record<string, unknown>): string {
  return typeof props.jobId === "string" && props.jobId !== "" ? props.jobId : resourceId;
}

/** Cancels; a job that reached a terminal state in the meantime (Together answers 400) needs no cancel. */
async function cancelUnlessEnded(api: TogetherClient["fineTunes"], id: string): Promise<void> {
  try {
    await api.cancel(id);
  } catch (e) {
    if (!isBadRequest(e) || !isTerminalStatus((await api.get(id)).status)) throw e;
  }
}

export const lifecycle: ResourceLifecycle = {
  async check(olds, rawNews, ctx) {
    registerSecrets(ctx, rawNews);
    // Only check() itself may set the estimate; a value from the program is not Together's.
    const { estimatedPriceUsd: _fromProgram, estimateKind: _kindFromProgram, ...news } = rawNews;
    const name = nameOf(news);
    const schema = checkWithSchema(KIND, fineTuneJobInputs, news);
    const view = (schema.value as Record<string, unknown> | undefined) ?? news;
    const failures = merge(crossFieldFailures(name, view), schema.failures);
    fillTrainingType(schema.value);
    const inputs: Record<string, unknown> = { ...schema.inputs };
    if (typeof view.model === "string" && !isUnknown(view.model)) {
      const warning = deprecationWarning(name, view.model);
      if (warning !== undefined) ctx.log.warn(warning);
    }
    if (failures.length === 0 && schema.value !== undefined) {
      if (wouldStartJob(olds, inputs)) {
        // Missing or unusable configuration (no API key, a plain-http remote URL) fails the preview with its fix;
        // only the API calls themselves may fail softly below.
        ctx.client();
        failures.push(...(await checkAgainstModel(ctx, name, inputs)));
        if (failures.length === 0) {
          const gate = await previewGate(ctx, name, schema.value, olds);
          if (gate.estimate !== undefined) inputs.estimatedPriceUsd = gate.estimate;
          if (gate.kind !== undefined) inputs.estimateKind = gate.kind;
          if (gate.failure !== undefined) failures.push(gate.failure);
        }
      } else if (typeof olds.estimatedPriceUsd === "number") {
        inputs.estimatedPriceUsd = olds.estimatedPriceUsd;
        if (typeof olds.estimateKind === "string") inputs.estimateKind = olds.estimateKind;
      }
    }
    return failures.length > 0 ? { inputs, failures: scrubbed(failures, secretValues(rawNews)) } : { inputs };
  },

  async diff(_id, olds, news, ctx) {
    registerSecrets(ctx, news);
    const result = diffByTable(diffTable, withoutLegacyTrainingType(olds, news), echoInputs(news));
    const status = olds.status;
    if (result.replaces !== undefined || typeof status !== "string") return result;
    if (isFailedStatus(status) && olds.adoptJobId === undefined && news.adoptJobId === undefined) {
      ctx.log.warn(
        `${subject(nameOf(news))}: fine-tune job ${String(olds.jobId)} ended with status ${status}; this update replaces it with a new job.`,
      );
      return { changes: true, replaces: ["status"] };
    }
    const target = news.waitFor;
    if (typeof target === "string" && !isUnknown(target) && !satisfies(status, target as WaitTarget)) {
      return { changes: true };
    }
    return result;
  },

  async create(raw, ctx) {
    registerSecrets(ctx, raw);
    const i = fineTuneJobInputs.parse(raw);
    const name = i.logicalName;
    if (i.adoptJobId !== undefined) {
      const job = await adopt(ctx, i, i.adoptJobId);
      return { id: job.id, outs: await settle(ctx, i, job, raw.estimatedPriceUsd) };
    }
    const body = createBody(i, await maxLoraRank(ctx, i));
    // Priced at preview; the create gate prices again only when a job is really started.
    let estimate = raw.estimatedPriceUsd;
    const owner = ownerOf(raw);
    // Together tells this job's orphans by the request (the training file is the stack's own upload, the default
    // suffix carries stack and name); a replacement that sends the same request (`--replace`) cannot tell the job
    // in state from an orphan, so it starts anew.
    const old = stateInputsOf(KIND, owner);
    const orphansFindable = old === undefined || wouldStartJob(old, raw);
    return createOnce(
      ctx,
      { kind: KIND, owner, identity: withoutSecrets(body), who: subject(name) },
      {
        findUsable: (id) => usableJob(ctx, id),
        ...(orphansFindable && {
          findOrphans: async () => {
            const ids = (await jobsMatching(ctx, body)).map((j) => j.id).filter((id) => !isHeld(KIND, id));
            return (await liveJobs(ctx, ids)).filter((j) => !isHeld(KIND, j.id));
          },
        }),
        findMadeSince: async (before) => {
          const jobs = await liveJobs(
            ctx,
            (await jobsMadeSince(ctx, body, before)).map((j) => j.id),
          );
          if (jobs.length > 1) {
            throw new Error(
              `${subject(name)}: an interrupted earlier run started ${jobs.length} jobs matching this one: ` +
                `${jobs.map((j) => j.id).join(", ")}. Fix: cancel the ones you do not want ` +
                `(POST /v1/fine-tunes/<id>/cancel) and set adoptJobId to the one to keep.`,
            );
          }
          return jobs[0];
        },
        create: async (progress) => {
          estimate =
            (await createGate(ctx, name, i, { estimate: raw.estimatedPriceUsd, kind: raw.estimateKind })) ??
            estimate;
          const before = await snapshotJobIds(ctx);
          await progress.sending(before);
          let job: WireFineTune;
          try {
            job = await ctx.client().fineTunes.create(body);
          } catch (e) {
            if (!isAmbiguousCreate(e)) throw e;
            job = await adoptAfterAmbiguousCreate(ctx, name, body, before, e);
          }
          ctx.log.info(`${subject(name)}: started fine-tune job ${job.id} (${describeJob(job)}).`);
          return job;
        },
        finish: async (job) => ({ id: job.id, outs: await settle(ctx, i, job, estimate) }),
      },
    );
  },

  async read(id, props, ctx) {
    let job: WireFineTune;
    try {
      job = (await followRestarts(ctx, nameOf(props), await ctx.client().fineTunes.get(liveJobId(id, props))))
        .job;
    } catch (e) {
      if (isNotFound(e)) return { id: "" };
      throw e;
    }
    const checkpoints = mayHaveCheckpoints(job) ? await readCheckpoints(ctx, nameOf(props), job) : undefined;
    return { id, props: jobOutputs(props, job, props.estimatedPriceUsd, checkpoints) };
  },

  async update(resourceId, olds, news, ctx) {
    registerSecrets(ctx, news);
    const i = fineTuneJobInputs.parse(news);
    const id = liveJobId(resourceId, olds);
    let job: WireFineTune;
    try {
      job = await ctx.client().fineTunes.get(id);
    } catch (e) {
      if (!isNotFound(e)) throw e;
      throw new Error(
        `${subject(i.logicalName)}: fine-tune job ${id} no longer exists. Fix: run \`pulumi refresh\`, then \`pulumi up\` to start a new one.`,
        { cause: e },
      );
    }
    return { outs: await settle(ctx, i, job, olds.estimatedPriceUsd ?? news.estimatedPriceUsd) };
  },

  async delete(resourceId, props, ctx) {
    const who = subject(nameOf(props));
    const api = ctx.client().fineTunes;
    let job: WireFineTune;
    try {
      // A restart since the last refresh still bills: the job to stop is the live one.
      job = (await followRestarts(ctx, nameOf(props), await api.get(liveJobId(resourceId, props)))).job;
    } catch (e) {
      if (isNotFound(e)) return;
      throw e;
    }
    const id = job.id;
    if (!isTerminalStatus(job.status)) {
      ctx.log.info(`${who}: cancelling fine-tune job ${id} (${describeJob(job)}).`);
      try {
        await cancelUnlessEnded(api, id);
        job = await waitFor<WireFineTune>({
          what: `fine-tune job ${id} to stop after cancel`,
          poll: () => api.get(id),
          done: (j) => isTerminalStatus(j.status),
          timeoutMs: CANCEL_WAIT_MS,
          initialDelayMs: 2_000,
          maxDelayMs: 15_000,
          describe: describeJob,
          timeScale: ctx.timeScale,
        });
      } catch (e) {
        if (isNotFound(e)) return;
        if (isWaitTimeout(e)) {
          throw new Error(
            `${who}: ${e.message}. Cancel was requested; run \`pulumi destroy\` again to confirm it stopped.`,
            { cause: e },
          );
        }
        throw e;
      }
      ctx.log.info(`${who}: fine-tune job ${id} ${describeJob(job)}.`);
    }
    if (props.deleteModelOnDestroy === true) {
      try {
        await api.delete(id);
      } catch (e) {
        if (!isNotFound(e)) throw e;
      }
      ctx.log.info(`${who}: deleted fine-tune job ${id} and its outputs (deleteModelOnDestroy).`);
    } else if (job.status === "completed") {
      ctx.log.info(
        `${who}: kept the trained model ${job.model_output_name ?? "(unnamed)"} of job ${id} (set deleteModelOnDestroy to delete it).`,
      );
    }
  },
};
