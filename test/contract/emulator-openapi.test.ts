// The emulator's responses carry every field Together's OpenAPI spec marks required for that
// response schema, and their enum-typed strings use the spec's values. The spec is the published copy
// beside the repository (../shared/together-openapi.yaml).
import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { startEmulator, type Emulator } from "../../emulator";
import { api, conversationJsonl, readyFile, type ApiResponse } from "../emulator/test-helpers";

type Schema = Record<string, unknown>;
// Together's published spec, togethercomputer/openapi openapi.yaml at commit 090263aa0fde006d9cd958bef52719958079bbc4
// (sha256 38181aae39fbecc7e0cb2f43d7b6e7483a66f7942e096131e4ee58fb65703b04), kept beside this test so the
// contract check runs on any clone.
const SPEC_PATH = path.join(__dirname, "together-openapi.yaml");
const spec = parse(fs.readFileSync(SPEC_PATH, "utf8"), { maxAliasCount: -1 }) as {
  paths: Record<
    string,
    Record<string, { responses: Record<string, { content?: Record<string, { schema: Schema }> }> }>
  >;
  components: { schemas: Record<string, Schema> };
};

function resolve(schema: Schema): Schema {
  const ref = schema.$ref;
  if (typeof ref !== "string") return schema;
  const name = ref.replace("#/components/schemas/", "");
  const target = spec.components.schemas[name];
  if (!target) throw new Error(`unresolved $ref ${ref}`);
  return resolve(target);
}

/** Problems with `value` against `schema`: missing required fields and out-of-enum strings. */
function problems(schemaIn: Schema, value: unknown, at: string): string[] {
  const schema = resolve(schemaIn);
  if (value === null || value === undefined) return [];
  for (const key of ["oneOf", "anyOf"] as const) {
    const branches = schema[key] as Schema[] | undefined;
    if (branches) {
      const results = branches.map((b) => problems(b, value, at));
      if (!results.some((r) => r.length === 0)) return results[0] ?? [];
    }
  }
  const out: string[] = [];
  for (const b of (schema.allOf as Schema[] | undefined) ?? []) out.push(...problems(b, value, at));
  if (Array.isArray(schema.enum) && typeof value === "string" && !schema.enum.includes(value)) {
    out.push(`${at}: "${value}" is not one of ${JSON.stringify(schema.enum)}`);
  }
  if (schema.const !== undefined && value !== schema.const)
    out.push(`${at}: ${JSON.stringify(value)} is not ${JSON.stringify(schema.const)}`);
  if (Array.isArray(value) && schema.items)
    value.forEach((v, i) => out.push(...problems(schema.items as Schema, v, `${at}[${i}]`)));
  if (typeof value === "object" && !Array.isArray(value)) {
    const obj = value as Record<string, unknown>;
    for (const req of (schema.required as string[] | undefined) ?? [])
      if (!(req in obj)) out.push(`${at}.${req} is required`);
    const props = (schema.properties as Record<string, Schema> | undefined) ?? {};
    for (const [k, sub] of Object.entries(props))
      if (k in obj) out.push(...problems(sub, obj[k], `${at}.${k}`));
  }
  return out;
}

function responseSchema(method: string, specPath: string, status: number): Schema {
  const op = spec.paths[specPath]?.[method.toLowerCase()];
  const schema = op?.responses[String(status)]?.content?.["application/json"]?.schema;
  if (!schema) throw new Error(`spec has no JSON ${status} response for ${method} ${specPath}`);
  return schema;
}

let emu: Emulator;
beforeAll(async () => {
  emu = await startEmulator({ timeScale: 1 });
});
afterAll(async () => {
  await emu.close();
});

const checked: string[] = [];
function conforms(method: string, specPath: string, res: ApiResponse): void {
  checked.push(`${method} ${specPath} ${res.status}`);
  expect({
    route: `${method} ${specPath}`,
    problems: problems(responseSchema(method, specPath, res.status), res.body, "body"),
  }).toEqual({
    route: `${method} ${specPath}`,
    problems: [],
  });
}

