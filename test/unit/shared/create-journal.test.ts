import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { spawnSync } from "node:child_process";
import {
  createOnce,
  CreateJournal,
  JOURNAL_DIR_ENV,
  JOURNAL_MAX_AGE_MS,
  journalDir,
  journalKey,
  thisWriter,
  writerRunning,
  type JournaledCreate,
} from "../../../provider/shared/create-journal";
import { noteHeld, resetDeploymentMemory } from "../../../provider/shared/deployment-memory";
import { PartialFailureError } from "../../../provider/shared/partial-failure";
import type { ProviderContext } from "../../../provider/shared/types";

let dir: string;
let logged: string[];
const log = {
  info: (m: string) => logged.push(`info ${m}`),
  warn: (m: string) => logged.push(`warn ${m}`),
  error: (m: string) => logged.push(`error ${m}`),
};
const ctx = {
  client: () => ({ baseUrl: "http://127.0.0.1:1/v1" }),
  log,
  timeScale: 1,
  secrets: { add: () => undefined },
} as unknown as ProviderContext;
const owner = { project: "proj", stack: "dev", logicalName: "ft" };
const subject = { kind: "FineTuneJob", owner, identity: { model: "m" }, who: 'FineTuneJob "ft"' };

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "journal-"));
  process.env[JOURNAL_DIR_ENV] = dir;
  logged = [];
  resetDeploymentMemory();
});
afterEach(() => {
  delete process.env[JOURNAL_DIR_ENV];
  fs.rmSync(dir, { recursive: true, force: true });
});

const entries = (): string[] => fs.readdirSync(dir);

/** A remote store of objects the steps create; `usable` false marks one as failed. */
function remote() {
  const objects = new Map<string, { id: string; usable: boolean }>();
  let n = 0;
  const steps = (
    finish: (made: { id: string }) => Promise<string>,
  ): JournaledCreate<{ id: string }, string> => ({
    findUsable: async (id) => (objects.get(id)?.usable ? objects.get(id) : undefined),
    create: async (progress) => {
      await progress.sending(objects.keys());
      const o = { id: `obj-${++n}`, usable: true };
      objects.set(o.id, o);
      await progress.exists(o.id);
      return o;
    },
    finish,
  });
  return { objects, steps };
}

describe("journal location and key", () => {
  test("the env folder wins; the default is ~/.pulumi-together/in-flight", () => {
    expect(journalDir({ [JOURNAL_DIR_ENV]: "/tmp/x" })).toBe("/tmp/x");
    expect(journalDir({})).toBe(path.join(os.homedir(), ".pulumi-together", "in-flight"));
  });

  test("the key ignores field order and changes with every part of the subject", () => {
    const own = { project: "p", stack: "s", logicalName: "n" };
    const base = { kind: "K", baseUrl: "u", owner: own, identity: { a: 1, b: [1, 2] } };
    const key = journalKey(base);
    expect(journalKey({ ...base, identity: { b: [1, 2], a: 1 } })).toBe(key);
    expect(key).toMatch(/^[0-9a-f]{64}$/);
    for (const change of [
      { kind: "K2" },
      { baseUrl: "u2" },
      { owner: { ...own, project: undefined } },
      // Two per-branch stacks of one project deploying the same dataset must never share an entry.
      { owner: { ...own, stack: "s2" } },
      { owner: { ...own, logicalName: "n2" } },
      { identity: { a: 2, b: [1, 2] } },
    ]) {
      expect(journalKey({ ...base, ...change })).not.toBe(key);
    }
  });
});

describe("CreateJournal", () => {
  test("records atomically, finds, forgets; the file holds only kind, id, time and its writer process", async () => {
    const j = new CreateJournal(dir, log);
    await j.record("k", { kind: "TrainingFile", id: "file-1" });
    expect(entries()).toEqual(["k.json"]);
    const stored = JSON.parse(fs.readFileSync(path.join(dir, "k.json"), "utf8")) as Record<string, unknown>;
    expect(Object.keys(stored).sort()).toEqual(["at", "id", "kind", "writer"]);
    expect(stored.writer).toEqual(thisWriter());
    expect(thisWriter()).toMatchObject({ host: os.hostname(), pid: process.pid });
    expect(await j.find("k")).toMatchObject({ kind: "TrainingFile", id: "file-1" });
    await j.forget("k");
    expect(await j.find("k")).toBeUndefined();
    expect(entries()).toEqual([]);
  });

  test("entries older than 7 days are ignored and removed, on find and when another is recorded", async () => {
    let now = Date.parse("2025-01-01T00:00:00Z");
    const j = new CreateJournal(dir, log, () => now);
    await j.record("old", { kind: "K", id: "a" });
    await j.record("older", { kind: "K", id: "b" });
    now += JOURNAL_MAX_AGE_MS + 1;
    expect(await j.find("old")).toBeUndefined();
    expect(entries()).toEqual(["older.json"]);
    await j.record("new", { kind: "K", id: "c" });
    expect(entries()).toEqual(["new.json"]);
  });

  test("an unreadable entry counts as absent and is removed", async () => {
    fs.writeFileSync(path.join(dir, "bad.json"), "{not json");
    expect(await new CreateJournal(dir, log).find("bad")).toBeUndefined();
    expect(entries()).toEqual([]);
  });

  test("IO errors are logged and ignored", async () => {
    const file = path.join(dir, "a-file");
    fs.writeFileSync(file, "");
    const j = new CreateJournal(path.join(file, "sub"), log);
    await expect(j.record("k", { kind: "K", id: "x" })).resolves.toBeUndefined();
    await expect(j.find("k")).resolves.toBeUndefined();
    expect(logged.some((l) => l.startsWith("warn create journal: recording K x"))).toBe(true);
  });
});

