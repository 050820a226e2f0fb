// Reads the document `pulumi preview --json` prints (Pulumi's PreviewDigest) into the cost report's rows.
// Facts relied on, checked against the real CLI (test/e2e/cost-report.e2e.test.ts captures them):
// - the top level holds `steps`, `diagnostics`, `changeSummary`, `config` and `duration`, each omitted when empty;
// - each step has `op` and `urn`; `oldState` (what the stack holds) and `newState` (what the program declares)
//   each carry `type`, `inputs` and, when known, `outputs`;
// - a replace is one `replace` step, or with --show-replacement-steps three steps of one URN
//   (`create-replacement`, `replace`, `delete-replaced`);
// - unchanged resources have no step unless --show-sames is given, but `changeSummary.same` counts them;
// - a failed preview still prints the document: the steps before the failure and `error` diagnostics;
// - a value unknown at preview is the string UNKNOWN, a secret is the string "[secret]".
import { z } from "zod";
import { UNKNOWN } from "../../provider/shared/types";
import { errorText } from "../../provider/shared/error-text";

export const TYPE_PREFIX = "pulumi-nodejs:dynamic/together:";
export const RESOURCE_KINDS = ["TrainingFile", "FineTuneJob", "DedicatedEndpoint"] as const;
export type ResourceKind = (typeof RESOURCE_KINDS)[number];

/** What a resource's row says happens to it. */
export type StepKind = "create" | "update" | "replace" | "delete" | "same";

/** Pulumi's step ops (sdk/go/common/resource/deploy StepOps) as this report collapses them. */
const OPS: Readonly<Record<string, StepKind>> = {
  same: "same",
  read: "same",
  refresh: "same",
  diff: "same",
  create: "create",
  import: "create",
  update: "update",
  delete: "delete",
  discard: "delete",
  replace: "replace",
  "create-replacement": "replace",
  "delete-replaced": "replace",
  "read-replacement": "replace",
  "discard-replaced": "replace",
  "import-replacement": "replace",
  "remove-pending-replace": "replace",
};

/** When one resource has several steps (a refresh and an update, the three steps of a replace), the row
 *  shows the one that matters most. */
const RANK: Readonly<Record<StepKind, number>> = { same: 0, update: 1, create: 2, delete: 2, replace: 3 };

const SECRET = "[secret]";

/** A dollar figure as the provider records it, or a value the preview cannot show (unknown, or a secret). */
const price = z.union([z.number().finite().nonnegative(), z.literal(UNKNOWN), z.literal(SECRET)]);

/** Only the properties the report reads are checked; everything else is let through. */
const properties = z.looseObject({
  estimatedPriceUsd: price.optional(),
  estimateKind: z.union([z.enum(["together", "local"]), z.literal(UNKNOWN), z.literal(SECRET)]).optional(),
  hourlyPriceUsd: price.optional(),
  state: z.string().optional(),
});

const resourceState = z.looseObject({
  type: z.string(),
  inputs: z.record(z.string(), z.unknown()).optional(),
  outputs: z.record(z.string(), z.unknown()).optional(),
});

const step = z.looseObject({
  op: z.string(),
  urn: z.string().startsWith("urn:pulumi:"),
  oldState: resourceState.optional(),
  newState: resourceState.optional(),
});

const diagnostic = z.looseObject({
  message: z.string(),
  severity: z.string(),
  urn: z.string().optional(),
});

const previewDigest = z.looseObject({
  steps: z.array(step).optional(),
  diagnostics: z.array(diagnostic).optional(),
  changeSummary: z.record(z.string(), z.number().int().nonnegative()).optional(),
});

type PreviewStep = z.infer<typeof step>;
type Properties = z.infer<typeof properties>;

/** A one-off price: `together` is Together's own estimate-price answer, `local` the provider's estimate. */
export interface OneOffPrice {
  usd: number | undefined;
  kind: "together" | "local" | undefined;
}

export interface CostRow {
  kind: ResourceKind;
  name: string;
  urn: string;
  step: StepKind;
  /** FineTuneJob rows whose step starts a job (create, replace); undefined otherwise. */
  oneOff?: OneOffPrice;
  /** DedicatedEndpoint rows: dollars per hour while started, before and after; undefined when unknown. */
  hourly?: { before: number | undefined; after: number | undefined };
}

