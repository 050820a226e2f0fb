import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { startEmulator, type Emulator } from "../../emulator";
import { api, conversationJsonl, settleFile, uploadText } from "./test-helpers";

let emu: Emulator;
beforeEach(async () => {
  emu = await startEmulator({ timeScale: 1 });
});
afterEach(async () => {
  await emu.close();
});

describe("redirect upload flow", () => {
  it("answers POST /files with 302, Location and X-Together-File-Id, takes the PUT without auth, then processes", async () => {
    const content = conversationJsonl(5);
    const res = await api(
      emu,
      "POST",
      "/files?purpose=fine-tune&file_name=train.jsonl&file_type=jsonl",
      "purpose=fine-tune&file_name=train.jsonl",
      {
        headers: { "content-type": "application/x-www-form-urlencoded" },
      },
    );
    expect(res.status).toBe(302);
    const id = res.headers.get("x-together-file-id")!;
    expect(id).toMatch(/^file-[0-9a-f-]{36}$/);
    const location = res.headers.get("location")!;
    expect(location.startsWith("http://127.0.0.1:")).toBe(true);
    expect(res.headers.get("x-request-id")).toBeTruthy();

    const before = await api(emu, "GET", `/files/${id}`);
    expect(before.body).toMatchObject({ id, bytes: 0, Processed: false, processing_status: "PENDING" });

    const put = await fetch(location, {
      method: "PUT",
      body: content,
      headers: { "content-type": "application/octet-stream" },
    });
    expect(put.status).toBe(200);
    expect(put.headers.get("x-request-id")).toBeTruthy();

    const pre = await api(emu, "POST", `/files/${id}/preprocess`);
    expect(pre.status).toBe(200);
    expect(pre.body).toMatchObject({
      id,
      object: "file",
      filename: "train.jsonl",
      purpose: "fine-tune",
      FileType: "jsonl",
      bytes: Buffer.byteLength(content),
    });
    expect(["QUEUED", "RUNNING"]).toContain(pre.body.processing_status);
    expect(pre.body.Processed).toBe(false);

    await settleFile(emu);
    const done = await api(emu, "GET", `/files/${id}`);
    expect(done.body).toMatchObject({
      Processed: true,
      processing_status: "COMPLETED",
      validation_report: { valid: true, dataset_format: "CONVERSATION", nlines: 5, file_id: id },
    });
    const content2 = await api(emu, "GET", `/files/${id}/content`);
    expect(content2.body).toBe(content);
  });

  it("accepts the fields as multipart/form-data (the Python v2 client's encoding)", async () => {
    const form = new FormData();
    form.set("purpose", "fine-tune");
    form.set("file_name", "data.parquet");
    const res = await fetch(`${emu.baseUrl}/files`, {
      method: "POST",
      body: form,
      headers: { authorization: `Bearer ${emu.apiKey}` },
      redirect: "manual",
    });
    expect(res.status).toBe(302);
    const file = await api(emu, "GET", `/files/${res.headers.get("x-together-file-id")}`);
    expect(file.body).toMatchObject({ filename: "data.parquet", FileType: "parquet" });
  });

  it("rejects a bad purpose with a Together-shaped 400", async () => {
    const res = await api(emu, "POST", "/files", "purpose=nope&file_name=a.jsonl", {
      headers: { "content-type": "application/x-www-form-urlencoded" },
    });
    expect(res.status).toBe(400);
    expect(res.body).toEqual({
      error: {
        message: expect.stringContaining("purpose"),
        type: "invalid_request_error",
        param: "purpose",
        code: "invalid_request",
      },
    });
  });
});

