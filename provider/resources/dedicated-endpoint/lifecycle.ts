/*
 * DedicatedEndpoint lifecycle. A dedicated endpoint bills per minute while started, used or not.
 *
 * Drift policy (what `pulumi refresh` records, and what the next `up` does about it):
 *
 * | field                      | refresh reads                 | drift handling                                   |
 * |----------------------------|-------------------------------|--------------------------------------------------|
 * | state                      | GET state -> `liveState`;     | STOPPED while declared STARTED and               |
 * |                            | `state` per the rule at right | inactiveTimeoutMinutes > 0: Together auto-stopped |
 * |                            |                               | it for idleness -> NOT drift: `state` keeps       |
 * |                            |                               | "STARTED", `liveState` shows STOPPED, `up` leaves |
 * |                            |                               | it stopped (no silent restart, no silent bill).   |
 * |                            |                               | Otherwise a differing state (stopped or started  |
 * |                            |                               | by hand, ERROR, mid-transition) is recorded as    |
 * |                            |                               | `state` and `up` PATCHes it back and waits.       |
 * | autoscaling                | GET min/max replicas          | rescaled by hand -> `up` restores the declaration |
 * | displayName                | GET display_name              | renamed by hand -> `up` restores it               |
 * | model, hardware            | GET (cannot change in place)  | differ only if replaced outside Pulumi: replace   |
 * | inactiveTimeoutMinutes,    | never returned by the API     | keep the last-applied value; drift undetectable   |
 * | availabilityZone,          |                               |                                                  |
 * | disableSpeculativeDecoding |                               |                                                  |
 * | hourlyPriceUsd             | derived: price per replica x  | follows observed maxReplicas                     |
 * |                            | observed maxReplicas          |                                                  |
 * | endpoint gone (404)        | resource dropped from state   | next `up` creates a new endpoint                 |
 *
 * Limits: with inactiveTimeoutMinutes > 0 a stop by hand cannot be told from an auto-stop (the API says
 * neither), so it is treated as an auto-stop and left stopped - the cheaper error. To start an auto-stopped
 * endpoint from Pulumi, apply `state: "STOPPED"` then `"STARTED"` (or set inactiveTimeoutMinutes to 0).
 * Drift is found by refresh (`pulumi up --refresh`), as for every Pulumi resource; `up` alone diffs
 * against the last recorded outputs.
 *
 * Waits: create and update wait (waitForReady, timeoutMinutes) for the declared state; ERROR fails at once
 * with Together's message; a timeout or failure after the endpoint exists throws PartialFailureError, so the
 * endpoint stays in state with its observed `state` and the next `up` diffs, updates and resumes the wait.
 * Replacement (model, hardware, availabilityZone, disableSpeculativeDecoding) is create-before-delete, so
 * clients have an endpoint throughout. Delete stops, deletes and confirms the endpoint is gone.
 */
import type { z } from "zod";
import { isAmbiguousCreate, isNotFound, type TogetherClient } from "../../client";
import { checkWithSchema } from "../../shared/check";
import { createOnce, type CreateProgress } from "../../shared/create-journal";
import { diffByTable } from "../../shared/diff";
import { PartialFailureError } from "../../shared/partial-failure";
import {
  containsUnknown,
  isUnknown,
  type CheckFailure,
  type ProviderContext,
  type ResourceLifecycle,
} from "../../shared/types";
import { formatDuration, isWaitFailed, isWaitTimeout } from "../../shared/wait";
import { waitForState, waitUntilGone } from "./convergence";
import { formatUsd, hourlyPriceUsd, toOffers } from "./hardware";
import { createBody, type EndpointPatch, isFailedState, type LiveEndpoint, patchBody, toLive } from "./live";
import { buildOutputs, refreshOutputs } from "./outputs";
import { findCreatedEndpoint, snapshotEndpointIds } from "./reconcile";
import { hardwareRule, priceRule, replicaFailures, subject } from "./rules";
import {
  type DedicatedEndpointOutputs,
  type DedicatedEndpointSpec,
  dedicatedEndpointInputsSchema,
  diffTable,
  KIND,
  normalizeInputs,
} from "./schema";
import { heading, isToleratedAutoStop, planState, recordedState } from "./state-policy";
import { errorText } from "../../shared/error-text";