export interface CostReport {
  rows: CostRow[];
  /** Unchanged resources the preview counted but did not list (it lists them with --show-sames). */
  unlistedSames: number;
  /** Messages of the preview's error diagnostics: the preview failed, and its steps stop there. */
  errors: string[];
}

/** The input is not a `pulumi preview --json` document; the message says what it is instead. */
export class CostReportInputError extends Error {}

/** Parses and validates `text` (named `source` in messages) and computes its rows. */
export function readCostReport(text: string, source: string): CostReport {
  return costReport(parsePreview(text, source), source);
}

function parsePreview(text: string, source: string): z.infer<typeof previewDigest> {
  if (text.trim() === "") {
    throw new CostReportInputError(
      `${source} is empty: expected the output of \`pulumi preview --json\` (did the preview fail before printing it?)`,
    );
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new CostReportInputError(notJson(text, source, err));
  }
  if (typeof doc !== "object" || doc === null || Array.isArray(doc)) {
    const what = Array.isArray(doc) ? "an array" : doc === null ? "null" : `a ${typeof doc}`;
    throw new CostReportInputError(
      `${source} is not a preview: its JSON is ${what}, where \`pulumi preview --json\` prints an object with "steps"`,
    );
  }
  const keys = Object.keys(doc);
  if (!keys.some((k) => k === "steps" || k === "changeSummary" || k === "diagnostics")) {
    const hint =
      "deployment" in doc
        ? " (it looks like `pulumi stack export`)"
        : keys.length === 0
          ? " (it is an empty object)"
          : ` (its keys: ${keys.slice(0, 6).join(", ")}${keys.length > 6 ? ", …" : ""})`;
    throw new CostReportInputError(
      `${source} is not a preview: it has no "steps", "changeSummary" or "diagnostics"${hint}. ` +
        "Fix: pass the output of `pulumi preview --json`",
    );
  }
  const parsed = previewDigest.safeParse(doc);
  if (!parsed.success) throw new CostReportInputError(shapeError(source, parsed.error));
  return parsed.data;
}

function notJson(text: string, source: string, err: unknown): string {
  const reason = errorText(err);
  const first = text.trimStart().split("\n", 1)[0] ?? "";
  // PULUMI_ENABLE_STREAMING_JSON_PREVIEW makes `preview --json` print one engine event per line instead.
  try {
    const line = JSON.parse(first) as unknown;
    if (typeof line === "object" && line !== null && "sequence" in line && "timestamp" in line) {
      return (
        `${source} is not a preview document but a stream of engine events, one per line ` +
        "(PULUMI_ENABLE_STREAMING_JSON_PREVIEW is set?). Fix: unset it and run `pulumi preview --json` again"
      );
    }
  } catch {
    // Not even its first line is JSON.
  }
  const start = first.length > 60 ? `${first.slice(0, 60)}…` : first;
  return (
    `${source} is not JSON (${reason}); it starts with ${JSON.stringify(start)}. ` +
    "Fix: pass the output of `pulumi preview --json` (standard output only, not its standard error)"
  );
}

function shapeError(source: string, error: z.ZodError): string {
  const issues = error.issues.slice(0, 3).map((i) => `${pathText(i.path)}: ${i.message}`);
  const more = error.issues.length > 3 ? `; and ${error.issues.length - 3} more` : "";
  return `${source} is not a \`pulumi preview --json\` document this report can read: ${issues.join("; ")}${more}`;
}

