// DedicatedEndpoint on Together's v2 platform through the lifecycle harness: real programs using the SDK classes,
// the real dynamic-provider process (running dist/), state kept between runs. With together:projectId set, one
// program goes file -> job -> endpoint + deployment, then scales, stops, starts, rolls out new hardware behind
// the same endpoint and is destroyed to nothing live or billing; bad v2 inputs (and a v2-only input without a project) fail preview and create nothing.
import * as fs from "node:fs";
import * as path from "node:path";
import { DedicatedEndpoint, type DedicatedEndpointArgs } from "../../sdk/dedicated-endpoint";
import { FineTuneJob } from "../../sdk/fine-tune-job";
import { TrainingFile } from "../../sdk/training-file";
import type { RunOptions } from "../../testing/harness";
import {
  API_KEY,
  H100,
  H100_HOURLY,
  TRAIN_JSONL,
  emu,
  root,
  project,
  program,
  failure,
  expectNoKeyLeak,
  config,
  ops,
  useEmulator,
} from "./fixtures/dedicated-endpoint/harness-setup";

useEmulator();

const v2Config = (): RunOptions => ({
  ...config(),
  config: { ...config().config, "together:projectId": emu.projectId },
});

/** What changed: the file and the job stay `same` after the first up. */
const changed = (r: { ops: { op: string }[] }) => ops(r).filter((op) => op !== "same");

const v2Posts = () =>
  emu.requests.filter((r) => r.method === "POST" && r.path.startsWith("/v2/projects/")).length;

