// DedicatedEndpoint through the lifecycle harness: real programs using the SDK class, the real dynamic-provider
// process (running dist/), state kept between runs, the emulator as Together on an accelerated clock.
// Serving, scaling, stopping, replacing and preview-time refusals; failures and drift are in the -drift file.
import * as fs from "node:fs";
import * as path from "node:path";
import { FineTuneJob } from "../../sdk/fine-tune-job";
import { TrainingFile } from "../../sdk/training-file";
import { DedicatedEndpoint } from "../../sdk/dedicated-endpoint";
import {
  H100,
  H100_HOURLY,
  TRAIN_JSONL,
  HOUR_MS,
  emu,
  client,
  root,
  project,
  program,
  failure,
  removeBehindPulumi,
  expectNoKeyLeak,
  config,
  ops,
  live,
  wireState,
  bodyOf,
  useEmulator,
} from "./fixtures/dedicated-endpoint/harness-setup";

useEmulator();

describe("DedicatedEndpoint lifecycle", () => {
  test("serves a catalogue model, shows its price, scales in place, and leaves nothing after destroy", async () => {
    const { h, stateFile } = project("basic");
    const mark = emu.requests.length;
    const preview = await h.preview(program({}), config());
    expect(ops(preview)).toEqual(["create(preview)"]);
    expect(preview.providerLog).toContain(
      `${H100} costs $3.36/h per replica, up to $3.36/h at 1 replica(s) while started`,
    );

    const up = await h.up(program({}), config());
    expect(ops(up)).toEqual(["create"]);
    const id = up.outputs.endpointId as string;
    expect(up.outputs).toMatchObject({
      state: "STARTED",
      liveState: "STARTED",
      hourlyPriceUsd: H100_HOURLY,
      displayName: "proj-dev-serve",
      autoscaling: { minReplicas: 1, maxReplicas: 1 },
    });
    expect(up.outputs.name).toMatch(/^emulator-user\/Qwen3-8B-[0-9a-f]{8}$/);
    expect(await wireState(id)).toBe("STARTED");
    expect(up.providerLog).toMatch(
      /is (PENDING|STARTING), waiting for STARTED, elapsed \d+ (ms|s|min)( \(time scale \d+\))?/,
    );

    const scaled = await h.up(program({ autoscaling: { minReplicas: 1, maxReplicas: 2 } }), config());
    expect(ops(scaled)).toEqual(["update"]);
    expect(scaled.outputs).toMatchObject({ endpointId: id, hourlyPriceUsd: 2 * H100_HOURLY });
    expect(live(id)?.autoscaling).toEqual({ min_replicas: 1, max_replicas: 2 });
    const posts = emu.requests.slice(mark).filter((r) => r.method === "POST" && r.path === "/v1/endpoints");
    expect(posts).toHaveLength(1);

    const before = emu.requests.length;
    const destroyed = await h.destroy(config());
    expect(ops(destroyed)).toEqual(["delete"]);
    expect(live(id)).toBeUndefined();
    expect(emu.summary()).toMatchObject({ endpointsLive: 0, endpointsBilling: 0 });
    // Stop, then delete, then confirm it is gone.
    const tail = emu.requests.slice(before).filter((r) => r.path === `/v1/endpoints/${id}`);
    const patch = tail.findIndex((r) => r.method === "PATCH" && bodyOf(r).state === "STOPPED");
    const del = tail.findIndex((r) => r.method === "DELETE");
    expect(patch).toBeGreaterThanOrEqual(0);
    expect(del).toBeGreaterThan(patch);
    expect(tail.slice(del + 1).some((r) => r.method === "GET" && r.status === 404)).toBe(true);
    expect(h.state().resources).toEqual([]);
    expectNoKeyLeak(stateFile, preview, up, scaled, destroyed);
  });

  test("state STOPPED then STARTED updates the same endpoint in place", async () => {
    const { h } = project("stop-start");
    const up = await h.up(program({}), config());
    const id = up.outputs.endpointId as string;

    const stopped = await h.up(program({ state: "STOPPED" }), config());
    expect(ops(stopped)).toEqual(["update"]);
    expect(stopped.outputs).toMatchObject({ endpointId: id, state: "STOPPED", liveState: "STOPPED" });
    expect(await wireState(id)).toBe("STOPPED");
    expect(emu.summary().endpointsBilling).toBe(0);

    const restarted = await h.up(program({ state: "STARTED" }), config());
    expect(ops(restarted)).toEqual(["update"]);
    expect(restarted.outputs).toMatchObject({ endpointId: id, state: "STARTED", liveState: "STARTED" });
    expect(await wireState(id)).toBe("STARTED");
    await client.endpoints.delete(id);
  });

  test("serves a fine-tuned model made by a completed job", async () => {
    const { h } = project("fine-tuned");
    const file = await client.files.upload({
      path: TRAIN_JSONL,
      fileName: "train.jsonl",
      purpose: "fine-tune",
      fileType: "jsonl",
    });
    await emu.idle();
    // Together shows a file's validation result a few (emulated) seconds after the bytes arrive.
    emu.clock.advance(60_000);
    const job = await client.fineTunes.create({
      training_file: file.id,
      model: "Qwen/Qwen3-0.6B",
      suffix: "serve",
    });
    emu.clock.advance(HOUR_MS);
    const done = await client.fineTunes.get(job.id);
    expect(done.status).toBe("completed");
    const tuned = done.model_output_name ?? "";
    expect(tuned).toMatch(/^emulator-user\/Qwen3-0\.6B-serve-[0-9a-f]{6}$/);

    const up = await h.up(program({ model: tuned, hardware: "1x_nvidia_l40s_48gb_pcie" }), config());
    expect(ops(up)).toEqual(["create"]);
    expect(up.outputs).toMatchObject({ state: "STARTED", hourlyPriceUsd: 2.1 });
    expect(live(up.outputs.endpointId as string)?.model).toBe(tuned);
    await removeBehindPulumi(h);
  });

  test("one program chains TrainingFile -> FineTuneJob -> DedicatedEndpoint", async () => {
    const { h } = project("chain");
    fs.copyFileSync(TRAIN_JSONL, path.join(root, "chain", "train.jsonl"));
    const chain = () => {
      const file = new TrainingFile("train", { source: path.join(root, "chain", "train.jsonl") });
      const job = new FineTuneJob("tune", {
        trainingFile: file.fileId,
        model: "Qwen/Qwen3-0.6B",
        waitFor: "completed",
      });
      const ep = new DedicatedEndpoint("serve", {
        model: job.outputModelName.apply((m) => m ?? ""),
        hardware: "1x_nvidia_l40s_48gb_pcie",
        maxHourlyPriceUsd: 3,
      });
      return { model: job.outputModelName, endpointId: ep.endpointId, name: ep.name, state: ep.state };
    };
    // In preview the job's output is unknown: the endpoint's hardware check waits for it, the price cap does not.
    const preview = await h.preview(chain, config());
    expect(ops(preview)).toEqual(["create(preview)", "create(preview)", "create(preview)"]);
    const up = await h.up(chain, config());
    expect(ops(up)).toEqual(["create", "create", "create"]);
    expect(up.outputs).toMatchObject({ state: "STARTED" });
    expect(live(up.outputs.endpointId as string)?.model).toBe(up.outputs.model);
    await h.destroy(config());
    expect(live(up.outputs.endpointId as string)).toBeUndefined();
  });

  test("a hardware change replaces create-before-delete: the new endpoint is started before the old is deleted", async () => {
    const { h } = project("replace");
    const first = await h.up(program({}), config());
    const oldId = first.outputs.endpointId as string;
    const mark = emu.requests.length;

    const replaced = await h.up(program({ hardware: "2x_nvidia_h100_80gb_sxm" }), config());
    expect(ops(replaced)).toEqual(["replace(create-before-delete)", "delete(replaced)"]);
    const newId = replaced.outputs.endpointId as string;
    expect(newId).not.toBe(oldId);
    expect(replaced.outputs.hourlyPriceUsd).toBe(2 * H100_HOURLY);

    const log = emu.requests.slice(mark);
    const created = log.findIndex((r) => r.method === "POST" && r.path === "/v1/endpoints");
    const firstOldTouch = log.findIndex((r) => r.path === `/v1/endpoints/${oldId}`);
    const oldDeleted = log.findIndex((r) => r.method === "DELETE" && r.path === `/v1/endpoints/${oldId}`);
    const newPolls = log.flatMap((r, i) =>
      r.method === "GET" && r.path === `/v1/endpoints/${newId}` ? [i] : [],
    );
    expect(created).toBeGreaterThanOrEqual(0);
    expect(firstOldTouch).toBeGreaterThan(created);
    expect(newPolls.filter((i) => i > created && i < firstOldTouch).length).toBeGreaterThan(0);
    expect(oldDeleted).toBeGreaterThan(firstOldTouch);
    // The provider saw the new endpoint STARTED before it began stopping the old one.
    const log2 = replaced.providerLog;
    expect(log2.indexOf(`endpoint ${newId} is STARTED after`)).toBeGreaterThanOrEqual(0);
    expect(log2.indexOf(`endpoint ${newId} is STARTED after`)).toBeLessThan(
      log2.indexOf(`stopping endpoint ${oldId}`),
    );
    expect(live(oldId)).toBeUndefined();
    expect(await wireState(newId)).toBe("STARTED");
    await removeBehindPulumi(h);
  });

  test("hardware the model cannot use fails the preview with the valid options, and nothing is created", async () => {
    const { h } = project("bad-hardware");
    const posts = () => emu.requests.filter((r) => r.method === "POST" && r.path === "/v1/endpoints").length;
    const before = posts();
    const err = await failure(
      h.preview(program({ model: "meta-llama/Llama-3.3-70B-Instruct-Reference", hardware: H100 }), config()),
    );
    expect(err.message).toContain(
      `DedicatedEndpoint "serve": hardware = "${H100}": is not offered for model "meta-llama/Llama-3.3-70B-Instruct-Reference", ` +
        `allowed one of the configurations Together offers for model "meta-llama/Llama-3.3-70B-Instruct-Reference": ` +
        `4x_nvidia_h100_80gb_sxm ($13.44/h per replica, available), 8x_nvidia_h100_80gb_sxm ($26.88/h per replica, available), ` +
        `8x_nvidia_h200_140gb_sxm ($39.84/h per replica, available). Fix: set hardware to one marked available`,
    );
    await failure(
      h.up(program({ model: "meta-llama/Llama-3.3-70B-Instruct-Reference", hardware: H100 }), config()),
    );
    expect(posts()).toBe(before);
    expect(h.state().resources).toEqual([]);

    emu.control.setHardwareAvailability("2x_nvidia_h100_80gb_sxm", "unavailable");
    try {
      const busy = await failure(h.preview(program({ hardware: "2x_nvidia_h100_80gb_sxm" }), config()));
      expect(busy.message).toContain(
        'is offered for model "Qwen/Qwen3-8B" but Together reports it unavailable right now',
      );
    } finally {
      emu.control.setHardwareAvailability("2x_nvidia_h100_80gb_sxm", "available");
    }
  });

  test("a price above maxHourlyPriceUsd fails the preview with both figures", async () => {
    const { h } = project("price-cap");
    const err = await failure(
      h.preview(program({ autoscaling: { minReplicas: 1, maxReplicas: 3 }, maxHourlyPriceUsd: 5 }), config()),
    );
    expect(err.message).toContain(
      `DedicatedEndpoint "serve": maxHourlyPriceUsd = 5: the endpoint would cost up to $10.08/h (3 x $3.36/h on ${H100}), ` +
        `above the cap of $5.00/h, allowed an hourly price of at most 5. Fix: lower autoscaling.maxReplicas, ` +
        `choose cheaper hardware, or raise maxHourlyPriceUsd to at least 10.08`,
    );
    expect(h.state().resources).toEqual([]);
    const ok = await h.preview(
      program({ autoscaling: { minReplicas: 1, maxReplicas: 1 }, maxHourlyPriceUsd: 5 }),
      config(),
    );
    expect(ops(ok)).toEqual(["create(preview)"]);
  });
});