describe("emulator responses against the OpenAPI spec", () => {
  it("files", async () => {
    const id = await readyFile(emu, conversationJsonl(10));
    conforms("GET", "/files", await api(emu, "GET", "/files"));
    conforms("GET", "/files/{id}", await api(emu, "GET", `/files/${id}`));
    const form = new FormData();
    form.set("purpose", "fine-tune");
    form.set("file_name", "x.jsonl");
    form.set("file", new Blob([conversationJsonl(2)]), "x.jsonl");
    const up = await fetch(`${emu.baseUrl}/files/upload`, {
      method: "POST",
      body: form,
      headers: { authorization: `Bearer ${emu.apiKey}` },
    });
    conforms("POST", "/files/upload", { status: up.status, headers: up.headers, body: await up.json() });
    conforms("DELETE", "/files/{id}", await api(emu, "DELETE", `/files/${id}`));
  });

  it("fine-tunes", async () => {
    const file = await readyFile(emu, conversationJsonl(50));
    const val = await readyFile(emu, conversationJsonl(5));
    const body = {
      training_file: file,
      validation_file: val,
      n_evals: 1,
      model: "Qwen/Qwen3-0.6B",
      n_checkpoints: 2,
      training_type: { type: "Lora", lora_r: 8, lora_alpha: 16 },
    };
    const created = await api(emu, "POST", "/fine-tunes", body);
    conforms("POST", "/fine-tunes", created);
    const id = created.body.id as string;
    emu.clock.advance(3_600_000);
    conforms("GET", "/fine-tunes/{id}", await api(emu, "GET", `/fine-tunes/${id}`));
    conforms("GET", "/fine-tunes", await api(emu, "GET", "/fine-tunes"));
    conforms("GET", "/fine-tunes/{id}/events", await api(emu, "GET", `/fine-tunes/${id}/events`));
    conforms("GET", "/fine-tunes/{id}/checkpoints", await api(emu, "GET", `/fine-tunes/${id}/checkpoints`));
    const other = await api(emu, "POST", "/fine-tunes", body);
    conforms(
      "POST",
      "/fine-tunes/{id}/cancel",
      await api(emu, "POST", `/fine-tunes/${other.body.id}/cancel`),
    );
    conforms(
      "POST",
      "/fine-tunes/estimate-price",
      await api(emu, "POST", "/fine-tunes/estimate-price", body),
    );
    conforms("GET", "/fine-tunes/models/supported", await api(emu, "GET", "/fine-tunes/models/supported"));
    conforms(
      "GET",
      "/fine-tunes/models/limits",
      await api(emu, "GET", "/fine-tunes/models/limits?model_name=Qwen/Qwen3-8B"),
    );
    conforms(
      "GET",
      "/fine-tunes/models/limits",
      await api(emu, "GET", "/fine-tunes/models/limits?model_name=acme/none"),
    );
    conforms("DELETE", "/fine-tunes/{id}", await api(emu, "DELETE", `/fine-tunes/${id}`));
    conforms("DELETE", "/fine-tunes/{id}", await api(emu, "DELETE", `/fine-tunes/${id}`));
  });

  it("endpoints, hardware, models, availability zones", async () => {
    const body = {
      model: "Qwen/Qwen3-8B",
      hardware: "1x_nvidia_h100_80gb_sxm",
      autoscaling: { min_replicas: 1, max_replicas: 1 },
    };
    const created = await api(emu, "POST", "/endpoints", body);
    conforms("POST", "/endpoints", created);
    const id = created.body.id as string;
    conforms("GET", "/endpoints/{endpointId}", await api(emu, "GET", `/endpoints/${id}`));
    conforms(
      "PATCH",
      "/endpoints/{endpointId}",
      await api(emu, "PATCH", `/endpoints/${id}`, { state: "STOPPED" }),
    );
    conforms("GET", "/endpoints", await api(emu, "GET", "/endpoints"));
    const del = await api(emu, "DELETE", `/endpoints/${id}`);
    expect(del.status).toBe(204);
    conforms("GET", "/endpoints/{endpointId}", await api(emu, "GET", `/endpoints/${id}`));
    conforms("GET", "/hardware", await api(emu, "GET", "/hardware"));
    conforms("GET", "/hardware", await api(emu, "GET", "/hardware?model=Qwen/Qwen3-8B"));
    conforms("GET", "/models", await api(emu, "GET", "/models"));
    conforms("GET", "/clusters/availability-zones", await api(emu, "GET", "/clusters/availability-zones"));
    conforms("GET", "/models", await api(emu, "GET", "/models", undefined, { auth: false }));
  });

  it("the checker itself catches a missing required field and a bad enum", () => {
    expect(
      problems({ $ref: "#/components/schemas/FileResponse" }, { id: "x", object: "file" }, "body"),
    ).toContain("body.bytes is required");
    expect(
      problems({ $ref: "#/components/schemas/ListEndpoint" }, { state: "READY" }, "body").join("\n"),
    ).toMatch(/READY/);
    expect(checked.length).toBeGreaterThan(20);
  });
});
