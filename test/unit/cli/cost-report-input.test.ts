// `pulumi-together cost-report` on input that is not a `pulumi preview --json` document: each error says
// what is wrong. The fixtures are the smallest inputs that show each case; real previews are in
// test/e2e/cost-report.e2e.test.ts.
import { runCostReport } from "../../../cli/cost-report-command";
import { CostReportInputError, readCostReport } from "../../../cli/cost-report/parse";

const URN = "urn:pulumi:dev::proj::pulumi-nodejs:dynamic/together:DedicatedEndpoint::serve";
const ENDPOINT = "pulumi-nodejs:dynamic/together:DedicatedEndpoint";

const read = (text: string) => () => readCostReport(text, "preview.json");

test("empty input", () => {
  expect(read("  \n")).toThrow(
    new CostReportInputError(
      "preview.json is empty: expected the output of `pulumi preview --json` (did the preview fail before printing it?)",
    ),
  );
});

test("text that is not JSON: the parser's reason and how the input starts", () => {
  expect(read("Previewing update (dev):\n")).toThrow(
    /^preview\.json is not JSON \(.+\); it starts with "Previewing update \(dev\):"\. Fix: pass the output of `pulumi preview --json`/,
  );
});

test("streamed engine events (one JSON object per line) are named as such", () => {
  const events = ['{"sequence":0,"timestamp":1,"cancelEvent":{}}', '{"sequence":1,"timestamp":2}'].join("\n");
  expect(read(events)).toThrow(
    /a stream of engine events, one per line \(PULUMI_ENABLE_STREAMING_JSON_PREVIEW is set\?\)/,
  );
});

test("JSON that is not an object", () => {
  expect(read("[]")).toThrow(/^preview\.json is not a preview: its JSON is an array/);
  expect(read("null")).toThrow(/^preview\.json is not a preview: its JSON is null/);
  expect(read("42")).toThrow(/^preview\.json is not a preview: its JSON is a number/);
});

test("an object without steps, changeSummary or diagnostics: its keys, or what it looks like", () => {
  expect(read("{}")).toThrow(/has no "steps", "changeSummary" or "diagnostics" \(it is an empty object\)/);
  expect(read('{"name":"x","version":1}')).toThrow(/\(its keys: name, version\)/);
  expect(read('{"version":3,"deployment":{}}')).toThrow(/\(it looks like `pulumi stack export`\)/);
});

test("a wrong shape names the path", () => {
  expect(read('{"steps":{}}')).toThrow(
    /^preview\.json is not a `pulumi preview --json` document this report can read: steps: /,
  );
  expect(read(`{"steps":[{"urn":"${URN}"}]}`)).toThrow(/: steps\[0\]\.op: /);
  expect(read('{"steps":[{"op":"create","urn":"serve"}]}')).toThrow(/: steps\[0\]\.urn: /);
});

test("a price of the wrong type on one of our resources names the property", () => {
  const step = {
    op: "create",
    urn: URN,
    newState: { type: ENDPOINT, inputs: { hourlyPriceUsd: "3.36 USD" } },
  };
  expect(read(JSON.stringify({ steps: [step] }))).toThrow(
    /^preview\.json: steps\[0\]\.newState\.inputs\.hourlyPriceUsd: /,
  );
});

test("an op this report does not know fails on our resources and is ignored on others", () => {
  const ours = { op: "teleport", urn: URN };
  expect(read(JSON.stringify({ steps: [ours] }))).toThrow(
    /^preview\.json: steps\[0\]\.op is "teleport" for DedicatedEndpoint "serve", a step this report does not know/,
  );
  const theirs = { op: "teleport", urn: "urn:pulumi:dev::proj::aws:s3/bucket:Bucket::b" };
  expect(readCostReport(JSON.stringify({ steps: [theirs] }), "preview.json")).toEqual({
    rows: [],
    unlistedSames: 0,
    errors: [],
  });
});

test("no file and a terminal on standard input: nothing to read", async () => {
  const io = { stdinIsTty: () => true, readStdin: () => Promise.reject(new Error("must not read")) };
  await expect(runCostReport(undefined, io)).rejects.toThrow(/^cost-report: no input\. Fix: pass a file/);
  await expect(runCostReport("-", io)).rejects.toThrow(/^cost-report: no input/);
});