const MINUTE_MS = 60_000;
/** Stopping before DELETE is what ends billing at once; it should take well under this. */
const STOP_BEFORE_DELETE_MAX_MINUTES = 10;
const GONE_AFTER_DELETE_MINUTES = 5;

function logicalNameOf(v: Record<string, unknown>): string {
  return typeof v.logicalName === "string" && !isUnknown(v.logicalName) ? v.logicalName : "";
}

/** Parsed, defaulted spec from checked inputs (create/update only ever see checked inputs). */
function specOf(inputs: Record<string, unknown>): DedicatedEndpointSpec {
  const r = checkWithSchema(KIND, dedicatedEndpointInputsSchema, inputs);
  if (r.value === undefined) throw new Error(r.failures.map((f) => f.reason).join("\n"));
  const spec = normalizeInputs(r.value, logicalNameOf(inputs));
  if (typeof inputs.hourlyPriceUsd === "number") spec.hourlyPriceUsd = inputs.hourlyPriceUsd;
  return spec;
}

/** Old outputs as stored; tolerant of props that came from a `get` (program inputs only). */
function previousOutputs(props: Record<string, unknown>): DedicatedEndpointOutputs {
  const p = props as Partial<DedicatedEndpointOutputs>;
  const min = p.autoscaling?.minReplicas ?? 1;
  return {
    ...(props as unknown as DedicatedEndpointOutputs),
    logicalName: p.logicalName ?? "",
    autoscaling: { minReplicas: min, maxReplicas: p.autoscaling?.maxReplicas ?? Math.max(min, 1) },
    state: p.state ?? "STARTED",
    inactiveTimeoutMinutes: p.inactiveTimeoutMinutes ?? 0,
    waitForReady: p.waitForReady ?? true,
    hourlyPriceUsd: p.hourlyPriceUsd ?? 0,
  };
}

/** The known inputs parsed on their own (required fields may be absent: they are unknown until apply). */
function knownFields(
  news: Record<string, unknown>,
): z.output<typeof dedicatedEndpointInputsSchema> | undefined {
  const known = Object.fromEntries(Object.entries(news).filter(([, v]) => !containsUnknown(v)));
  const r = dedicatedEndpointInputsSchema.partial().safeParse(known);
  return r.success ? (r.data as z.output<typeof dedicatedEndpointInputsSchema>) : undefined;
}

