// After an ambiguous create (the request may or may not have been committed), find the job this request made.
// The creation window is bounded by two listings: jobs that existed before the POST cannot be ours, so
// the match is independent of clock skew between us and the server (or an accelerated emulator clock).
import type { WireFineTune, WireFineTuneCreate } from "../../client";
import type { ProviderContext } from "../../shared/types";
import { subject } from "./messages";

/** Ids of the jobs that exist before the POST. */
export async function snapshotJobIds(ctx: ProviderContext): Promise<Set<string>> {
  return new Set((await ctx.client().fineTunes.list()).map((j) => j.id));
}

/** Fields the request left to the server's default, or the list leaves out, are not compared. */
function sameIfReported(reported: unknown, sent: unknown): boolean {
  if (reported === undefined || reported === null || sent === undefined) return true;
  if (typeof reported === "number" && typeof sent === "number") return Math.abs(reported - sent) <= 1e-12;
  return reported === sent;
}

/** Whether a listed job carries the fields this request sent (fields the list leaves out are not held against it). */
export function matchesRequest(job: WireFineTune, body: WireFineTuneCreate): boolean {
  if (job.training_file !== body.training_file) return false;
  if ((job.suffix ?? undefined) !== body.suffix) return false;
  if (body.model !== undefined && job.model !== body.model) return false;
  if (body.from_checkpoint !== undefined && !sameIfReported(job.from_checkpoint, body.from_checkpoint))
    return false;
  if (!sameIfReported(job.from_hf_model, body.from_hf_model)) return false;
  if (!sameIfReported(job.validation_file, body.validation_file)) return false;
  if (!sameIfReported(job.n_epochs, body.n_epochs)) return false;
  if (!sameIfReported(job.n_checkpoints, body.n_checkpoints)) return false;
  if (!sameIfReported(job.n_evals, body.n_evals)) return false;
  if (!sameIfReported(job.learning_rate, body.learning_rate)) return false;
  if (typeof body.batch_size === "number" && !sameIfReported(job.batch_size, body.batch_size)) return false;
  if (!sameIfReported(job.warmup_ratio, body.warmup_ratio)) return false;
  if (!sameIfReported(job.weight_decay, body.weight_decay)) return false;
  return true;
}

/** Jobs that carry what `body` sends, oldest first. */
export async function jobsMatching(ctx: ProviderContext, body: WireFineTuneCreate): Promise<WireFineTune[]> {
  const jobs = (await ctx.client().fineTunes.list()).filter((j) => matchesRequest(j, body));
  return jobs.sort((a, b) => String(a.created_at ?? "").localeCompare(String(b.created_at ?? "")));
}

/** Jobs created since `before` was listed that carry what `body` sent. */
export async function jobsMadeSince(
  ctx: ProviderContext,
  body: WireFineTuneCreate,
  before: Set<string>,
): Promise<WireFineTune[]> {
  const jobs = await ctx.client().fineTunes.list();
  return jobs.filter((j) => !before.has(j.id) && matchesRequest(j, body));
}

/** The job the ambiguous request created, or an Error naming what was found. */
export async function adoptAfterAmbiguousCreate(
  ctx: ProviderContext,
  name: string | undefined,
  body: WireFineTuneCreate,
  before: Set<string>,
  cause: Error,
): Promise<WireFineTune> {
  const candidates = await jobsMadeSince(ctx, body, before);
  const who = subject(name);
  if (candidates.length === 1 && candidates[0]) {
    ctx.log.info(
      `${who}: the create request failed ambiguously (${cause.message}); adopted job ${candidates[0].id}, which it created.`,
    );
    return candidates[0];
  }
  if (candidates.length === 0) {
    throw new Error(
      `${who}: the create request failed ambiguously (${cause.message}) and no job created since then matches it ` +
        `(training file ${body.training_file}, model ${body.model ?? body.from_checkpoint ?? "?"}, suffix ${body.suffix ?? "(none)"}), ` +
        `so none was started and nothing is billing. Fix: run \`pulumi up\` again.`,
    );
  }
  const ids = candidates.map((j) => j.id).join(", ");
  throw new Error(
    `${who}: the create request failed ambiguously (${cause.message}) and ${candidates.length} new jobs match it: ${ids}. ` +
      `Fix: cancel the ones you do not want (POST /v1/fine-tunes/<id>/cancel) and set adoptJobId to the one to keep.`,
  );
}