describe("createOnce", () => {
  test("a create that returns leaves no entry", async () => {
    const r = remote();
    expect(
      await createOnce(
        ctx,
        subject,
        r.steps(async (m) => m.id),
      ),
    ).toBe("obj-1");
    expect(entries()).toEqual([]);
  });

  test("a create killed while it waits is adopted by the next one, not made again", async () => {
    const r = remote();
    // The first create never finishes (the process died in its wait): its promise is abandoned once it has
    // reached that wait, i.e. once the object exists and the journal holds its id.
    let reachedWait!: () => void;
    const waiting = new Promise<void>((resolve) => (reachedWait = resolve));
    void createOnce(
      ctx,
      subject,
      r.steps(() => {
        reachedWait();
        return new Promise<string>(() => undefined);
      }),
    );
    await waiting;
    expect(r.objects.size).toBe(1);
    expect(entries()).toHaveLength(1);
    expect(fs.readFileSync(path.join(dir, entries()[0]!), "utf8")).toContain('"obj-1"');
    const finished: string[] = [];
    const id = await createOnce(
      ctx,
      subject,
      r.steps(async (m) => {
        finished.push(m.id);
        return m.id;
      }),
    );
    expect(id).toBe("obj-1");
    expect(r.objects.size).toBe(1);
    expect(finished).toEqual(["obj-1"]);
    expect(logged).toContain('info FineTuneJob "ft": adopting obj-1 created by an interrupted earlier run');
    // The engine keeps warning of the killed run's pending create until the user clears it: say how.
    expect(logged).toContainEqual(expect.stringContaining("`pulumi refresh --clear-pending-creates`"));
    expect(entries()).toEqual([]);
  });

  test("a create killed during its request: the object made since the listing is adopted", async () => {
    const r = remote();
    const steps = r.steps(async (m) => m.id);
    const key = journalKey({
      kind: subject.kind,
      baseUrl: "http://127.0.0.1:1/v1",
      owner,
      identity: subject.identity,
    });
    r.objects.set("old", { id: "old", usable: true });
    await new CreateJournal(dir, log).record(key, { kind: subject.kind, before: ["old"] });
    r.objects.set("made", { id: "made", usable: true });
    const found = await createOnce(ctx, subject, {
      ...steps,
      findMadeSince: async (before) => [...r.objects.values()].find((o) => !before.has(o.id)),
    });
    expect(found).toBe("made");
    expect(r.objects.size).toBe(2);
  });

  test("an entry whose object is gone or failed is dropped and a new object made", async () => {
    const r = remote();
    void createOnce(
      ctx,
      subject,
      r.steps(() => new Promise<string>(() => undefined)),
    );
    await waitUntil(() => entries().length === 1 && r.objects.size === 1);
    r.objects.get("obj-1")!.usable = false;
    expect(
      await createOnce(
        ctx,
        subject,
        r.steps(async (m) => m.id),
      ),
    ).toBe("obj-2");
    expect(entries()).toEqual([]);
  });

  test("a partial failure drops the entry (Pulumi holds the id); a failure leaving a usable object keeps it", async () => {
    const r = remote();
    const partial = r.steps(async (m) => {
      throw new PartialFailureError(m.id, {}, ["timed out"]);
    });
    await expect(createOnce(ctx, subject, partial)).rejects.toThrow("timed out");
    expect(entries()).toEqual([]);
    await expect(
      createOnce(
        ctx,
        subject,
        r.steps(async () => {
          throw new Error("lost the connection");
        }),
      ),
    ).rejects.toThrow("lost the connection");
    expect(entries()).toHaveLength(1);
    expect(
      await createOnce(
        ctx,
        subject,
        r.steps(async (m) => m.id),
      ),
    ).toBe("obj-2");
  });

  test("a failed create that cleaned up after itself leaves no entry", async () => {
    const r = remote();
    const cleaned = r.steps(async (m) => {
      r.objects.delete(m.id);
      throw new Error("rejected; deleted");
    });
    await expect(createOnce(ctx, subject, cleaned)).rejects.toThrow("rejected; deleted");
    expect(entries()).toEqual([]);
  });

  test("an unwritable journal never fails the create", async () => {
    const file = path.join(dir, "a-file");
    fs.writeFileSync(file, "");
    process.env[JOURNAL_DIR_ENV] = path.join(file, "sub");
    const r = remote();
    expect(
      await createOnce(
        ctx,
        subject,
        r.steps(async (m) => m.id),
      ),
    ).toBe("obj-1");
    expect(logged.some((l) => l.startsWith("warn create journal:"))).toBe(true);
  });
});

