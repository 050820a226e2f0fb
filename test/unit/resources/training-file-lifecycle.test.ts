// TrainingFile create/read/update/delete in-process against the emulator, with the provider context
// the runtime builds from stack config.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { startEmulator, type Emulator } from "../../../emulator";
import { useInProcessProvider } from "./in-process-provider";
import { lifecycle } from "../../../provider/resources/training-file/lifecycle";
import type { ProviderContext } from "../../../provider/shared/types";
import { TogetherClient } from "../../../provider/client";
import { isPartialFailure } from "../../../provider/shared/partial-failure";

const TIME_SCALE = 600;

const provider = useInProcessProvider(TIME_SCALE);
let emu: Emulator;
let ctx: ProviderContext;
let dir: string;
const logged = provider.logged;

beforeAll(() => {
  ({ emu, ctx } = provider);
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "tf-life-"));
});

afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

beforeEach(() => {
  emu.faults.clear();
  logged.length = 0;
});

const conversation = (i: number): string =>
  JSON.stringify({
    messages: [
      { role: "user", content: `question ${i}` },
      { role: "assistant", content: `answer ${i}` },
    ],
  });

function dataset(name: string, lines: string[]): string {
  const p = path.join(dir, name);
  fs.writeFileSync(p, lines.join("\n") + "\n");
  return p;
}

async function checked(
  sourcePath: string,
  extra: Record<string, unknown> = {},
): Promise<Record<string, unknown>> {
  const r = await lifecycle.check(
    {},
    { logicalName: "train", source: path.basename(sourcePath), sourcePath, ...extra },
    ctx,
  );
  expect(r.failures ?? []).toEqual([]);
  return r.inputs!;
}

const live = (): number => emu.summary().filesLive;
const uploads = (): number =>
  emu.requests.filter((r) => r.method === "POST" && r.path === "/v1/files").length;

