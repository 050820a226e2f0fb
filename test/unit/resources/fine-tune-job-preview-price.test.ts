// FineTuneJob check() while the file id is unknown (a fresh stack's preview): the local price estimate,
// Together's rate from the stack's earlier file, the maxPriceUsd gate on it, and a refused key.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { AuthenticationError, type TogetherClient, type WireEstimatePrice } from "../../../provider/client";
import { datasetTokens } from "../../../provider/estimate/dataset-tokens";
import { lifecycle } from "../../../provider/resources/fine-tune-job/lifecycle";
import { UNKNOWN, type ProviderContext } from "../../../provider/shared/types";

const logs: string[] = [];
const estimates: Record<string, unknown>[] = [];
let dir: string;
let dataset: string;

function context(opts: { estimate?: WireEstimatePrice; refuseKey?: boolean } = {}): ProviderContext {
  const refused = () =>
    new AuthenticationError({
      method: "POST",
      path: "/v1/fine-tunes/estimate-price",
      status: 401,
      apiMessage: "Invalid API key",
    });
  const fineTunes = {
    modelLimits: async () => {
      if (opts.refuseKey) throw refused();
      throw new Error("offline: limits from the shipped catalogue");
    },
    estimatePrice: async (body: Record<string, unknown>) => {
      estimates.push(body);
      if (opts.refuseKey) throw refused();
      if (opts.estimate === undefined) throw new Error("offline");
      return opts.estimate;
    },
  };
  return {
    client: () => ({ fineTunes }) as unknown as TogetherClient,
    log: {
      info: (m) => logs.push(m),
      warn: (m) => logs.push(`warn ${m}`),
      error: (m) => logs.push(`error ${m}`),
    },
    timeScale: 1,
    secrets: { add: () => undefined },
  };
}

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "preview-price-"));
  dataset = path.join(dir, "train.jsonl");
  const rows = Array.from({ length: 20 }, (_, i) =>
    JSON.stringify({
      messages: [
        { role: "user", content: `q${i}` },
        { role: "assistant", content: `answer number ${i}` },
      ],
    }),
  );
  fs.writeFileSync(dataset, rows.join("\n") + "\n");
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
beforeEach(() => {
  logs.length = 0;
  estimates.length = 0;
});

const news = (extra: Record<string, unknown> = {}) => ({
  logicalName: "tune",
  model: "Qwen/Qwen3-0.6B",
  trainingFile: UNKNOWN,
  trainingFileSource: dataset,
  nEpochs: 2,
  suffix: "dev-tune",
  ...extra,
});

test("a fresh stack: priced from the local dataset at the shipped rate, without asking Together", async () => {
  const tokens = (await datasetTokens(dataset, "Qwen/Qwen3-0.6B")).tokens;
  const r = await lifecycle.check({}, news(), context());
  expect(r.failures ?? []).toEqual([]);
  expect(r.inputs).toMatchObject({ estimateKind: "local", trainingFile: UNKNOWN });
  expect(r.inputs!.estimatedPriceUsd).toBeCloseTo(2 * tokens * 0.48e-6, 8);
  expect(estimates).toEqual([]);
  expect(logs.join("\n")).toMatch(
    /tune": ≈ \$\S+ \(local estimate: [\d,]+ tokens × 2 epochs at up to 16B, LoRA SFT/,
  );
});

test("a changed dataset: Together's rate from its estimate on the stack's earlier file", async () => {
  const tokens = (await datasetTokens(dataset, "Qwen/Qwen3-0.6B")).tokens;
  const olds = { ...news(), trainingFile: "file-earlier" };
  const ctx = context({
    estimate: {
      estimation_available: true,
      estimated_total_price: 2,
      estimated_train_token_count: 1000,
      estimated_eval_token_count: 0,
      allowed_to_proceed: true,
    },
  });
  const r = await lifecycle.check(olds, news(), ctx);
  expect(estimates).toHaveLength(1);
  expect(estimates[0]).toMatchObject({ training_file: "file-earlier", model: "Qwen/Qwen3-0.6B" });
  expect(r.inputs!.estimatedPriceUsd).toBeCloseTo(2 * tokens * 0.002, 6);
  expect(logs.join("\n")).toMatch(/Together's rate from its estimate on the stack's earlier file/);
});

test("maxPriceUsd below the local estimate fails the preview on maxPriceUsd, with the estimate and the fix", async () => {
  const r = await lifecycle.check({}, news({ maxPriceUsd: 0.000001 }), context());
  expect(r.failures).toHaveLength(1);
  expect(r.failures![0]!.property).toBe("maxPriceUsd");
  expect(r.failures![0]!.reason).toMatch(
    /^FineTuneJob "tune": the job would cost more than maxPriceUsd \$\S+: ≈ \$\S+ \(local estimate: .*Nothing was uploaded or started\. Fix: raise maxPriceUsd/,
  );
});

test("checks still run while trainingFile is unknown: a bad batch size fails", async () => {
  const r = await lifecycle.check({}, news({ batchSize: 512 }), context());
  expect(r.failures?.map((f) => f.property)).toContain("batchSize");
});

test("without the dataset's path (a bare file id input), preview says the price comes at create", async () => {
  const { trainingFileSource: _, ...bare } = news();
  const r = await lifecycle.check({}, bare, context());
  expect(r.failures ?? []).toEqual([]);
  expect(r.inputs!.estimatedPriceUsd).toBeUndefined();
  expect(logs.join("\n")).toMatch(/estimated at create.*pass the TrainingFile itself/);
});

test("a key Together refuses fails the check with the fix", async () => {
  const r = await lifecycle.check(
    {},
    { ...news(), trainingFile: "file-known" },
    context({ refuseKey: true }),
  );
  expect(r.failures).toEqual([
    {
      property: "",
      reason: expect.stringMatching(
        /^FineTuneJob "tune": Together refused the API key \(.*401.*\)\. Nothing was created\. Fix: `pulumi config set --secret together:apiKey <a valid key>` \(or set TOGETHER_API_KEY\)\.$/,
      ),
    },
  ]);
});