describe("DedicatedEndpoint lifecycle on v2", () => {
  test("file -> job -> endpoint on v2 -> scale -> stop -> start -> new hardware -> destroy, nothing live or billing", async () => {
    const { h, stateFile } = project("v2-chain");
    fs.copyFileSync(TRAIN_JSONL, path.join(root, "v2-chain", "train.jsonl"));
    const chain = (args: Partial<DedicatedEndpointArgs>) => () => {
      const file = new TrainingFile("train", { source: path.join(root, "v2-chain", "train.jsonl") });
      const job = new FineTuneJob("tune", {
        trainingFile: file.fileId,
        model: "Qwen/Qwen3-0.6B",
        waitFor: "completed",
      });
      const ep = new DedicatedEndpoint("serve", {
        model: job,
        hardware: H100,
        maxHourlyPriceUsd: 10,
        ...args,
      });
      return {
        model: job.outputModelName,
        endpointId: ep.endpointId,
        deploymentId: ep.deploymentId,
        name: ep.name,
        state: ep.state,
        liveState: ep.liveState,
        hourlyPriceUsd: ep.hourlyPriceUsd,
      };
    };
    // Preview: the job's model is unknown, so the config and the price come from its base model.
    const preview = await h.preview(chain({}), v2Config());
    expect(ops(preview)).toEqual(["create(preview)", "create(preview)", "create(preview)"]);
    expect(preview.providerLog).toContain(`v2 project ${emu.projectId}: ${H100} costs $3.36/h per replica`);

    const up = await h.up(chain({}), v2Config());
    expect(ops(up)).toEqual(["create", "create", "create"]);
    expect(up.outputs).toMatchObject({
      name: "emulator-user/proj-dev-serve",
      deploymentId: expect.stringMatching(/^dep/),
      state: "STARTED",
      liveState: "DEPLOYMENT_STATE_READY",
      hourlyPriceUsd: H100_HOURLY,
    });
    expect(emu.summary()).toMatchObject({ v2EndpointsLive: 1, deploymentsBilling: 1, endpointsLive: 0 });

    const scaled = await h.up(chain({ autoscaling: { minReplicas: 1, maxReplicas: 2 } }), v2Config());
    expect(changed(scaled)).toEqual(["update"]);
    expect(scaled.outputs).toMatchObject({
      hourlyPriceUsd: 2 * H100_HOURLY,
      deploymentId: up.outputs.deploymentId,
    });

    const stopped = await h.up(
      chain({ autoscaling: { minReplicas: 1, maxReplicas: 2 }, state: "STOPPED" }),
      v2Config(),
    );
    expect(changed(stopped)).toEqual(["update"]);
    expect(stopped.outputs).toMatchObject({ state: "STOPPED", liveState: "DEPLOYMENT_STATE_STOPPED" });
    expect(emu.summary()).toMatchObject({ v2EndpointsLive: 1, deploymentsBilling: 0 });

    const started = await h.up(chain({ autoscaling: { minReplicas: 1, maxReplicas: 2 } }), v2Config());
    expect(changed(started)).toEqual(["update"]);
    expect(started.outputs).toMatchObject({ state: "STARTED", liveState: "DEPLOYMENT_STATE_READY" });
    expect(emu.summary().deploymentsBilling).toBe(1);

    // New hardware: a new deployment behind the same endpoint and name, traffic moved, the old one deleted.
    const rolled = await h.up(chain({ hardware: "2x_nvidia_h100_80gb_sxm" }), v2Config());
    expect(changed(rolled)).toEqual(["update"]);
    expect(rolled.outputs).toMatchObject({
      endpointId: up.outputs.endpointId,
      name: "emulator-user/proj-dev-serve",
      liveState: "DEPLOYMENT_STATE_READY",
      hourlyPriceUsd: 2 * H100_HOURLY,
    });
    expect(rolled.outputs.deploymentId).not.toBe(up.outputs.deploymentId);
    expect(emu.summary()).toMatchObject({ v2EndpointsLive: 1, deploymentsLive: 1, deploymentsBilling: 1 });

    const destroyed = await h.destroy(v2Config());
    expect(ops(destroyed)).toEqual(["delete", "delete", "delete"]);
    expect(emu.summary()).toMatchObject({ v2EndpointsLive: 0, deploymentsBilling: 0, deploymentsLive: 0 });
    expect(h.state().resources).toEqual([]);
    expectNoKeyLeak(stateFile, preview, up, scaled, stopped, started, rolled, destroyed);
    expect(fs.readFileSync(stateFile, "utf8")).not.toContain(API_KEY);
  });

  test("setting together:projectId replaces a v1 endpoint with a v2 one (started before the v1 one is deleted)", async () => {
    const { h } = project("v2-switch");
    const v1 = await h.up(program({}), config());
    expect(emu.summary()).toMatchObject({ endpointsLive: 1, v2EndpointsLive: 0 });
    const switched = await h.up(program({}), v2Config());
    expect(ops(switched)).toEqual(["replace(create-before-delete)", "delete(replaced)"]);
    expect(switched.outputs.name).toBe("emulator-user/proj-dev-serve");
    expect(switched.outputs.endpointId).not.toBe(v1.outputs.endpointId);
    expect(emu.summary()).toMatchObject({ endpointsLive: 0, v2EndpointsLive: 1, deploymentsBilling: 1 });
    await h.destroy(config());
    expect(emu.summary()).toMatchObject({ endpointsLive: 0, v2EndpointsLive: 0, deploymentsBilling: 0 });
  });

  test("bad v2 inputs fail preview with resource, field, value and fix, and create nothing", async () => {
    const { h } = project("v2-bad");
    const before = v2Posts();
    const unknown = await failure(h.preview(program({ model: "acme/no-such-model" }), v2Config()));
    expect(unknown.message).toMatch(/DedicatedEndpoint "serve": model = "acme\/no-such-model": .*Fix: /);
    const replicas = await failure(
      h.preview(program({ autoscaling: { minReplicas: 3, maxReplicas: 2 } }), v2Config()),
    );
    expect(replicas.message).toMatch(/DedicatedEndpoint "serve": autoscaling.maxReplicas = 2: .*Fix: /);
    const hardware = await failure(h.preview(program({ hardware: "8x_nvidia_b200_192gb_sxm" }), v2Config()));
    expect(hardware.message).toMatch(
      /DedicatedEndpoint "serve": hardware = "8x_nvidia_b200_192gb_sxm": .*Fix: /,
    );
    // Without a project, a v2-only input says how to get one.
    const noProject = await failure(h.preview(program({ visibility: "VISIBILITY_INTERNAL" }), config()));
    expect(noProject.message).toContain(
      'DedicatedEndpoint "serve": visibility = "VISIBILITY_INTERNAL": is a setting of Together\'s v2 endpoints platform',
    );
    expect(noProject.message).toContain("Fix: `pulumi config set together:projectId <project id>`");
    expect(v2Posts()).toBe(before);
    expect(emu.summary()).toMatchObject({ v2EndpointsLive: 0, endpointsLive: 0 });
  });
});