describe("TrainingFile against the emulator", () => {
  test("create uploads the file, waits for Together's validation and returns every output", async () => {
    const p = dataset("create.jsonl", [conversation(1), conversation(2)]);
    const inputs = await checked(p);
    const before = live();
    const { id, outs } = await lifecycle.create(inputs, ctx);
    expect(id).toMatch(/^file-/);
    expect(live()).toBe(before + 1);
    expect(outs).toMatchObject({
      ...inputs,
      fileId: id,
      bytes: fs.statSync(p).size,
      fileType: "jsonl",
      format: "conversation",
      numSamples: 2,
      schemaVersion: 1,
    });
    expect(new Date(outs.createdAt as string).toISOString()).toBe(outs.createdAt);
    expect(Object.values(outs)).not.toContain(undefined);
    expect(outs.processingStatus).toBe("COMPLETED");
    const remote = await ctx.client().files.get(id);
    expect(remote).toMatchObject({
      filename: "create.jsonl",
      purpose: "fine-tune",
      bytes: fs.statSync(p).size,
    });
    expect((await ctx.client().files.content(id)).equals(fs.readFileSync(p))).toBe(true);
    // A small loopback upload takes no measurable time: the progress line carries no rate.
    expect(logged.some((l) => /uploaded create\.jsonl: .* \(100%\)$/.test(l))).toBe(true);
    expect(logged.some((l) => /MB\/s/.test(l))).toBe(false);
  });

  test("read refreshes a live file and reports a deleted one as gone", async () => {
    const inputs = await checked(dataset("read.jsonl", [conversation(1)]));
    const { id, outs } = await lifecycle.create(inputs, ctx);
    const r = await lifecycle.read(id, outs, ctx);
    expect(r.id).toBe(id);
    expect(r.props).toMatchObject({ ...outs, bytes: outs.bytes });
    await ctx.client().files.delete(id);
    expect(await lifecycle.read(id, outs, ctx)).toEqual({ id: "" });
  });

  test("update echoes the new inputs on the existing file without touching Together", async () => {
    const inputs = await checked(dataset("update.jsonl", [conversation(1)]));
    const { id, outs } = await lifecycle.create(inputs, ctx);
    const requestsBefore = emu.requests.length;
    const news = await checked(path.join(dir, "update.jsonl"), { check: false });
    expect(await lifecycle.diff(id, outs, news, ctx)).toEqual({ changes: true });
    const { outs: updated } = await lifecycle.update(id, outs, news, ctx);
    expect(updated).toMatchObject({
      fileId: id,
      createdAt: outs.createdAt,
      check: false,
      sha256: outs.sha256,
    });
    expect(updated).not.toHaveProperty("format");
    expect(emu.requests.length).toBe(requestsBefore);
  });

  test("delete removes the file, and a file already gone counts as deleted", async () => {
    const inputs = await checked(dataset("delete.jsonl", [conversation(1)]));
    const { id, outs } = await lifecycle.create(inputs, ctx);
    await lifecycle.delete(id, outs, ctx);
    expect(emu.store.files.get(id)?.deleted).toBe(true);
    await expect(lifecycle.delete(id, outs, ctx)).resolves.toBeUndefined();
  });

  test("a file Together rejects is deleted again and the failure carries the server's reason", async () => {
    // Locally unchecked, so only the server's validation can catch the bad line.
    const inputs = await checked(
      dataset("server-bad.jsonl", [conversation(1), '{"prompt": "no completion"}']),
      {
        check: false,
      },
    );
    const before = live();
    await expect(lifecycle.create(inputs, ctx)).rejects.toThrow(
      /^TrainingFile "train": Together rejected server-bad\.jsonl \(file-[^)]+\): .+\. The file was deleted\. Fix: /,
    );
    expect(live()).toBe(before);
  });

  test("an upload that fails leaves nothing on the server", async () => {
    const inputs = await checked(dataset("fails.jsonl", [conversation(1)]));
    const before = live();
    emu.faults.add({ method: "PUT", action: { type: "reset", phase: "mid-body" }, times: Infinity });
    await expect(lifecycle.create(inputs, ctx)).rejects.toThrow(
      /^TrainingFile "train": uploading fails\.jsonl failed: .*the partial file was removed/,
    );
    expect(emu.faults.injected).toBeGreaterThan(0);
    expect(live()).toBe(before);
  });

  test("one reset mid-upload is retried: one file, whole content", async () => {
    const p = dataset("retried.jsonl", [conversation(1), conversation(2)]);
    const inputs = await checked(p);
    const before = live();
    const injected = emu.faults.injected;
    emu.faults.add({ method: "PUT", action: { type: "reset", phase: "mid-body" } });
    const { id } = await lifecycle.create(inputs, ctx);
    expect(emu.faults.injected).toBe(injected + 1);
    expect(live()).toBe(before + 1);
    expect((await ctx.client().files.content(id)).equals(fs.readFileSync(p))).toBe(true);
  });

  test("an ambiguous failure of the request that creates the file leaves nothing either", async () => {
    const inputs = await checked(dataset("ambiguous.jsonl", [conversation(1)]));
    const before = live();
    const injected = emu.faults.injected;
    // The server creates the (empty) file, then the connection drops before the answer.
    emu.faults.add({ method: "POST", path: "/v1/files", action: { type: "reset", phase: "after" } });
    await expect(lifecycle.create(inputs, ctx)).rejects.toThrow(
      /uploading ambiguous\.jsonl failed: .*\. The empty file it created \(file-[^)]+\) was deleted/,
    );
    expect(emu.faults.injected).toBe(injected + 1);
    expect(live()).toBe(before);
  });

  test("a validation that outlasts the wait keeps the file in state, and the next update resumes the wait", async () => {
    // Together's clock at real speed while the provider's waits are scaled: the wait times out first.
    const slow = await startEmulator({ timeScale: 1 });
    try {
      const client = new TogetherClient({ baseUrl: slow.baseUrl, apiKey: slow.apiKey });
      const slowCtx: ProviderContext = { ...ctx, client: () => client };
      const inputs = await checked(dataset("slow.jsonl", [conversation(1)]));
      const err: unknown = await lifecycle.create(inputs, slowCtx).catch((e: unknown) => e);
      expect(isPartialFailure(err)).toBe(true);
      const { id, properties } = err as { id: string; properties: Record<string, unknown> };
      expect(properties).toMatchObject({ ...inputs, fileId: id });
      expect(["PENDING", "QUEUED", "RUNNING"]).toContain(properties.processingStatus);
      expect(String((err as Error).message)).toMatch(
        /Timed out .* waiting for Together to validate slow\.jsonl/,
      );
      expect(slow.summary().filesLive).toBe(1);

      await slow.idle();
      slow.clock.advance(60_000);
      const { outs } = await lifecycle.update(id, properties, inputs, slowCtx);
      expect(outs).toMatchObject({ fileId: id, processingStatus: "COMPLETED" });
    } finally {
      await slow.close();
    }
  });

  test("adopt takes over an existing file without uploading, and refuses a different dataset", async () => {
    const p = dataset("adopt.jsonl", [conversation(1), conversation(2)]);
    const existing = await ctx.client().files.upload({
      path: p,
      fileName: "adopt.jsonl",
      purpose: "fine-tune",
      fileType: "jsonl",
    });
    const uploadsBefore = uploads();
    const { id, outs } = await lifecycle.create(await checked(p, { adoptFileId: existing.id }), ctx);
    expect(id).toBe(existing.id);
    expect(outs).toMatchObject({ fileId: existing.id, adoptFileId: existing.id, numSamples: 2 });
    expect(uploads()).toBe(uploadsBefore);

    const other = dataset("adopt-other.jsonl", [conversation(1)]);
    await expect(lifecycle.create(await checked(other, { adoptFileId: existing.id }), ctx)).rejects.toThrow(
      /adoptFileId = file-\S+ has \d+ bytes but source adopt-other\.jsonl has \d+: they are not the same dataset\. Fix: /,
    );
    await expect(
      lifecycle.create(await checked(p, { adoptFileId: "file-does-not-exist" }), ctx),
    ).rejects.toThrow(/adoptFileId = file-does-not-exist: no such file on Together\. Fix: /);
    expect(emu.store.files.get(existing.id)?.deleted).toBe(false);
  });
});