async function check(
  olds: Record<string, unknown>,
  news: Record<string, unknown>,
  ctx: ProviderContext,
): Promise<{ inputs: Record<string, unknown>; failures: CheckFailure[] }> {
  const who = subject(logicalNameOf(news));
  const parsed = checkWithSchema(KIND, dedicatedEndpointInputsSchema, news);
  const autoscaling = containsUnknown(news.autoscaling)
    ? undefined
    : (news.autoscaling as Record<string, unknown>);
  const crossField = replicaFailures(who, {
    minReplicas: typeof autoscaling?.minReplicas === "number" ? autoscaling.minReplicas : undefined,
    maxReplicas: typeof autoscaling?.maxReplicas === "number" ? autoscaling.maxReplicas : undefined,
  });
  const failures = [...parsed.failures, ...crossField];
  // With no failures but no value, only fields unknown at preview are missing: default the known rest.
  const value = parsed.value ?? knownFields(news);
  if (value === undefined || failures.length > 0) return { inputs: news, failures };

  const spec: Record<string, unknown> = { ...normalizeInputs(value, logicalNameOf(news)) };
  // Defaults must not paper over values the engine does not know yet: diff has to see them as unknown.
  for (const [key, value] of Object.entries(news)) if (containsUnknown(value)) spec[key] = value;

  const hardware = spec.hardware;
  const model = spec.model;
  const maxReplicas = (spec.autoscaling as { maxReplicas?: unknown } | undefined)?.maxReplicas;
  if (typeof hardware !== "string" || isUnknown(hardware)) return { inputs: spec, failures };
  const modelKnown = typeof model === "string" && !isUnknown(model);

  // An unchanged endpoint is priced from what the last check recorded: a preview of an unchanged stack makes
  // no API call, and the cap still applies (it may have changed).
  const known = priceFromOlds(olds, model, hardware, maxReplicas);
  if (known !== undefined && typeof maxReplicas === "number") {
    spec.hourlyPriceUsd = known;
    const price = priceRule({
      who,
      hardware,
      centsPerMinute: (known * 100) / 60 / maxReplicas,
      maxReplicas,
      maxHourlyPriceUsd: typeof spec.maxHourlyPriceUsd === "number" ? spec.maxHourlyPriceUsd : undefined,
    });
    return { inputs: spec, failures: price.failures };
  }

  // Missing or unusable configuration (no API key, a plain-http remote URL) fails the preview with its fix;
  // only the API call itself may fail softly below.
  const client = ctx.client();
  let offersRaw;
  try {
    offersRaw = await client.hardware.list(modelKnown ? { model } : {});
  } catch (err) {
    if (modelKnown && isNotFound(err)) {
      const reason =
        `${who}: model = ${JSON.stringify(model)}: is not a model Together can serve on a dedicated endpoint ` +
        `(GET /hardware?model= answered 404). Fix: use a catalogue model (GET /models?dedicated=true) or a ` +
        `FineTuneJob's outputModelName`;
      return { inputs: spec, failures: [...failures, { property: "model", reason }] };
    }
    ctx.log.warn(
      `${who}: could not check hardware ${hardware} with the API (${errorText(err)}); create will check it`,
    );
    return { inputs: spec, failures };
  }
  const replacing = olds.model !== model || olds.hardware !== hardware;
  const hw = hardwareRule({
    who,
    hardware,
    model: modelKnown ? model : undefined,
    offers: toOffers(offersRaw),
    // An endpoint being adopted already holds its hardware.
    requireAvailable: modelKnown && replacing && spec.adoptEndpointId === undefined,
  });
  if (hw.offer === undefined) return { inputs: spec, failures: hw.failures };
  if (hw.offer.availability !== undefined && hw.offer.availability !== "available") {
    ctx.log.warn(`${who}: Together reports ${hardware} ${hw.offer.availability} for ${String(model)}`);
  }
  if (typeof maxReplicas !== "number" || !Number.isFinite(hw.offer.centsPerMinute))
    return { inputs: spec, failures };

  const price = priceRule({
    who,
    hardware,
    centsPerMinute: hw.offer.centsPerMinute,
    maxReplicas,
    maxHourlyPriceUsd: typeof spec.maxHourlyPriceUsd === "number" ? spec.maxHourlyPriceUsd : undefined,
  });
  ctx.log.info(
    `${who}: ${hardware} costs ${formatUsd(hourlyPriceUsd(hw.offer.centsPerMinute, 1))} per replica, ` +
      `up to ${formatUsd(price.hourlyPriceUsd)} at ${maxReplicas} replica(s) while started`,
  );
  spec.hourlyPriceUsd = price.hourlyPriceUsd;
  return { inputs: spec, failures: price.failures };
}

/** The hourly price the previous check recorded, when model, hardware and max replicas are unchanged. */
function priceFromOlds(
  olds: Record<string, unknown>,
  model: unknown,
  hardware: unknown,
  maxReplicas: unknown,
): number | undefined {
  const oldMax = (olds.autoscaling as { maxReplicas?: unknown } | undefined)?.maxReplicas;
  const unchanged = olds.model === model && olds.hardware === hardware && oldMax === maxReplicas;
  return unchanged && typeof olds.hourlyPriceUsd === "number" ? olds.hourlyPriceUsd : undefined;
}

/** The hourly price at the declared max replicas; looks it up when check could not (API down, model unknown). */
async function resolvePrice(
  client: TogetherClient,
  spec: DedicatedEndpointSpec,
  requireAvailable: boolean,
): Promise<number> {
  if (spec.hourlyPriceUsd !== undefined) return spec.hourlyPriceUsd;
  const who = subject(spec.logicalName);
  const hw = hardwareRule({
    who,
    hardware: spec.hardware,
    model: spec.model,
    offers: toOffers(await client.hardware.list({ model: spec.model })),
    requireAvailable,
  });
  if (hw.offer === undefined) throw new Error(hw.failures.map((f) => f.reason).join("\n"));
  const price = priceRule({
    who,
    hardware: spec.hardware,
    centsPerMinute: hw.offer.centsPerMinute,
    maxReplicas: spec.autoscaling.maxReplicas,
    maxHourlyPriceUsd: spec.maxHourlyPriceUsd,
  });
  if (price.failures.length > 0) throw new Error(price.failures.map((f) => f.reason).join("\n"));
  return price.hourlyPriceUsd;
}