describe("processing", () => {
  it.each([
    ["a line that is not JSON", '{"text": "ok"}\nnot json\n', /line 2/],
    ["mixed formats", '{"text": "a"}\n{"prompt": "p", "completion": "c"}\n', /same dataset format/],
    ["an extra column", '{"text": "a", "label": 1}\n', /extra column "label"/],
    ["an unknown format", '{"foo": 1}\n', /Could not detect a format/],
    [
      "no assistant turn",
      JSON.stringify({ messages: [{ role: "user", content: "hi" }] }) + "\n",
      /assistant/,
    ],
    ["an empty file", "", /empty/],
  ])("marks %s INVALID_FORMAT with the reason", async (_name, content, reason) => {
    const id = await uploadText(emu, content);
    await settleFile(emu);
    const file = await api(emu, "GET", `/files/${id}`);
    expect(file.body.Processed).toBe(true);
    expect(file.body.processing_status).toBe("INVALID_FORMAT");
    expect(file.body.validation_report.valid).toBe(false);
    expect(file.body.validation_report.error).toMatch(reason);
  });

  it("stops validating a file deleted while it is processed", async () => {
    const content = conversationJsonl(200_000); // ~20 MB: many chunks to validate
    const id = await uploadText(emu, content);
    expect((await api(emu, "DELETE", `/files/${id}`)).status).toBe(200);
    await emu.idle();
    const result = emu.store.files.get(id)?.processing?.result;
    expect(result?.valid).toBe(false);
    expect(result?.error).toMatch(/^Processing stopped at line \d+: the file was deleted\.$/);
    expect(result?.nlines).toBeLessThan(200_000);
  });

  it("detects instruction, general and preference formats", async () => {
    const cases: [string, string][] = [
      ['{"prompt": "p", "completion": "c"}\n', "INSTRUCTION"],
      ['{"text": "t"}\n{"text": "u"}', "GENERAL"],
      [
        JSON.stringify({
          input: { messages: [{ role: "user", content: "q" }] },
          preferred_output: [{ role: "assistant", content: "a" }],
          non_preferred_output: [{ role: "assistant", content: "b" }],
        }),
        "PREFERENCE",
      ],
    ];
    for (const [content, format] of cases) {
      const id = await uploadText(emu, content);
      await settleFile(emu);
      expect((await api(emu, "GET", `/files/${id}`)).body.validation_report).toMatchObject({
        valid: true,
        dataset_format: format,
      });
    }
  });

  it("checks parquet magic bytes", async () => {
    const id = await uploadText(emu, "PAR1 but not really", "tok.parquet");
    await settleFile(emu);
    const file = await api(emu, "GET", `/files/${id}`);
    expect(file.body).toMatchObject({ FileType: "parquet", processing_status: "INVALID_FORMAT" });
    expect(file.body.validation_report.error).toMatch(/PAR1/);
  });
});

