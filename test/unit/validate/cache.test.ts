// The report cache: an unchanged file is not read again; any change of identity or options re-reads it.
import * as fs from "node:fs";
import * as path from "node:path";
import * as os from "node:os";
import { DEFAULT_CACHE_DIR, inspectTrainingFile } from "../../../provider/validate";
import { conversationLine, tempDir } from "./helpers";

const dir = tempDir("cache");
const cacheDir = path.join(dir, "cache");
const file = path.join(dir, "train.jsonl");
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const good = `${conversationLine("hello")}\n`;
// Same length, different bytes and a rule violation: only a real read can notice it.
const bad = good.replace('"user"', '"bot!"');

// Whole seconds, so restoring the timestamp after a rewrite is exact on every filesystem.
const MTIME_S = 1_700_000_000;

/** Rewrites the file in place (same inode and size) and restores its timestamps. */
function rewriteKeepingIdentity(text: string): void {
  const before = fs.statSync(file);
  fs.writeFileSync(file, text);
  fs.utimesSync(file, MTIME_S, MTIME_S);
  expect(fs.statSync(file)).toMatchObject({ ino: before.ino, size: before.size, mtimeMs: before.mtimeMs });
}

beforeEach(() => {
  fs.rmSync(cacheDir, { recursive: true, force: true });
  fs.writeFileSync(file, good);
  fs.utimesSync(file, MTIME_S, MTIME_S);
});

test("a second call with the file unchanged answers from the cache without reading the file", async () => {
  const first = await inspectTrainingFile(file, { cacheDir });
  expect(first.ok).toBe(true);
  expect(fs.readdirSync(cacheDir)).toHaveLength(1);
  const open = jest.spyOn(fs.promises, "open");
  try {
    const second = await inspectTrainingFile(file, { cacheDir });
    expect(second).toEqual(first);
    expect(open).not.toHaveBeenCalled();
  } finally {
    open.mockRestore();
  }
});

test("a rewrite that restores size, mtime and inode is still noticed: ctime is in the key", async () => {
  const first = await inspectTrainingFile(file, { cacheDir });
  rewriteKeepingIdentity(bad);
  const second = await inspectTrainingFile(file, { cacheDir });
  expect(second.ok).toBe(false);
  expect(second.sha256).not.toBe(first.sha256);
});

test("the cache is the user's own: folder 0700, entries 0600, and a folder others may write to is not trusted", async () => {
  const first = await inspectTrainingFile(file, { cacheDir });
  expect(fs.statSync(cacheDir).mode & 0o777).toBe(0o700);
  const [entry] = fs.readdirSync(cacheDir);
  expect(fs.statSync(path.join(cacheDir, entry!)).mode & 0o777).toBe(0o600);
  // A planted "valid" report in a world-writable folder must not pass a bad file.
  fs.chmodSync(cacheDir, 0o777);
  const open = jest.spyOn(fs.promises, "open");
  try {
    const again = await inspectTrainingFile(file, { cacheDir });
    expect(again).toEqual(first);
    expect(open).toHaveBeenCalled();
  } finally {
    open.mockRestore();
  }
});

test("by default the cache lives under the user's cache folder, not the shared temp directory", () => {
  expect(DEFAULT_CACHE_DIR.startsWith(os.tmpdir())).toBe(false);
  const base = process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), ".cache");
  expect(DEFAULT_CACHE_DIR).toBe(path.join(base, "pulumi-together", "inspect-cache"));
});

test("a new mtime invalidates the entry", async () => {
  const first = await inspectTrainingFile(file, { cacheDir });
  fs.writeFileSync(file, bad);
  fs.utimesSync(file, MTIME_S + 5, MTIME_S + 5);
  const second = await inspectTrainingFile(file, { cacheDir });
  expect(second.ok).toBe(false);
  expect(second.sha256).not.toBe(first.sha256);
});

test("other options are cached separately", async () => {
  await inspectTrainingFile(file, { cacheDir });
  rewriteKeepingIdentity(bad);
  const hashOnly = await inspectTrainingFile(file, { cacheDir, check: false });
  expect(hashOnly.ok).toBe(true);
  const fewerErrors = await inspectTrainingFile(file, { cacheDir, maxErrors: 3 });
  expect(fewerErrors.ok).toBe(false);
  expect(fs.readdirSync(cacheDir)).toHaveLength(3);
});

test("cacheDir: false always reads the file", async () => {
  await inspectTrainingFile(file, { cacheDir: false });
  rewriteKeepingIdentity(bad);
  expect((await inspectTrainingFile(file, { cacheDir: false })).ok).toBe(false);
  expect(fs.existsSync(cacheDir)).toBe(false);
});

test("the cached report names the path the caller gave", async () => {
  await inspectTrainingFile(file, { cacheDir });
  const link = path.join(dir, "link.jsonl");
  fs.rmSync(link, { force: true });
  fs.symlinkSync(file, link);
  const viaLink = await inspectTrainingFile(link, { cacheDir });
  expect(viaLink.file).toBe(link);
  expect(fs.readdirSync(cacheDir)).toHaveLength(1);
});

test("a corrupt cache entry is ignored", async () => {
  await inspectTrainingFile(file, { cacheDir });
  const [entry] = fs.readdirSync(cacheDir);
  fs.writeFileSync(path.join(cacheDir, entry!), "{not json");
  rewriteKeepingIdentity(bad);
  expect((await inspectTrainingFile(file, { cacheDir })).ok).toBe(false);
});