/** POST once; after an ambiguous failure adopt the endpoint that request made, or fail without a second POST. */
async function postEndpoint(
  client: TogetherClient,
  spec: DedicatedEndpointSpec,
  ctx: ProviderContext,
  progress: CreateProgress,
): Promise<LiveEndpoint> {
  const who = subject(spec.logicalName);
  const before = await snapshotEndpointIds(client);
  await progress.sending(before);
  try {
    return toLive(await client.endpoints.create(createBody(spec)));
  } catch (err) {
    if (!isAmbiguousCreate(err)) throw err;
    ctx.log.warn(
      `${who}: the create request's outcome is unknown (${errorText(err)}); looking for the endpoint it made`,
    );
    const found = await findCreatedEndpoint(client, before, spec);
    if (found.kind === "adopt") {
      ctx.log.info(`${who}: adopted endpoint ${found.endpoint.id} made by the interrupted request`);
      return found.endpoint;
    }
    if (found.kind === "many") {
      throw new Error(
        `${who}: the create request's outcome was unknown and ${found.ids.length} new endpoints named ` +
          `"${spec.displayName}" serving ${spec.model} now exist (${found.ids.join(", ")}); none was adopted. ` +
          `Fix: delete the extra ones (e.g. in the Together console), then set adoptEndpointId to the one to keep and run up again`,
        { cause: err },
      );
    }
    throw new Error(
      `${who}: the create request failed with an unknown outcome (${errorText(err)}) and no new endpoint named ` +
        `"${spec.displayName}" serving ${spec.model} exists, so nothing was created and nothing bills. Fix: run up again`,
      { cause: err },
    );
  }
}

type WaitOutcome =
  | { kind: "reached"; last: LiveEndpoint }
  | { kind: "failed"; last: LiveEndpoint; reason: string }
  | { kind: "timeout"; last: LiveEndpoint };

async function awaitState(w: Parameters<typeof waitForState>[0]): Promise<WaitOutcome> {
  try {
    return { kind: "reached", last: await waitForState(w) };
  } catch (err) {
    if (isWaitFailed(err)) return { kind: "failed", last: err.last as LiveEndpoint, reason: err.reason };
    if (isWaitTimeout(err)) return { kind: "timeout", last: err.last as LiveEndpoint };
    throw err;
  }
}

interface Converged {
  live: LiveEndpoint;
  state: DedicatedEndpointOutputs["state"];
}

/**
 * Waits (if asked) until the endpoint reaches `target`, then re-reads it and fails loudly if what Together
 * reports is not what was declared. Any failure after this point keeps the endpoint in state with what was
 * observed, so the next `up` sees the difference.
 */
async function settle(
  client: TogetherClient,
  ctx: ProviderContext,
  spec: DedicatedEndpointSpec,
  live: LiveEndpoint,
  target: DedicatedEndpointSpec["state"],
  price: number,
  action: string,
): Promise<Converged> {
  const who = subject(spec.logicalName);
  const partial = (l: LiveEndpoint, reasons: string[]) =>
    new PartialFailureError(l.id, { ...buildOutputs(spec, l, price, l.state) }, reasons);
  let current = live;
  if (spec.waitForReady) {
    const started = Date.now();
    const waited = await awaitState({
      client,
      ctx,
      who,
      id: live.id,
      target,
      timeoutMs: spec.timeoutMinutes * MINUTE_MS,
    });
    if (waited.kind === "failed") {
      throw partial(waited.last, [
        `${who}: endpoint ${waited.last.id} ${action} failed: ${waited.reason}. It is kept in the stack so that ` +
          `destroy removes it. Fix: correct the cause and run up again (it retries), or destroy / replace it`,
      ]);
    }
    if (waited.kind === "timeout") {
      throw partial(waited.last, [
        `${who}: endpoint ${waited.last.id} did not reach ${target} within ${spec.timeoutMinutes} min (last state ` +
          `${waited.last.state}). It is kept in the stack; run up again to resume waiting, or raise timeoutMinutes`,
      ]);
    }
    ctx.log.info(
      `${who}: endpoint ${live.id} is ${waited.last.state} after ${formatDuration(Date.now() - started)}`,
    );
    current = toLive(await client.endpoints.get(live.id));
  }
  const mismatches = declaredMismatches(spec, current, target);
  if (mismatches.length > 0) {
    throw partial(current, [
      `${who}: endpoint ${current.id} does not match the declaration after ${action}: ${mismatches.join("; ")}. ` +
        `Together did not apply the change (or reverted it); nothing was reported as done`,
    ]);
  }
  const state = recordedState(spec.state, current.state, {
    inactiveTimeoutMinutes: spec.inactiveTimeoutMinutes,
    waitForReady: spec.waitForReady,
  });
  return { live: current, state: target === spec.state ? state : spec.state };
}