describe("multipart upload", () => {
  it("initiates, takes part PUTs with ETags, verifies them on complete and keeps a sparse file sparse", async () => {
    const size = 12 * 2 ** 20 + 123;
    const init = await api(emu, "POST", "/files/multipart/initiate", {
      file_name: "big.jsonl",
      file_size: size,
      num_parts: 2,
      purpose: "fine-tune",
      file_type: "jsonl",
    });
    expect(init.status).toBe(200);
    const { upload_id, file_id, parts } = init.body;
    expect(parts).toHaveLength(2);
    expect(parts[0]).toMatchObject({
      PartNumber: 1,
      URL: expect.stringContaining(file_id),
      Headers: expect.any(Object),
    });
    const partSize = Math.ceil(size / 2);
    const first = Buffer.alloc(partSize); // zeros: stays a hole on disk
    first.write('{"text": "head"}\n', 0);
    const second = Buffer.alloc(size - partSize);
    const etags: string[] = [];
    for (const [i, data] of [first, second].entries()) {
      const put = await fetch(parts[i].URL, { method: "PUT", body: data, headers: parts[i].Headers });
      expect(put.status).toBe(200);
      etags.push(put.headers.get("etag")!);
    }
    expect(etags.every((e) => /^"[0-9a-f]{32}"$/.test(e))).toBe(true);

    const bad = await api(emu, "POST", "/files/multipart/complete", {
      upload_id,
      file_id,
      parts: [
        { part_number: 1, etag: "nope" },
        { part_number: 2, etag: etags[1] },
      ],
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toMatch(/ETag mismatch for part 1/);

    const done = await api(emu, "POST", "/files/multipart/complete", {
      upload_id,
      file_id,
      parts: etags.map((etag, i) => ({ part_number: i + 1, etag: etag.replace(/"/g, "") })),
    });
    expect(done.status).toBe(200);
    expect(done.body).toMatchObject({ id: file_id, bytes: size, object: "file" });
    const dataPath = emu.store.files.get(file_id)!.dataPath;
    const st = await fs.promises.stat(dataPath);
    expect(st.size).toBe(size);
    expect(st.blocks * 512).toBeLessThan(1024 * 1024);
    const head = Buffer.alloc(17);
    const fh = await fs.promises.open(dataPath, "r");
    await fh.read(head, 0, 17, 0);
    await fh.close();
    expect(head.toString()).toBe('{"text": "head"}\n');
  });

  it("stores a re-sent part under a new ETag, and only the newest one completes", async () => {
    const init = await api(emu, "POST", "/files/multipart/initiate", {
      file_name: "retry.jsonl",
      file_size: 10 * 2 ** 20 + 30, // parts must be 5 MiB or more but for the last
      num_parts: 2,
      purpose: "fine-tune",
      file_type: "jsonl",
    });
    const { upload_id, file_id, parts } = init.body;
    const put = async (i: number, body: Buffer): Promise<string> => {
      const res = await fetch(parts[i].URL, { method: "PUT", body, headers: parts[i].Headers });
      expect(res.status).toBe(200);
      return res.headers.get("etag")!.replace(/"/g, "");
    };
    const partSize = 5 * 2 ** 20 + 15;
    const first = await put(0, Buffer.alloc(partSize, "a"));
    const stale = await put(1, Buffer.alloc(partSize, "b"));
    const fresh = await put(1, Buffer.alloc(partSize, "b"));
    expect(fresh).not.toBe(stale);
    const complete = (etag: string) =>
      api(emu, "POST", "/files/multipart/complete", {
        upload_id,
        file_id,
        parts: [
          { part_number: 1, etag: first },
          { part_number: 2, etag },
        ],
      });
    const refused = await complete(stale);
    expect(refused.status).toBe(400);
    expect(refused.body.error.message).toMatch(/ETag mismatch for part 2/);
    expect((await complete(fresh)).status).toBe(200);
  });

  it("aborts: the file is gone and nothing stays on disk", async () => {
    const init = await api(emu, "POST", "/files/multipart/initiate", {
      file_name: "x.jsonl",
      file_size: 10,
      num_parts: 1,
      purpose: "fine-tune",
      file_type: "jsonl",
    });
    const { upload_id, file_id } = init.body;
    const abort = await api(emu, "POST", "/files/multipart/abort", { upload_id, file_id });
    expect(abort.body).toEqual({ success: true });
    expect((await api(emu, "GET", `/files/${file_id}`)).status).toBe(404);
    expect(fs.existsSync(emu.store.files.get(file_id)!.dataPath)).toBe(false);
    expect(emu.summary()).toMatchObject({ filesCreated: 1, filesLive: 0 });
  });

  it("refuses a part of the wrong size", async () => {
    const init = await api(emu, "POST", "/files/multipart/initiate", {
      file_name: "x.jsonl",
      file_size: 100,
      num_parts: 1,
      purpose: "fine-tune",
      file_type: "jsonl",
    });
    const put = await fetch(init.body.parts[0].URL, { method: "PUT", body: Buffer.alloc(99) });
    expect(put.status).toBe(400);
  });
});

describe("one-shot POST /files/upload, list, delete", () => {
  it("stores the multipart file part and lists, retrieves and deletes it", async () => {
    const form = new FormData();
    form.set("purpose", "fine-tune");
    form.set("file_name", "one.jsonl");
    form.set("file", new Blob([conversationJsonl(3)]), "one.jsonl");
    const res = await fetch(`${emu.baseUrl}/files/upload`, {
      method: "POST",
      body: form,
      headers: { authorization: `Bearer ${emu.apiKey}` },
    });
    expect(res.status).toBe(200);
    const file = (await res.json()) as { id: string; bytes: number };
    expect(file.bytes).toBe(Buffer.byteLength(conversationJsonl(3)));
    const list = await api(emu, "GET", "/files");
    expect(list.body.data.map((f: { id: string }) => f.id)).toContain(file.id);
    const del = await api(emu, "DELETE", `/files/${file.id}`);
    expect(del.body).toMatchObject({ id: file.id, deleted: true });
    expect((await api(emu, "GET", `/files/${file.id}`)).status).toBe(404);
    expect((await api(emu, "GET", "/files")).body.data).toHaveLength(0);
  });
});

describe("data dir", () => {
  it("writes uploads to the given dataDir and leaves it in place on close", async () => {
    const dir = await fs.promises.mkdtemp(path.join(os.tmpdir(), "emu-data-"));
    const other = await startEmulator({ dataDir: dir });
    const id = await uploadText(other, conversationJsonl(2));
    expect(fs.readFileSync(path.join(dir, id), "utf8")).toBe(conversationJsonl(2));
    await other.close();
    expect(fs.existsSync(path.join(dir, id))).toBe(true);
    await fs.promises.rm(dir, { recursive: true });
  });
});
