import { AuthenticationError } from "../../../provider/client";
import { lifecycle } from "../../../provider/resources/dedicated-endpoint/lifecycle";
import { UNKNOWN, type ProviderContext } from "../../../provider/shared/types";

const H100 = "1x_nvidia_h100_80gb_sxm";
const hardware = [
  { id: H100, cents: 6.65, status: "available" },
  { id: "2x_nvidia_h100_80gb_sxm", cents: 13.3, status: "insufficient" },
  { id: "1x_nvidia_l40s_48gb_pcie", cents: 2.5, status: "unavailable" },
].map((h) => ({
  object: "hardware",
  id: h.id,
  pricing: { cents_per_minute: h.cents },
  specs: { gpu_type: "h100-80gb", gpu_link: "sxm", gpu_memory: 80, gpu_count: 1 },
  updated_at: "2026-01-01T00:00:00Z",
  availability: { status: h.status },
}));

function fakeContext(answer: "ok" | "down" = "ok") {
  const queries: { model?: string }[] = [];
  const logs: string[] = [];
  const ctx: ProviderContext = {
    client: () =>
      ({
        hardware: {
          list: async (q: { model?: string }) => {
            queries.push(q);
            if (answer === "down") throw new Error("connect ECONNREFUSED 127.0.0.1:9");
            return q.model === undefined ? hardware.map(({ availability: _a, ...h }) => h) : hardware;
          },
        },
      }) as never,
    log: {
      info: (m) => logs.push(`info ${m}`),
      warn: (m) => logs.push(`warn ${m}`),
      error: (m) => logs.push(`error ${m}`),
    },
    timeScale: 1,
    secrets: { add: () => undefined },
  };
  return { ctx, queries, logs };
}

const base = { logicalName: "ep", model: "Qwen/Qwen3-8B", hardware: H100, displayName: "proj-dev-ep" };
const who = 'DedicatedEndpoint "ep"';
const offered =
  `1x_nvidia_l40s_48gb_pcie ($1.50/h per replica, unavailable), ${H100} ($3.99/h per replica, available), ` +
  `2x_nvidia_h100_80gb_sxm ($7.98/h per replica, insufficient)`;