function declaredMismatches(spec: DedicatedEndpointSpec, live: LiveEndpoint, target: string): string[] {
  const out: string[] = [];
  if (live.displayName !== spec.displayName) {
    out.push(`displayName declared "${spec.displayName}", Together reports "${live.displayName}"`);
  }
  const a = spec.autoscaling;
  if (live.minReplicas !== a.minReplicas || live.maxReplicas !== a.maxReplicas) {
    out.push(
      `autoscaling declared ${a.minReplicas}..${a.maxReplicas} replicas, Together reports ${live.minReplicas}..${live.maxReplicas}`,
    );
  }
  const reached = spec.waitForReady ? live.state === target : heading(live.state) === target;
  if (!reached) out.push(`state should be ${target}, Together reports ${live.state}`);
  return out;
}

async function create(inputs: Record<string, unknown>, ctx: ProviderContext) {
  const spec = specOf(inputs);
  const who = subject(spec.logicalName);
  const client = ctx.client();
  const price = await resolvePrice(client, spec, spec.adoptEndpointId === undefined);

  if (spec.adoptEndpointId !== undefined) return adopt(client, ctx, spec, price);

  const { model, hardware, displayName, availabilityZone, disableSpeculativeDecoding, autoscaling } = spec;
  return createOnce(
    ctx,
    {
      kind: KIND,
      logicalName: spec.logicalName,
      identity: { model, hardware, displayName, availabilityZone, disableSpeculativeDecoding, autoscaling },
      who,
    },
    {
      findUsable: (id) => usableEndpoint(client, id),
      findMadeSince: async (before) => {
        const found = await findCreatedEndpoint(client, before, spec);
        if (found.kind === "many") {
          throw new Error(
            `${who}: an interrupted earlier run left ${found.ids.length} endpoints named "${spec.displayName}" ` +
              `serving ${spec.model} (${found.ids.join(", ")}); none was adopted. Fix: delete the extra ones, ` +
              `then set adoptEndpointId to the one to keep and run up again`,
          );
        }
        return found.kind === "adopt" ? usableEndpoint(client, found.endpoint.id) : undefined;
      },
      create: async (progress) => {
        ctx.log.info(
          `${who}: creating endpoint "${spec.displayName}" for ${spec.model} on ${spec.hardware} ` +
            `(${spec.autoscaling.minReplicas}..${spec.autoscaling.maxReplicas} replicas, up to ${formatUsd(price)} while started)`,
        );
        const live = await postEndpoint(client, spec, ctx, progress);
        ctx.log.info(`${who}: endpoint ${live.id} created (${live.state}); serves as "${live.name}"`);
        return live;
      },
      finish: async (live) => {
        const done = await settle(client, ctx, spec, live, spec.state, price, "create");
        return { id: live.id, outs: { ...buildOutputs(spec, done.live, price, done.state) } };
      },
    },
  );
}

