// Pulumi learns a resource's id only when create() returns (or throws a partial failure). A provider process
// killed while create() waits (CI cancelled, laptop asleep) leaves a job training or an endpoint billing that no
// state knows of, and the next `up` would create a second one. Two records let the next create adopt it:
// - Together itself: each kind marks what it makes with the resource's project, stack and name (the file name,
//   the job's suffix and training file, the endpoint's display name), so an `up` on any machine finds the
//   orphan (`findOrphans`). This is the record that survives an ephemeral CI runner.
// - a small local file, written the moment the object exists (or just before a create request whose answer a
//   kill could take): the fast path, and the only record in the window before Together lists the object.
// Neither adopts an object whose creator may still be running (a journal entry names its writer process) or
// that state holds (shared/deployment-memory.ts).
//
// The journal is a safety net, never a new way to fail: every IO error is logged and ignored.
import { createHash, randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { isHeld, noteHeld } from "./deployment-memory";
import type { Owner } from "./owner";
import { isPartialFailure } from "./partial-failure";
import type { ProviderContext, ProviderLog } from "./types";
import { errorText } from "./error-text";

export const JOURNAL_DIR_ENV = "PULUMI_TOGETHER_JOURNAL_DIR";
/** An interrupted create older than this is not resumed: whatever it made was dealt with, or should be by hand. */
export const JOURNAL_MAX_AGE_MS = 7 * 24 * 60 * 60_000;

export interface JournalEntry {
  kind: string;
  /** ISO-8601 time the entry was written. */
  at: string;
  /** The object made; absent while its create request is under way. */
  id?: string;
  /** Before the create request: the ids that existed, so the object it made can be told apart afterwards. */
  before?: string[];
  /** The process that wrote the entry: while it runs, its create is not interrupted but under way. */
  writer?: Writer;
}

export interface Writer {
  host: string;
  /** Linux boot id: a pid from before a reboot names another process. */
  boot?: string;
  pid: number;
  /** Linux start time of the process (clock ticks since boot): a reused pid names another process. */
  start?: string;
}

/** What makes two creates "the same create". `identity` must hold no secret (it is hashed, never stored). */
export interface JournalSubject {
  kind: string;
  baseUrl: string;
  owner: Owner;
  identity: unknown;
}

export function journalDir(env: NodeJS.ProcessEnv = process.env): string {
  const configured = env[JOURNAL_DIR_ENV]?.trim();
  return configured ? configured : path.join(os.homedir(), ".pulumi-together", "in-flight");
}

export function journalKey(s: JournalSubject): string {
  const subject = {
    kind: s.kind,
    baseUrl: s.baseUrl,
    project: s.owner.project ?? null,
    stack: s.owner.stack ?? null,
    logicalName: s.owner.logicalName,
    identity: s.identity,
  };
  return createHash("sha256").update(canonicalJson(subject)).digest("hex");
}

/** JSON with object keys sorted, so the key does not depend on the order fields were built in. */
function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map((x) => (x === undefined ? "null" : canonicalJson(x))).join(",")}]`;
  if (v !== null && typeof v === "object") {
    const fields = Object.entries(v as Record<string, unknown>)
      .filter(([, x]) => x !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([k, x]) => `${JSON.stringify(k)}:${canonicalJson(x)}`);
    return `{${fields.join(",")}}`;
  }
  return JSON.stringify(v) ?? "null";
}

export class CreateJournal {
  constructor(
    private readonly dir: string,
    private readonly log: ProviderLog,
    private readonly now: () => number = Date.now,
  ) {}

  /** The live entry under `key`; an expired or unreadable one is removed and reported as absent. */
  async find(key: string): Promise<JournalEntry | undefined> {
    let text: string;
    try {
      text = await fs.promises.readFile(this.file(key), "utf8");
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "ENOENT") this.warn(`reading ${this.file(key)}`, e);
      return undefined;
    }
    const entry = parseEntry(text);
    if (entry === undefined || this.expired(entry)) {
      await this.forget(key);
      return undefined;
    }
    return entry;
  }

  async record(key: string, entry: Omit<JournalEntry, "at">): Promise<void> {
    const file = this.file(key);
    const tmp = `${file}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
    const full: JournalEntry = { ...entry, at: new Date(this.now()).toISOString(), writer: thisWriter() };
    try {
      await fs.promises.mkdir(this.dir, { recursive: true, mode: 0o700 });
      await fs.promises.writeFile(tmp, `${JSON.stringify(full)}\n`, { mode: 0o600 });
      await fs.promises.rename(tmp, file);
    } catch (e) {
      this.warn(`recording ${entry.kind} ${entry.id ?? "create"} in ${file}`, e);
      await fs.promises.rm(tmp, { force: true }).catch(() => undefined);
      return;
    }
    await this.sweep();
  }

  async forget(key: string): Promise<void> {
    try {
      await fs.promises.rm(this.file(key), { force: true });
    } catch (e) {
      this.warn(`removing ${this.file(key)}`, e);
    }
  }

  /** Removes other entries past their age, so the folder does not grow with creates nobody resumed. */
  private async sweep(): Promise<void> {
    let names: string[];
    try {
      names = await fs.promises.readdir(this.dir);
    } catch (e) {
      this.warn(`listing ${this.dir}`, e);
      return;
    }
    for (const name of names) {
      if (!name.endsWith(".json")) continue;
      const text = await fs.promises.readFile(path.join(this.dir, name), "utf8").catch(() => undefined);
      const entry = text === undefined ? undefined : parseEntry(text);
      if (entry !== undefined && this.expired(entry)) await this.forget(name.slice(0, -".json".length));
    }
  }

  private expired(entry: JournalEntry): boolean {
    return this.now() - Date.parse(entry.at) > JOURNAL_MAX_AGE_MS;
  }

  private file(key: string): string {
    return path.join(this.dir, `${key}.json`);
  }

  private warn(what: string, e: unknown): void {
    this.log.warn(`create journal: ${what} failed (${errorText(e)}); continuing without it`);
  }
}