const badInputs: [string, Record<string, unknown>, string, string][] = [
  [
    "model missing",
    { model: undefined },
    "model",
    `${who}: model = (not set): is required but not set. Fix: set model`,
  ],
  [
    "model empty",
    { model: "" },
    "model",
    `${who}: model = "": is too short, allowed at least 1 characters. Fix: make model at least 1 characters`,
  ],
  [
    "hardware missing",
    { hardware: undefined },
    "hardware",
    `${who}: hardware = (not set): is required but not set. Fix: set hardware`,
  ],
  [
    "hardware malformed",
    { hardware: "h100" },
    "hardware",
    `${who}: hardware = "h100": is not a hardware id, allowed <gpu count>x_<vendor>_<gpu>_<memory>_<link> such as ` +
      `1x_nvidia_h100_80gb_sxm. Fix: pick an id from GET /hardware?model=<your model>`,
  ],
  [
    "negative minReplicas",
    { autoscaling: { minReplicas: -1 } },
    "autoscaling.minReplicas",
    `${who}: autoscaling.minReplicas = -1: is too small, allowed at least 0. Fix: make autoscaling.minReplicas at least 0`,
  ],
  [
    "fractional minReplicas",
    { autoscaling: { minReplicas: 1.5 } },
    "autoscaling.minReplicas",
    `${who}: autoscaling.minReplicas = 1.5: is a number, allowed an int. Fix: give autoscaling.minReplicas an int value`,
  ],
  [
    "maxReplicas below minReplicas",
    { autoscaling: { minReplicas: 3, maxReplicas: 2 } },
    "autoscaling.maxReplicas",
    `${who}: autoscaling.maxReplicas = 2: is less than autoscaling.minReplicas (3), allowed 3 or more. ` +
      `Fix: set autoscaling.maxReplicas to at least 3, or lower autoscaling.minReplicas`,
  ],
  [
    "zero maxReplicas",
    { autoscaling: { minReplicas: 0, maxReplicas: 0 } },
    "autoscaling.maxReplicas",
    `${who}: autoscaling.maxReplicas = 0: is too small, allowed at least 1. Fix: make autoscaling.maxReplicas at least 1`,
  ],
  [
    "autoscaling not an object",
    { autoscaling: "two" },
    "autoscaling",
    `${who}: autoscaling = "two": is a string, allowed an object. Fix: give autoscaling an object value`,
  ],
  [
    "unknown state",
    { state: "RUNNING" },
    "state",
    `${who}: state = "RUNNING": is not allowed, allowed one of "STARTED", "STOPPED". Fix: set state to one of "STARTED", "STOPPED"`,
  ],
  [
    "negative inactive timeout",
    { inactiveTimeoutMinutes: -5 },
    "inactiveTimeoutMinutes",
    `${who}: inactiveTimeoutMinutes = -5: is too small, allowed at least 0. Fix: make inactiveTimeoutMinutes at least 0`,
  ],
  [
    "fractional inactive timeout",
    { inactiveTimeoutMinutes: 2.5 },
    "inactiveTimeoutMinutes",
    `${who}: inactiveTimeoutMinutes = 2.5: is a number, allowed an int. Fix: give inactiveTimeoutMinutes an int value`,
  ],
  [
    "display name with a slash",
    { displayName: "a/b" },
    "displayName",
    `${who}: displayName = "a/b": is not a valid display name, allowed 1-100 letters, digits, spaces, ".", "_" or "-". ` +
      `Fix: shorten it or replace the other characters (or omit it for the default <project>-<stack>-<name>)`,
  ],
  [
    "display name too long",
    { displayName: "x".repeat(101) },
    "displayName",
    `${who}: displayName = "${"x".repeat(76)}...: is not a valid display name, allowed 1-100 letters, digits, spaces, ` +
      `".", "_" or "-". Fix: shorten it or replace the other characters (or omit it for the default <project>-<stack>-<name>)`,
  ],
  [
    "zero timeout",
    { timeoutMinutes: 0 },
    "timeoutMinutes",
    `${who}: timeoutMinutes = 0: is too small, allowed at least 1. Fix: make timeoutMinutes at least 1`,
  ],
  [
    "timeout over a day",
    { timeoutMinutes: 2000 },
    "timeoutMinutes",
    `${who}: timeoutMinutes = 2000: is too big, allowed at most 1440. Fix: make timeoutMinutes at most 1440`,
  ],
  [
    "zero price cap",
    { maxHourlyPriceUsd: 0 },
    "maxHourlyPriceUsd",
    `${who}: maxHourlyPriceUsd = 0: is too small, allowed more than 0. Fix: make maxHourlyPriceUsd more than 0`,
  ],
  [
    "adopt id of the wrong shape",
    { adoptEndpointId: "ep-123" },
    "adoptEndpointId",
    `${who}: adoptEndpointId = "ep-123": is not an endpoint id, allowed "endpoint-" followed by letters, digits and ` +
      `dashes. Fix: copy the id from the Together console or GET /endpoints`,
  ],
  [
    "waitForReady as a string",
    { waitForReady: "yes" },
    "waitForReady",
    `${who}: waitForReady = "yes": is a string, allowed a boolean. Fix: give waitForReady a boolean value`,
  ],
  [
    "availability zone with spaces",
    { availabilityZone: "US Central" },
    "availabilityZone",
    `${who}: availabilityZone = "US Central": is not an availability zone name, allowed lower-case letters, digits ` +
      `and dashes such as us-central-4b. Fix: pick one from GET /clusters/availability-zones, or omit it`,
  ],
  [
    "speculative decoding as a number",
    { disableSpeculativeDecoding: 1 },
    "disableSpeculativeDecoding",
    `${who}: disableSpeculativeDecoding = 1: is a number, allowed a boolean. Fix: give disableSpeculativeDecoding a boolean value`,
  ],
  [
    "hardware not offered for the model",
    { hardware: "4x_nvidia_h100_80gb_sxm" },
    "hardware",
    `${who}: hardware = "4x_nvidia_h100_80gb_sxm": is not offered for model "Qwen/Qwen3-8B", allowed one of the ` +
      `configurations Together offers for model "Qwen/Qwen3-8B": ${offered}. Fix: set hardware to one marked available`,
  ],
  [
    "hardware without capacity",
    { hardware: "2x_nvidia_h100_80gb_sxm" },
    "hardware",
    `${who}: hardware = "2x_nvidia_h100_80gb_sxm": is offered for model "Qwen/Qwen3-8B" but Together reports it ` +
      `insufficient right now, allowed one marked available of: ${offered}. Fix: choose one marked available, or retry later`,
  ],
  [
    "price above the cap",
    { maxHourlyPriceUsd: 5, autoscaling: { minReplicas: 1, maxReplicas: 2 } },
    "maxHourlyPriceUsd",
    `${who}: maxHourlyPriceUsd = 5: the endpoint would cost up to $7.98/h (2 x $3.99/h on ${H100}), above the cap ` +
      `of $5.00/h, allowed an hourly price of at most 5. Fix: lower autoscaling.maxReplicas, choose cheaper hardware, ` +
      `or raise maxHourlyPriceUsd to at least 7.98`,
  ],
];