/** The endpoint if it still exists and is not in ERROR (for resuming an interrupted create). */
async function usableEndpoint(client: TogetherClient, id: string): Promise<LiveEndpoint | undefined> {
  let live: LiveEndpoint;
  try {
    live = toLive(await client.endpoints.get(id));
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
  return isFailedState(live.state) ? undefined : live;
}

/** Brings an existing endpoint under management: same model and hardware required, the rest is converged. */
async function adopt(
  client: TogetherClient,
  ctx: ProviderContext,
  spec: DedicatedEndpointSpec,
  price: number,
) {
  const who = subject(spec.logicalName);
  const id = spec.adoptEndpointId ?? "";
  let live: LiveEndpoint;
  try {
    live = toLive(await client.endpoints.get(id));
  } catch (err) {
    if (isNotFound(err)) {
      throw new Error(
        `${who}: adoptEndpointId = "${id}": no such endpoint on Together. Fix: give the id of an existing endpoint`,
        { cause: err },
      );
    }
    throw err;
  }
  const wrong: string[] = [];
  if (live.model !== spec.model) wrong.push(`model is "${live.model}", declared "${spec.model}"`);
  if (live.hardware !== spec.hardware)
    wrong.push(`hardware is "${live.hardware}", declared "${spec.hardware}"`);
  if (wrong.length > 0) {
    throw new Error(
      `${who}: adoptEndpointId = "${id}": ${wrong.join(" and ")}; these cannot change in place. ` +
        `Fix: declare the endpoint's model and hardware, adopt another endpoint, or remove adoptEndpointId to create a new one`,
    );
  }
  ctx.log.info(`${who}: adopting endpoint ${id} (${live.state})`);
  const done = await converge(
    client,
    ctx,
    spec,
    live,
    { inactiveTimeoutChanged: true, mayRestart: true },
    price,
    "adoption",
  );
  return { id, outs: { ...buildOutputs(spec, done.live, price, done.state) } };
}

async function converge(
  client: TogetherClient,
  ctx: ProviderContext,
  spec: DedicatedEndpointSpec,
  live: LiveEndpoint,
  o: { inactiveTimeoutChanged: boolean; mayRestart: boolean },
  price: number,
  action: string,
): Promise<Converged> {
  const who = subject(spec.logicalName);
  const plan = planState(spec.state, live.state, o.mayRestart);
  const patch: EndpointPatch = {};
  if (live.displayName !== spec.displayName) patch.displayName = spec.displayName;
  if (
    live.minReplicas !== spec.autoscaling.minReplicas ||
    live.maxReplicas !== spec.autoscaling.maxReplicas
  ) {
    patch.autoscaling = spec.autoscaling;
  }
  if (o.inactiveTimeoutChanged) patch.inactiveTimeoutMinutes = spec.inactiveTimeoutMinutes;
  let current = live;
  if (plan.settleFirst !== undefined) {
    current = await waitForState({
      client,
      ctx,
      who,
      id: live.id,
      target: plan.settleFirst,
      timeoutMs: spec.timeoutMinutes * MINUTE_MS,
    });
  }
  if (plan.send !== undefined) patch.state = plan.send;
  if (Object.keys(patch).length > 0) {
    ctx.log.info(`${who}: updating endpoint ${live.id}: ${describePatch(patch)}`);
    current = toLive(await client.endpoints.update(live.id, patchBody(patch)));
  }
  if (plan.target !== spec.state) {
    ctx.log.info(
      `${who}: endpoint ${live.id} is ${live.state}, stopped by its inactivity timeout; left stopped (not restarted)`,
    );
  }
  return settle(client, ctx, spec, current, plan.target, price, action);
}

function describePatch(p: EndpointPatch): string {
  const parts: string[] = [];
  if (p.displayName !== undefined) parts.push(`displayName "${p.displayName}"`);
  if (p.autoscaling !== undefined)
    parts.push(`replicas ${p.autoscaling.minReplicas}..${p.autoscaling.maxReplicas}`);
  if (p.inactiveTimeoutMinutes !== undefined)
    parts.push(`inactiveTimeoutMinutes ${p.inactiveTimeoutMinutes}`);
  if (p.state !== undefined) parts.push(`state ${p.state}`);
  return parts.join(", ");
}

async function update(
  id: string,
  olds: Record<string, unknown>,
  news: Record<string, unknown>,
  ctx: ProviderContext,
) {
  const spec = specOf(news);
  const prev = previousOutputs(olds);
  const who = subject(spec.logicalName);
  const client = ctx.client();
  const price = await resolvePrice(client, spec, false);
  let live: LiveEndpoint;
  try {
    live = toLive(await client.endpoints.get(id));
  } catch (err) {
    if (isNotFound(err)) {
      throw new Error(
        `${who}: endpoint ${id} no longer exists on Together (deleted outside Pulumi). ` +
          `Fix: run pulumi refresh to drop it from the stack; the next up creates a new one`,
        { cause: err },
      );
    }
    throw err;
  }
  // Recorded as running (or tolerated as auto-stopped) and still declared so: an idle stop is not undone.
  const mayRestart = !(
    prev.state === "STARTED" && isToleratedAutoStop(spec.state, live.state, spec.inactiveTimeoutMinutes)
  );
  const done = await converge(
    client,
    ctx,
    spec,
    live,
    { inactiveTimeoutChanged: prev.inactiveTimeoutMinutes !== spec.inactiveTimeoutMinutes, mayRestart },
    price,
    "update",
  );
  return { outs: { ...buildOutputs(spec, done.live, price, done.state) } };
}

async function read(id: string, props: Record<string, unknown>, ctx: ProviderContext) {
  const prev = previousOutputs(props);
  const who = subject(prev.logicalName);
  let live: LiveEndpoint;
  try {
    live = toLive(await ctx.client().endpoints.get(id));
  } catch (err) {
    if (isNotFound(err)) {
      ctx.log.info(`${who}: endpoint ${id} no longer exists on Together`);
      return { id: "" };
    }
    throw err;
  }
  const outs = refreshOutputs(prev, live);
  if (outs.state !== prev.state) {
    ctx.log.info(
      `${who}: endpoint ${id} is ${live.state} (recorded ${prev.state}); up will bring it back to the declaration`,
    );
  } else if (outs.liveState !== outs.state) {
    ctx.log.info(
      `${who}: endpoint ${id} is ${live.state}, stopped by its inactivity timeout; not treated as drift`,
    );
  }
  return { id, props: { ...outs } };
}

async function destroy(id: string, props: Record<string, unknown>, ctx: ProviderContext): Promise<void> {
  const prev = previousOutputs(props);
  const who = subject(prev.logicalName);
  const client = ctx.client();
  let live: LiveEndpoint;
  try {
    live = toLive(await client.endpoints.get(id));
  } catch (err) {
    if (isNotFound(err)) return;
    throw err;
  }
  try {
    // Stop first: should DELETE fail, the endpoint at least no longer bills.
    if (heading(live.state) === "STARTED") {
      ctx.log.info(`${who}: stopping endpoint ${id} before deleting it`);
      live = toLive(await client.endpoints.update(id, patchBody({ state: "STOPPED" })));
    }
    if (live.state === "STOPPING") {
      const stopMinutes = Math.min(
        prev.timeoutMinutes ?? STOP_BEFORE_DELETE_MAX_MINUTES,
        STOP_BEFORE_DELETE_MAX_MINUTES,
      );
      await waitForState({
        client,
        ctx,
        who,
        id,
        target: "STOPPED",
        timeoutMs: stopMinutes * MINUTE_MS,
      }).catch((err: unknown) => {
        if (!isWaitTimeout(err) && !isWaitFailed(err)) throw err;
        ctx.log.warn(
          `${who}: endpoint ${id} did not finish stopping (${errorText(err)}); deleting it anyway`,
        );
      });
    }
    await client.endpoints.delete(id);
  } catch (err) {
    if (isNotFound(err)) return;
    throw err;
  }
  try {
    await waitUntilGone({ client, ctx, who, id, timeoutMs: GONE_AFTER_DELETE_MINUTES * MINUTE_MS });
  } catch (err) {
    if (!isWaitTimeout(err)) throw err;
    throw new Error(
      `${who}: endpoint ${id} is still listed ${GONE_AFTER_DELETE_MINUTES} min after DELETE and may still bill. ` +
        `Fix: check it in the Together console and run destroy again`,
      { cause: err },
    );
  }
  ctx.log.info(`${who}: endpoint ${id} deleted`);
}

export const lifecycle: ResourceLifecycle = {
  check,
  async diff(id, olds, news) {
    const result = diffByTable(diffTable, olds, news);
    const adoptId = news.adoptEndpointId;
    // Adopting once and then dropping the argument changes nothing; pointing it elsewhere swaps endpoints.
    if (adoptId !== undefined && adoptId !== id) {
      result.changes = true;
      result.replaces = [...(result.replaces ?? []), "adoptEndpointId"];
    }
    return result;
  },
  create,
  read,
  update,
  delete: destroy,
};
