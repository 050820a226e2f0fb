// Every client call against the emulator, both upload flows included.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MiB, NotFoundError, TogetherClient, type WireFineTune } from "../../provider/client";
import { type Emulator, startEmulator } from "../../emulator";

const MODEL = "meta-llama/Llama-3.2-1B-Instruct";

function conversationJsonl(minBytes: number): string {
  const lines: string[] = [];
  let size = 0;
  for (let i = 0; size < minBytes; i++) {
    const line = `${JSON.stringify({
      messages: [
        { role: "user", content: `question ${i}: what is ${i} + ${i}?` },
        { role: "assistant", content: `answer ${i}: ${2 * i}` },
      ],
    })}\n`;
    lines.push(line);
    size += line.length;
  }
  return lines.join("");
}

describe("client against the emulator", () => {
  let emu: Emulator;
  let client: TogetherClient;
  let dir: string;
  let small: string;
  let large: string;
  let trainingFileId: string;
  let job: WireFineTune;

  beforeAll(async () => {
    emu = await startEmulator({ timeScale: 600 });
    client = new TogetherClient({ baseUrl: emu.baseUrl, apiKey: emu.apiKey, sleepScale: 0.01 });
    dir = mkdtempSync(join(tmpdir(), "client-contract-"));
    small = join(dir, "train.jsonl");
    writeFileSync(small, conversationJsonl(4096));
    large = join(dir, "large.jsonl");
    writeFileSync(large, conversationJsonl(16 * MiB));
  });
  afterAll(async () => {
    await client.close();
    await emu.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("uploads through the redirect flow and reads the file back", async () => {
    const progress: number[] = [];
    const file = await client.files.upload({
      path: small,
      fileName: "train.jsonl",
      purpose: "fine-tune",
      fileType: "jsonl",
      onProgress: (sent) => progress.push(sent),
    });
    trainingFileId = file.id;
    const bytes = readFileSync(small);
    expect(file).toMatchObject({
      object: "file",
      filename: "train.jsonl",
      bytes: bytes.length,
      purpose: "fine-tune",
    });
    expect(file.FileType).toBe("jsonl");
    expect(progress.at(-1)).toBe(bytes.length);
    const puts = emu.requests.filter((r) => r.method === "PUT");
    expect(puts).toHaveLength(1);
    expect(puts[0]!.headers.authorization).toBeUndefined();
    expect(emu.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      "POST /v1/files",
      `PUT ${puts[0]!.path}`,
      `POST /v1/files/${file.id}/preprocess`,
      `GET /v1/files/${file.id}`,
    ]);
    expect((await client.files.content(file.id)).equals(bytes)).toBe(true);
    await emu.idle();
    expect((await client.files.get(file.id)).id).toBe(file.id);
    expect((await client.files.preprocess(file.id)).id).toBe(file.id);
    expect((await client.files.list()).map((f) => f.id)).toContain(file.id);
  });

  it("uploads through the multipart flow (threshold lowered) and the bytes arrive intact", async () => {
    const file = await client.files.upload({
      path: large,
      fileName: "large.jsonl",
      purpose: "fine-tune",
      fileType: "jsonl",
      multipartThresholdBytes: 8 * MiB,
      targetPartBytes: 6 * MiB,
    });
    const init = emu.requests.find((r) => r.path === "/v1/files/multipart/initiate");
    expect(init?.body).toMatchObject({ file_name: "large.jsonl", num_parts: 3, file_type: "jsonl" });
    const parts = emu.requests.filter((r) => r.method === "PUT" && /\/parts\/\d+$/.test(r.path));
    expect(parts).toHaveLength(3);
    for (const p of parts) expect(p.headers.authorization).toBeUndefined();
    expect(emu.requests.some((r) => r.path === "/v1/files/multipart/complete" && r.status === 200)).toBe(
      true,
    );
    expect((await client.files.content(file.id)).equals(readFileSync(large))).toBe(true);
    const deleted = await client.files.delete(file.id);
    expect(deleted).toMatchObject({ id: file.id, deleted: true });
    await expect(client.files.get(file.id)).rejects.toBeInstanceOf(NotFoundError);
  });

  it("reads model limits, estimates the price and creates, reads and lists a job", async () => {
    const limits = await client.fineTunes.modelLimits(MODEL);
    expect(limits.model_name).toBe(MODEL);
    expect(limits.lora_training?.max_rank).toBeGreaterThan(0);
    await expect(client.fineTunes.modelLimits("nobody/not-a-model")).rejects.toBeInstanceOf(NotFoundError);
    await emu.idle();
    const price = await client.fineTunes.estimatePrice({
      training_file: trainingFileId,
      model: MODEL,
      n_epochs: 1,
    });
    expect(typeof price.estimated_total_price).toBe("number");
    job = await client.fineTunes.create({
      training_file: trainingFileId,
      model: MODEL,
      n_epochs: 1,
      suffix: "contract",
      wandb_api_key: "wandb-secret-value",
      training_type: { type: "Lora", lora_r: 8, lora_alpha: 16 },
      training_method: { method: "sft", train_on_inputs: "auto" },
    });
    expect(job.id).toMatch(/^ft-/);
    const sent = emu.requests.find((r) => r.method === "POST" && r.path === "/v1/fine-tunes")!;
    expect(sent.body).toMatchObject({ wandb_api_key: "***", wandb_key: "***", suffix: "contract" });
    expect((await client.fineTunes.get(job.id)).id).toBe(job.id);
    expect((await client.fineTunes.list()).map((j) => j.id)).toContain(job.id);
  });

  it("follows a job to completion: events, checkpoints, output model", async () => {
    emu.clock.advance(6 * 3600_000);
    const done = await client.fineTunes.get(job.id);
    expect(done.status).toBe("completed");
    expect(done.model_output_name).toMatch(/^emulator-user\//);
    const events = await client.fineTunes.events(job.id);
    expect(events.length).toBeGreaterThan(0);
    expect(events.every((e) => typeof e.message === "string")).toBe(true);
    const checkpoints = await client.fineTunes.checkpoints(job.id);
    expect(checkpoints.length).toBeGreaterThan(0);
  });

  it("cancels and deletes a job", async () => {
    const other = await client.fineTunes.create({ training_file: trainingFileId, model: MODEL });
    const cancelled = await client.fineTunes.cancel(other.id);
    expect(["cancel_requested", "cancelled"]).toContain(cancelled.status);
    await client.fineTunes.delete(other.id);
    await expect(client.fineTunes.get(other.id)).rejects.toBeInstanceOf(NotFoundError);
  });

  it("lists hardware and models, and runs an endpoint through create, update and delete", async () => {
    const output = (await client.fineTunes.get(job.id)).model_output_name!;
    const hardware = await client.hardware.list({ model: output });
    expect(hardware.length).toBeGreaterThan(0);
    expect(hardware[0]!.availability?.status).toBeDefined();
    expect((await client.hardware.list()).length).toBeGreaterThanOrEqual(hardware.length);
    expect((await client.models.list()).length).toBeGreaterThan(0);
    await client.models.list({ dedicated: true });

    const ep = await client.endpoints.create({
      model: output,
      hardware: hardware[0]!.id,
      autoscaling: { min_replicas: 1, max_replicas: 1 },
      display_name: "contract-endpoint",
      inactive_timeout: 0,
    });
    expect(ep.id).toMatch(/^endpoint-/);
    expect(ep.display_name).toBe("contract-endpoint");
    expect((await client.endpoints.get(ep.id)).model).toBe(output);
    expect((await client.endpoints.list({ type: "dedicated", mine: true })).map((e) => e.id)).toContain(
      ep.id,
    );
    const updated = await client.endpoints.update(ep.id, {
      autoscaling: { min_replicas: 1, max_replicas: 2 },
      state: "STOPPED",
    });
    expect(updated.autoscaling.max_replicas).toBe(2);
    await client.endpoints.delete(ep.id);
    await expect(client.endpoints.get(ep.id)).rejects.toBeInstanceOf(NotFoundError);
  });
});