describe("writers still running", () => {
  test("this process, a dead pid, another host or another boot are not running; a live process is", () => {
    expect(writerRunning(undefined)).toBe(false);
    expect(writerRunning(thisWriter())).toBe(false);
    const parent = { ...thisWriter(), pid: process.ppid };
    delete parent.start;
    expect(writerRunning(parent)).toBe(true);
    expect(writerRunning({ ...parent, host: `${os.hostname()}-other` })).toBe(false);
    if (parent.boot !== undefined) expect(writerRunning({ ...parent, boot: "another-boot" })).toBe(false);
    // A reused pid: the process running under it started at another time.
    if (thisWriter().start !== undefined) expect(writerRunning({ ...parent, start: "1" })).toBe(false);
    const dead = spawnSync(process.execPath, ["-e", ""]).pid;
    expect(writerRunning({ ...parent, pid: dead })).toBe(false);
  });

  test("an entry whose writer still runs is a create under way elsewhere: neither adopted nor made again", async () => {
    const r = remote();
    const key = journalKey({
      kind: subject.kind,
      baseUrl: "http://127.0.0.1:1/v1",
      owner,
      identity: subject.identity,
    });
    r.objects.set("theirs", { id: "theirs", usable: true });
    const entry = {
      kind: subject.kind,
      id: "theirs",
      at: new Date().toISOString(),
      writer: { ...thisWriter(), pid: process.ppid },
    };
    delete (entry.writer as { start?: string }).start;
    fs.writeFileSync(path.join(dir, `${key}.json`), JSON.stringify(entry));
    await expect(
      createOnce(
        ctx,
        subject,
        r.steps(async (m) => m.id),
      ),
    ).rejects.toThrow(
      `FineTuneJob "ft": another process on this machine (pid ${process.ppid}) is creating this resource right now`,
    );
    expect([...r.objects.keys()]).toEqual(["theirs"]);
    expect(entries()).toEqual([`${key}.json`]);
  });
});

describe("orphans found on Together", () => {
  test("with no journal (another runner), the oldest orphan nothing holds is adopted and the rest named", async () => {
    const r = remote();
    r.objects.set("held", { id: "held", usable: true });
    r.objects.set("orphan-1", { id: "orphan-1", usable: true });
    r.objects.set("orphan-2", { id: "orphan-2", usable: true });
    noteHeld(subject.kind, "held");
    const steps = { ...r.steps(async (m) => m.id), findOrphans: async () => [...r.objects.values()] };
    expect(await createOnce(ctx, subject, steps)).toBe("orphan-1");
    expect(r.objects.size).toBe(3);
    expect(logged).toContain(
      `info FineTuneJob "ft": adopting orphan-1 created by an interrupted earlier run (found on Together by this resource's project, stack and name)`,
    );
    expect(logged).toContainEqual(
      expect.stringMatching(/^warn FineTuneJob "ft": Together also holds orphan-2, made by/),
    );
  });

  test("creates of identical resources running together each take their own orphan, then make new ones", async () => {
    const r = remote();
    r.objects.set("orphan-1", { id: "orphan-1", usable: true });
    const orphans = async () => [...r.objects.values()].filter((o) => o.id.startsWith("orphan"));
    const run = (name: string) =>
      createOnce(
        ctx,
        { ...subject, owner: { ...owner, logicalName: name } },
        { ...r.steps(async (m) => m.id), findOrphans: orphans },
      );
    const ids = await Promise.all([run("a"), run("b"), run("c")]);
    expect(new Set(ids).size).toBe(3);
    expect(ids).toContain("orphan-1");
    expect(r.objects.size).toBe(3);
  });

  test("no findOrphans (a replacement Together cannot tell from the old object): a new object is made", async () => {
    const r = remote();
    r.objects.set("old", { id: "old", usable: true });
    expect(
      await createOnce(
        ctx,
        subject,
        r.steps(async (m) => m.id),
      ),
    ).toBe("obj-1");
  });
});

async function waitUntil(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !cond(); i++) await new Promise((resolve) => setTimeout(resolve, 5));
  expect(cond()).toBe(true);
}