function pathText(path: readonly PropertyKey[]): string {
  if (path.length === 0) return "(top level)";
  return path
    .map((p, i) => (typeof p === "number" ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`))
    .join("");
}

/** `urn:pulumi:<stack>::<project>::<parent type>$<type>::<name>` → type and name. */
function splitUrn(urn: string): { type: string; name: string } {
  const parts = urn.split("::");
  const types = parts[2] ?? "";
  return { type: types.split("$").pop() ?? types, name: parts.slice(3).join("::") };
}

function kindOf(type: string): ResourceKind | undefined {
  if (!type.startsWith(TYPE_PREFIX)) return undefined;
  const kind = type.slice(TYPE_PREFIX.length);
  return (RESOURCE_KINDS as readonly string[]).includes(kind) ? (kind as ResourceKind) : undefined;
}

function costReport(digest: z.infer<typeof previewDigest>, source: string): CostReport {
  const steps = digest.steps ?? [];
  // One row per resource, in the order the preview lists them.
  const byUrn = new Map<string, { kind: ResourceKind; name: string; steps: [PreviewStep, number][] }>();
  steps.forEach((s, index) => {
    const { type, name } = splitUrn(s.urn);
    const kind = kindOf(type);
    if (kind === undefined) return;
    const entry = byUrn.get(s.urn) ?? { kind, name, steps: [] };
    entry.steps.push([s, index]);
    byUrn.set(s.urn, entry);
  });

  const rows: CostRow[] = [];
  for (const [urn, entry] of byUrn) {
    const mapped = entry.steps.map(([s, index]) => {
      const kind = OPS[s.op];
      if (kind === undefined) {
        throw new CostReportInputError(
          `${source}: steps[${index}].op is ${JSON.stringify(s.op)} for ${entry.kind} "${entry.name}", ` +
            `a step this report does not know (known: ${Object.keys(OPS).join(", ")})`,
        );
      }
      return { s, index, kind };
    });
    const step = mapped.reduce((a, b) => (RANK[b.kind] > RANK[a.kind] ? b : a)).kind;
    // The states of the steps that decide the row (a refresh's states say nothing about the change).
    const deciding = mapped.filter((m) => m.kind === step);
    const oldSide = deciding.find((m) => m.s.oldState !== undefined);
    const newSide = deciding.find((m) => m.s.newState !== undefined);
    const olds = oldSide && props(source, oldSide.index, "oldState", oldSide.s.oldState!);
    const news = newSide && props(source, newSide.index, "newState", newSide.s.newState!);

    const row: CostRow = { kind: entry.kind, name: entry.name, urn, step };
    if (entry.kind === "FineTuneJob" && (step === "create" || step === "replace")) {
      row.oneOff = {
        usd: knownNumber(news?.inputs.estimatedPriceUsd ?? news?.outputs.estimatedPriceUsd),
        kind: estimateKind(news?.inputs.estimateKind ?? news?.outputs.estimateKind),
      };
    }
    if (entry.kind === "DedicatedEndpoint") {
      row.hourly = {
        before: olds === undefined ? 0 : hourly(olds.outputs, olds.inputs),
        after: step === "delete" || news === undefined ? 0 : hourly(news.inputs, news.outputs),
      };
    }
    rows.push(row);
  }

  const listedSames = steps.filter((s) => s.op === "same").length;
  const countedSames = digest.changeSummary?.same ?? 0;
  const errors = (digest.diagnostics ?? [])
    .filter((d) => d.severity === "error")
    .map((d) => d.message.trim());
  return { rows, unlistedSames: Math.max(0, countedSames - listedSames), errors };
}

/** A state's inputs and outputs, with the properties the report reads validated. */
function props(
  source: string,
  index: number,
  side: "oldState" | "newState",
  state: z.infer<typeof resourceState>,
): { inputs: Properties; outputs: Properties } {
  const read = (which: "inputs" | "outputs"): Properties => {
    const parsed = properties.safeParse(state[which] ?? {});
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw new CostReportInputError(
        `${source}: steps[${index}].${side}.${which}.${pathText(issue.path)}: ${issue.message}`,
      );
    }
    return parsed.data;
  };
  return { inputs: read("inputs"), outputs: read("outputs") };
}

function knownNumber(v: unknown): number | undefined {
  return typeof v === "number" ? v : undefined;
}

function estimateKind(v: unknown): OneOffPrice["kind"] {
  return v === "together" || v === "local" ? v : undefined;
}

/** Dollars per hour from `first`, else `second`: 0 when the endpoint is (to be) STOPPED, undefined when unknown. */
function hourly(first: Properties, second: Properties): number | undefined {
  const state = first.state ?? second.state;
  if (state === "STOPPED") return 0;
  if (state === UNKNOWN) return undefined;
  return knownNumber(first.hourlyPriceUsd ?? second.hourlyPriceUsd);
}
