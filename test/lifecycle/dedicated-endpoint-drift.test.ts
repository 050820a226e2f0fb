// DedicatedEndpoint through the lifecycle harness: failures after create (ERROR, timeout), drift (auto-stop vs a
// stop by hand), per-stack names, the ambiguous create and adoption.
import {
  H100,
  MODEL,
  HOUR_MS,
  emu,
  client,
  project,
  program,
  failure,
  endpointNamed,
  removeBehindPulumi,
  config,
  ops,
  live,
  wireState,
  bodyOf,
  endpointRequests,
  useEmulator,
} from "./fixtures/dedicated-endpoint/harness-setup";

useEmulator();

describe("DedicatedEndpoint failures and drift", () => {
  test("ERROR while starting fails fast with Together's state, keeps the endpoint, and destroy removes it", async () => {
    const { h } = project("error");
    emu.control.setEndpointStartMs(10 * HOUR_MS);
    const run = h.up(program({ timeoutMinutes: 600, displayName: "proj-dev-error" }), config());
    const id = await endpointNamed("proj-dev-error");
    emu.control.setEndpointError(id, "replica crashed: CUDA out of memory");
    const mark = emu.requests.length;
    const err = await failure(run);
    // The wait (600 min, polled every minute or so at most) ends on the first poll that sees ERROR, not on
    // its deadline: after the error, the provider reads the endpoint once more at most (none when a poll
    // already in flight at the mark saw it) and sends nothing else.
    const afterError = emu.requests.slice(mark);
    expect(afterError.every((r) => r.method === "GET" && r.path === `/v1/endpoints/${id}`)).toBe(true);
    expect(afterError.length).toBeLessThanOrEqual(1);
    expect(err.message).toContain(
      `DedicatedEndpoint "serve": endpoint ${id} create failed: Together reports ERROR`,
    );
    expect(err.message).toContain("It is kept in the stack so that destroy removes it");
    const [entry] = h.state().resources;
    expect(entry?.id).toBe(id);
    expect(entry?.outputs).toMatchObject({ state: "ERROR", liveState: "ERROR" });
    await h.destroy(config());
    expect(live(id)).toBeUndefined();
    expect(h.state().resources).toEqual([]);
  });

  test("a timed-out wait keeps the endpoint and the next up resumes it without a second create", async () => {
    const { h } = project("timeout");
    emu.control.setEndpointStartMs(2 * HOUR_MS);
    const prog = program({ timeoutMinutes: 1, displayName: "proj-dev-timeout" });
    const err = await failure(h.up(prog, config()));
    const [entry] = h.state().resources;
    const id = entry?.id ?? "";
    expect(err.message).toContain(
      `DedicatedEndpoint "serve": endpoint ${id} did not reach STARTED within 1 min (last state PENDING). ` +
        "It is kept in the stack; run up again to resume waiting, or raise timeoutMinutes",
    );
    expect(entry?.outputs).toMatchObject({ state: "PENDING", endpointId: id });

    emu.clock.advance(2 * HOUR_MS);
    const resumed = await h.up(prog, config());
    expect(ops(resumed)).toEqual(["update"]);
    expect(resumed.outputs).toMatchObject({ endpointId: id, state: "STARTED" });
    const posts = endpointRequests().filter(
      (r) => r.method === "POST" && bodyOf(r).display_name === "proj-dev-timeout",
    );
    expect(posts).toHaveLength(1);
    await removeBehindPulumi(h);
  });

  test("an endpoint stopped by its inactivity timeout stays stopped through refresh and up", async () => {
    const { h } = project("auto-stop");
    const up = await h.up(program({ inactiveTimeoutMinutes: 15 }), config());
    const id = up.outputs.endpointId as string;
    const post = emu.requests.filter((r) => r.method === "POST" && r.path === "/v1/endpoints").pop();
    expect(post?.body).toMatchObject({ display_name: "proj-dev-serve", inactive_timeout: 15 });
    emu.control.stopEndpointForInactivity(id);

    const refreshed = await h.refresh(config());
    expect(ops(refreshed)).toEqual(["refresh(drift)"]);
    expect(refreshed.providerLog).toContain("stopped by its inactivity timeout; not treated as drift");
    expect(h.state().resources[0]?.outputs).toMatchObject({ state: "STARTED", liveState: "STOPPED" });

    const mark = emu.requests.length;
    expect(ops(await h.up(program({ inactiveTimeoutMinutes: 15 }), config()))).toEqual(["same"]);
    // A rescale while idle does not restart it either.
    const rescaled = await h.up(
      program({ inactiveTimeoutMinutes: 15, autoscaling: { maxReplicas: 2 } }),
      config(),
    );
    expect(ops(rescaled)).toEqual(["update"]);
    expect(rescaled.providerLog).toContain("left stopped (not restarted)");
    const patches = emu.requests.slice(mark).filter((r) => r.method === "PATCH");
    expect(patches.map((r) => r.body)).toEqual([{ autoscaling: { min_replicas: 1, max_replicas: 2 } }]);
    expect(await wireState(id)).toBe("STOPPED");
    expect(emu.summary().endpointsBilling).toBe(0);
    await removeBehindPulumi(h);
  });

  test("an endpoint stopped or rescaled by hand is drift: refresh records it and up restores the declaration", async () => {
    const { h } = project("manual-stop");
    const prog = program({ inactiveTimeoutMinutes: 0, autoscaling: { minReplicas: 1, maxReplicas: 2 } });
    const up = await h.up(prog, config());
    const id = up.outputs.endpointId as string;
    await client.endpoints.update(id, {
      state: "STOPPED",
      autoscaling: { min_replicas: 1, max_replicas: 1 },
    });
    emu.clock.advance(60_000);
    expect(await wireState(id)).toBe("STOPPED");

    const refreshed = await h.refresh(config());
    expect(ops(refreshed)).toEqual(["refresh(drift)"]);
    expect(h.state().resources[0]?.outputs).toMatchObject({
      state: "STOPPED",
      liveState: "STOPPED",
      autoscaling: { minReplicas: 1, maxReplicas: 1 },
    });
    const restored = await h.up(prog, config());
    expect(ops(restored)).toEqual(["update"]);
    expect(restored.outputs).toMatchObject({
      endpointId: id,
      state: "STARTED",
      autoscaling: { minReplicas: 1, maxReplicas: 2 },
    });
    expect(await wireState(id)).toBe("STARTED");
    expect(live(id)?.autoscaling).toEqual({ min_replicas: 1, max_replicas: 2 });
    await removeBehindPulumi(h);
  });

  test("two stacks of one program get distinct display names and endpoints", async () => {
    const a = project("stacks", "dev");
    const b = project("stacks", "feature_login");
    const upA = await a.h.up(program({}), config());
    const upB = await b.h.up(program({}), config());
    expect(upA.outputs.displayName).toBe("proj-dev-serve");
    expect(upB.outputs.displayName).toMatch(/^proj-feature-login-serve-[0-9a-f]{8}$/);
    expect(upA.outputs.endpointId).not.toBe(upB.outputs.endpointId);
    expect(live(upA.outputs.endpointId as string)?.displayName).toBe("proj-dev-serve");
    expect(live(upB.outputs.endpointId as string)?.displayName).toBe(upB.outputs.displayName);
    await a.h.destroy(config());
    expect(live(upB.outputs.endpointId as string)).toBeDefined();
    await removeBehindPulumi(b.h);
  });

  test("an ambiguous create (connection reset after commit) ends with exactly one endpoint", async () => {
    const { h } = project("ambiguous");
    const created = () => [...emu.store.endpoints.values()].filter((e) => e.displayName === "proj-dev-once");
    emu.faults.add({ method: "POST", path: "/v1/endpoints", action: { type: "reset", phase: "after" } });
    const up = await h.up(program({ displayName: "proj-dev-once" }), config());
    expect(emu.faults.injected).toBe(1);
    expect(ops(up)).toEqual(["create"]);
    expect(up.providerLog).toContain("adopted endpoint");
    expect(created()).toHaveLength(1);
    expect(up.outputs).toMatchObject({ endpointId: created()[0]?.id, state: "STARTED" });
    await removeBehindPulumi(h);
  });

  test("adoptEndpointId brings an existing endpoint under management and converges it", async () => {
    const { h } = project("adopt");
    const existing = await client.endpoints.create({
      model: MODEL,
      hardware: H100,
      autoscaling: { min_replicas: 1, max_replicas: 1 },
      display_name: "made-by-hand",
      state: "STOPPED",
    });
    const up = await h.up(program({ adoptEndpointId: existing.id }), config());
    expect(ops(up)).toEqual(["create"]);
    expect(up.outputs).toMatchObject({
      endpointId: existing.id,
      displayName: "proj-dev-serve",
      state: "STARTED",
    });
    expect(await wireState(existing.id)).toBe("STARTED");
    // Dropping the argument after adoption changes nothing.
    expect(ops(await h.up(program({}), config()))).toEqual(["same"]);
    await h.destroy(config());
    expect(live(existing.id)).toBeUndefined();
  });
});
