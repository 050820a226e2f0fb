// Pulumi learns a resource's id only when create() returns (or throws a partial failure). A provider process
// killed while create() waits (CI cancelled, laptop asleep) leaves a job training or an endpoint billing that no
// state knows of, and the next `up` would create a second one. So a create writes the id of what it made to a
// small local file the moment the object exists, and the next create of the same resource adopts it.
//
// The journal is a safety net, never a new way to fail: every IO error is logged and ignored.
import { createHash, randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
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
}

/** What makes two creates "the same create". `identity` must hold no secret (it is hashed, never stored). */
export interface JournalSubject {
  kind: string;
  baseUrl: string;
  project: string | undefined;
  logicalName: string;
  identity: unknown;
}

export function journalDir(env: NodeJS.ProcessEnv = process.env): string {
  const configured = env[JOURNAL_DIR_ENV]?.trim();
  return configured ? configured : path.join(os.homedir(), ".pulumi-together", "in-flight");
}

/** The Pulumi project of the provider process (the engine sets these for the plugins it starts). */
export function projectName(env: NodeJS.ProcessEnv = process.env): string | undefined {
  return env.PULUMI_NODEJS_PROJECT ?? env.PULUMI_PROJECT;
}

export function journalKey(s: JournalSubject): string {
  const subject = {
    kind: s.kind,
    baseUrl: s.baseUrl,
    project: s.project ?? null,
    logicalName: s.logicalName,
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
    const full: JournalEntry = { ...entry, at: new Date(this.now()).toISOString() };
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
    if (typeof v.id === "string") entry.id = v.id;
    else if (Array.isArray(v.before) && v.before.every((x) => typeof x === "string")) entry.before = v.before;
    else return undefined;
    return entry;
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

/**
 * create() of one resource, made at most once across interrupted runs: adopts the object an interrupted earlier
 * create of the same resource made, if it is still usable, instead of making another. The entry is dropped once
 * Pulumi holds the id (create returned, or threw a partial failure) or the object is gone.
 */
export async function createOnce<T extends { id: string }, R>(
  ctx: ProviderContext,
  subject: { kind: string; logicalName: string; identity: unknown; who: string },
  steps: JournaledCreate<T, R>,
): Promise<R> {
  const journal = new CreateJournal(journalDir(), ctx.log);
  const key = journalKey({
    kind: subject.kind,
    baseUrl: ctx.client().baseUrl,
    project: projectName(),
    logicalName: subject.logicalName,
    identity: subject.identity,
  });
  const kind = subject.kind;
  let made = await resumeInterrupted(journal, key, subject.who, steps, ctx);
  if (made === undefined) {
    let recorded = false;
    const progress: CreateProgress = {
      sending: async (before) => {
        recorded = true;
        await journal.record(key, { kind, before: [...before] });
      },
      exists: async (id) => {
        recorded = true;
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
  who: string,
  steps: JournaledCreate<T, unknown>,
  ctx: ProviderContext,
): Promise<T | undefined> {
  const earlier = await journal.find(key);
  if (earlier === undefined) return undefined;
  // A failing lookup (other than 404) throws: guessing "gone" could start a second job.
  let made: T | undefined;
  if (earlier.id !== undefined) made = await steps.findUsable(earlier.id);
  else if (earlier.before !== undefined && steps.findMadeSince !== undefined)
    made = await steps.findMadeSince(new Set(earlier.before));
  if (made !== undefined) {
    ctx.log.info(`${who}: adopting ${made.id} created by an interrupted earlier run`);
    // The engine keeps an interrupted create as a pending operation, and warns of it at every update, until told.
    ctx.log.info(
      `${who}: if Pulumi warned of a pending create of this resource, it keeps warning until ` +
        "`pulumi refresh --clear-pending-creates` runs (after this update, which records the adopted object)",
    );
    return made;
  }
  const what = earlier.id ?? "the create request";
  ctx.log.info(
    `${who}: ${what} of an interrupted earlier run left nothing usable (gone, failed or never made); creating anew`,
  );
  await journal.forget(key);
  return undefined;
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