describe("DedicatedEndpoint check: bad inputs", () => {
  test.each(badInputs)("%s", async (_label, change, property, reason) => {
    const { ctx } = fakeContext();
    const r = await lifecycle.check({}, { ...base, ...change }, ctx);
    expect(r.failures).toEqual([{ property, reason }]);
  });

  test("every problem is reported at once", async () => {
    const { ctx, queries } = fakeContext();
    const r = await lifecycle.check(
      {},
      { ...base, state: "on", autoscaling: { minReplicas: 4, maxReplicas: 2 }, timeoutMinutes: 0 },
      ctx,
    );
    expect(r.failures?.map((f) => f.property).sort()).toEqual([
      "autoscaling.maxReplicas",
      "state",
      "timeoutMinutes",
    ]);
    // Invalid inputs never reach the API.
    expect(queries).toEqual([]);
  });
});

describe("DedicatedEndpoint check: valid inputs", () => {
  test("applies defaults, adds the hourly price and logs it", async () => {
    const { ctx, queries, logs } = fakeContext();
    const r = await lifecycle.check({}, { ...base, autoscaling: { minReplicas: 2 }, __provider: "x" }, ctx);
    expect(r.failures).toEqual([]);
    expect(r.inputs).toEqual({
      ...base,
      autoscaling: { minReplicas: 2, maxReplicas: 2 },
      state: "STARTED",
      inactiveTimeoutMinutes: 60,
      disableSpeculativeDecoding: false,
      waitForReady: true,
      timeoutMinutes: 60,
      hourlyPriceUsd: 7.98,
    });
    expect(queries).toEqual([{ model: "Qwen/Qwen3-8B" }]);
    expect(logs).toEqual([
      `info ${who}: ${H100} costs $3.99/h per replica, up to $7.98/h at 2 replica(s) while started`,
    ]);
  });

  test("zero minimum replicas defaults the maximum to one", async () => {
    const { ctx } = fakeContext();
    const r = await lifecycle.check({}, { ...base, autoscaling: { minReplicas: 0 } }, ctx);
    expect(r.inputs?.autoscaling).toEqual({ minReplicas: 0, maxReplicas: 1 });
  });

  test("an existing endpoint keeps hardware that is short of capacity; a new one may not", async () => {
    const { ctx, logs } = fakeContext();
    const news = { ...base, hardware: "2x_nvidia_h100_80gb_sxm" };
    const existing = await lifecycle.check(news, news, ctx);
    expect(existing.failures).toEqual([]);
    expect(logs[0]).toBe(
      `warn ${who}: Together reports 2x_nvidia_h100_80gb_sxm insufficient for Qwen/Qwen3-8B`,
    );
    expect((await lifecycle.check({ ...news, hardware: H100 }, news, ctx)).failures).toHaveLength(1);
  });

  test("a model unknown at preview skips the model check but still prices the hardware", async () => {
    const { ctx, queries } = fakeContext();
    const ok = await lifecycle.check({}, { ...base, model: UNKNOWN }, ctx);
    expect(ok.failures).toEqual([]);
    expect(ok.inputs).toMatchObject({ model: UNKNOWN, hourlyPriceUsd: 3.99 });
    expect(queries).toEqual([{}]);
    const capped = await lifecycle.check({}, { ...base, model: UNKNOWN, maxHourlyPriceUsd: 1 }, ctx);
    expect(capped.failures?.map((f) => f.property)).toEqual(["maxHourlyPriceUsd"]);
  });

  test("unknown hardware or replicas skip what depends on them and stay unknown", async () => {
    const { ctx, queries } = fakeContext();
    const r = await lifecycle.check(
      {},
      { ...base, hardware: UNKNOWN, autoscaling: { minReplicas: UNKNOWN } },
      ctx,
    );
    expect(r.failures).toEqual([]);
    expect(r.inputs).toMatchObject({ hardware: UNKNOWN, autoscaling: { minReplicas: UNKNOWN } });
    expect(queries).toEqual([]);
    const whole = await lifecycle.check({}, { ...base, autoscaling: UNKNOWN }, ctx);
    expect(whole.inputs?.autoscaling).toBe(UNKNOWN);
    expect(whole.inputs?.hourlyPriceUsd).toBeUndefined();
  });

  test("an API that does not answer is a warning, not a failure", async () => {
    const { ctx, logs } = fakeContext("down");
    const r = await lifecycle.check({}, base, ctx);
    expect(r.failures).toEqual([]);
    expect(r.inputs?.hourlyPriceUsd).toBeUndefined();
    expect(logs).toEqual([
      `warn ${who}: could not check hardware ${H100} with the API (connect ECONNREFUSED 127.0.0.1:9); create will check it`,
    ]);
  });
});