function parseEntry(text: string): JournalEntry | undefined {
  try {
    const v = JSON.parse(text) as Partial<JournalEntry>;
    if (typeof v.kind !== "string" || typeof v.at !== "string" || Number.isNaN(Date.parse(v.at)))
      return undefined;
    const entry: JournalEntry = { kind: v.kind, at: v.at };
    const w = v.writer;
    if (w !== undefined && typeof w.host === "string" && Number.isInteger(w.pid)) {
      entry.writer = { host: w.host, pid: w.pid };
      if (typeof w.boot === "string") entry.writer.boot = w.boot;
      if (typeof w.start === "string") entry.writer.start = w.start;
    }
    if (typeof v.id === "string") entry.id = v.id;
    else if (Array.isArray(v.before) && v.before.every((x) => typeof x === "string")) entry.before = v.before;
    else return undefined;
    return entry;
  } catch {
    return undefined;
  }
}

/** This process, as a journal entry names it. */
export function thisWriter(): Writer {
  const w: Writer = { host: os.hostname(), pid: process.pid };
  const boot = bootId();
  const start = processStart(process.pid);
  if (boot !== undefined) w.boot = boot;
  if (start !== undefined) w.start = start;
  return w;
}

/**
 * Whether the process that wrote an entry may still be running its create (so the object is not an orphan). Another
 * host cannot be asked: two runs of one stack are kept apart there by the backend's lock, not by the journal (whose
 * folder two hosts share only through a shared HOME). This process is never "another" one.
 */
export function writerRunning(w: Writer | undefined): boolean {
  if (w === undefined || w.host !== os.hostname()) return false;
  const boot = bootId();
  if (w.boot !== undefined && boot !== undefined && w.boot !== boot) return false;
  if (w.pid === process.pid) return false;
  try {
    process.kill(w.pid, 0);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "EPERM") return false;
  }
  const start = processStart(w.pid);
  return w.start === undefined || start === undefined || start === w.start;
}

function bootId(): string | undefined {
  try {
    return fs.readFileSync("/proc/sys/kernel/random/boot_id", "utf8").trim() || undefined;
  } catch {
    return undefined;
  }
}

/** Field 22 of /proc/<pid>/stat (after the parenthesised command name, which may hold spaces). */
function processStart(pid: number): string | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19];
  } catch {
    return undefined;
  }
}

export interface JournaledCreate<T extends { id: string }, R> {
  /** The object if it still exists and can be used (not deleted, not failed); undefined otherwise. */
  findUsable(id: string): Promise<T | undefined>;
  /** The usable object a create request made after `before` was listed (a kill took its answer); undefined if it
   *  made none. Kinds whose create request cannot be resumed this way leave it out. */
  findMadeSince?(before: Set<string>): Promise<T | undefined>;
  /**
   * Usable objects on Together that carry this resource's mark (project, stack, name and request), oldest first:
   * what an interrupted create of this resource left, found from any machine. Left out when the resource's create
   * is a replacement that Together cannot tell from the object it replaces (same mark), or it has no mark.
   */
  findOrphans?(): Promise<T[]>;
  /** Makes the remote object (ambiguous-create reconciliation included), telling `progress` what it learns. */
  create(progress: CreateProgress): Promise<T>;
  /** The rest of create() for an object just made or adopted: the wait, the outputs. */
  finish(made: T): Promise<R>;
}

export interface CreateProgress {
  /** Just before the create request, with the ids listed before it. */
  sending(before: Iterable<string>): Promise<void>;
  /** As soon as the object's id is known (an upload knows it before the bytes are sent). */
  exists(id: string): Promise<void>;
}

export interface CreateSubject {
  kind: string;
  owner: Owner;
  /** What makes two creates of this resource the same create (no secrets: it is hashed). */
  identity: unknown;
  /** `FineTuneJob "tune"`, for messages. */
  who: string;
}

/**
 * create() of one resource, made at most once across interrupted runs: adopts the object an interrupted earlier
 * create of the same resource made, if it is still usable, instead of making another. The entry is dropped once
 * Pulumi holds the id (create returned, or threw a partial failure) or the object is gone.
 */