describe("a model still being trained in this stack (unknown at preview) is checked against its base model", () => {
  const training = { ...base, model: UNKNOWN, baseModel: "Qwen/Qwen3-0.6B" };

  it("asks for the base model's hardware, prices it, and keeps the model unknown", async () => {
    const { ctx, queries, logs } = fakeContext();
    const r = await lifecycle.check({}, training, ctx);
    expect(r.failures ?? []).toEqual([]);
    expect(queries).toEqual([{ model: "Qwen/Qwen3-0.6B" }]);
    expect(r.inputs).toMatchObject({ model: UNKNOWN, hourlyPriceUsd: 3.99 });
    expect(logs.join("\n")).toMatch(/costs \$3\.99\/h per replica/);
  });

  it("fails the preview on hardware that is not available for the base model", async () => {
    const { ctx } = fakeContext();
    const r = await lifecycle.check({}, { ...training, hardware: "1x_nvidia_l40s_48gb_pcie" }, ctx);
    expect(r.failures?.map((f) => f.property)).toEqual(["hardware"]);
    expect(r.failures?.[0]?.reason).toMatch(/for model "Qwen\/Qwen3-0\.6B"/);
  });

  it("gates maxHourlyPriceUsd at preview", async () => {
    const { ctx } = fakeContext();
    const r = await lifecycle.check({}, { ...training, maxHourlyPriceUsd: 1 }, ctx);
    expect(r.failures?.map((f) => f.property)).toEqual(["maxHourlyPriceUsd"]);
  });

  it("a key Together refuses fails the check with the fix", async () => {
    const ctx: ProviderContext = {
      ...fakeContext().ctx,
      client: () =>
        ({
          hardware: {
            list: async () => {
              throw new AuthenticationError({
                method: "GET",
                path: "/v1/hardware",
                status: 401,
                apiMessage: "Invalid API key",
              });
            },
          },
        }) as never,
    };
    const r = await lifecycle.check({}, training, ctx);
    expect(r.failures).toEqual([
      {
        property: "",
        reason: expect.stringMatching(
          /^DedicatedEndpoint "ep": Together refused the API key .*Fix: `pulumi config set --secret together:apiKey/,
        ),
      },
    ]);
  });
});