export async function createOnce<T extends { id: string }, R>(
  ctx: ProviderContext,
  subject: CreateSubject,
  steps: JournaledCreate<T, R>,
): Promise<R> {
  const journal = new CreateJournal(journalDir(), ctx.log);
  const key = journalKey({
    kind: subject.kind,
    baseUrl: ctx.client().baseUrl,
    owner: subject.owner,
    identity: subject.identity,
  });
  const kind = subject.kind;
  let made = await resumeInterrupted(journal, key, subject, steps, ctx);
  made ??= await adoptOrphan(subject, steps, ctx);
  if (made === undefined) {
    let recorded = false;
    const progress: CreateProgress = {
      sending: async (before) => {
        recorded = true;
        await journal.record(key, { kind, before: [...before] });
      },
      exists: async (id) => {
        recorded = true;
        noteHeld(kind, id);
        await journal.record(key, { kind, id });
      },
    };
    try {
      made = await steps.create(progress);
    } catch (e) {
      // A failed create request made nothing, or cleaned up what it made (the upload deletes its half-made file).
      if (recorded) await journal.forget(key);
      throw e;
    }
    await progress.exists(made.id);
  } else {
    await journal.record(key, { kind, id: made.id });
  }
  try {
    const result = await steps.finish(made);
    await journal.forget(key);
    return result;
  } catch (e) {
    if (isPartialFailure(e) || !(await stillUsable(steps, made.id))) await journal.forget(key);
    throw e;
  }
}

/** The object an interrupted earlier create of this resource made, if there is one worth adopting. */
async function resumeInterrupted<T extends { id: string }>(
  journal: CreateJournal,
  key: string,
  subject: CreateSubject,
  steps: JournaledCreate<T, unknown>,
  ctx: ProviderContext,
): Promise<T | undefined> {
  const who = subject.who;
  const earlier = await journal.find(key);
  if (earlier === undefined) return undefined;
  const what = earlier.id ?? "the create request";
  if (writerRunning(earlier.writer)) {
    // Not interrupted: another deployment on this machine is creating this very resource (a second `up` of the
    // stack whose lock was broken, or a provider the killed CLI left behind that has not noticed yet).
    throw new Error(
      `${who}: another process on this machine (pid ${earlier.writer?.pid}) is creating this resource right now ` +
        `(${what}, since ${earlier.at}); nothing was created and nothing adopted. Fix: let that deployment finish ` +
        `(or stop it), then run \`pulumi up\` again.`,
    );
  }
  // A failing lookup (other than 404) throws: guessing "gone" could start a second job.
  let made: T | undefined;
  if (earlier.id !== undefined) made = await steps.findUsable(earlier.id);
  else if (earlier.before !== undefined && steps.findMadeSince !== undefined)
    made = await steps.findMadeSince(new Set(earlier.before));
  if (made !== undefined) {
    noteHeld(subject.kind, made.id);
    announceAdoption(ctx, who, made.id, "");
    return made;
  }
  ctx.log.info(
    `${who}: ${what} of an interrupted earlier run left nothing usable (gone, failed or never made); creating anew`,
  );
  await journal.forget(key);
  return undefined;
}

/** The oldest orphan of this resource on Together that nothing else in this deployment holds, claimed at once so
 *  that a parallel create of an identical resource takes another. */
async function adoptOrphan<T extends { id: string }>(
  subject: CreateSubject,
  steps: JournaledCreate<T, unknown>,
  ctx: ProviderContext,
): Promise<T | undefined> {
  if (steps.findOrphans === undefined) return undefined;
  const orphans = await steps.findOrphans();
  // No await between the filter and the claim: creates in this process interleave only at awaits.
  const free = orphans.filter((o) => !isHeld(subject.kind, o.id));
  const [made, ...more] = free;
  if (made === undefined) return undefined;
  noteHeld(subject.kind, made.id);
  announceAdoption(
    ctx,
    subject.who,
    made.id,
    " (found on Together by this resource's project, stack and name)",
  );
  if (more.length > 0) {
    ctx.log.warn(
      `${subject.who}: Together also holds ${more.map((o) => o.id).join(", ")}, made by earlier interrupted ` +
        `creates of this resource; they were not adopted and may be billing. Fix: delete or cancel them with the ` +
        `Together CLI unless another stack manages them.`,
    );
  }
  return made;
}

function announceAdoption(ctx: ProviderContext, who: string, id: string, how: string): void {
  ctx.log.info(`${who}: adopting ${id} created by an interrupted earlier run${how}`);
  // The engine keeps an interrupted create as a pending operation, and warns of it at every update, until told.
  ctx.log.info(
    `${who}: if Pulumi warned of a pending create of this resource, it keeps warning until ` +
      "`pulumi refresh --clear-pending-creates` runs (after this update, which records the adopted object)",
  );
}

/** After a failure that did not hand the id to Pulumi: keep the entry only while the object is worth adopting. */
async function stillUsable<T extends { id: string }>(
  steps: JournaledCreate<T, unknown>,
  id: string,
): Promise<boolean> {
  try {
    return (await steps.findUsable(id)) !== undefined;
  } catch {
    return true;
  }
}
