// A Pulumi program directory's project name and one stack's config, read the way the CLI would: `Pulumi.yaml`
// for the name, `Pulumi.<stack>.yaml` for the values, keys without a namespace belonging to the project.
import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { errorText } from "../provider/shared/error-text";

export interface ProgramProject {
  dir: string;
  project: string;
  /** Namespaced keys (`proj:key`), values as the CLI hands them to programs: strings, objects as JSON. */
  config: Record<string, string>;
  /** The stack file the config came from, if there is one. */
  stackFile?: string;
}

function readYaml(file: string): unknown {
  try {
    return parse(fs.readFileSync(file, "utf8")) as unknown;
  } catch (err) {
    throw new Error(`cannot read ${file}: ${errorText(err)}`, {
      cause: err,
    });
  }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function configValue(file: string, key: string, value: unknown): string {
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  if (isRecord(value) && "secure" in value) {
    throw new Error(
      `${file}: ${key} is encrypted (secure:) and only the Pulumi CLI can decrypt it; ` +
        "for the demo, put a plain value in a separate stack file (e.g. Pulumi.demo.yaml with --stack demo)",
    );
  }
  return JSON.stringify(value);
}

export function readProgramProject(dir: string, stack: string): ProgramProject {
  const projectFile = path.join(dir, "Pulumi.yaml");
  if (!fs.existsSync(projectFile)) throw new Error(`${dir} is not a Pulumi program: it has no Pulumi.yaml`);
  const projectDoc = readYaml(projectFile);
  const project = isRecord(projectDoc) ? projectDoc.name : undefined;
  if (typeof project !== "string" || project === "") throw new Error(`${projectFile} has no project name`);

  const stackFile = path.join(dir, `Pulumi.${stack}.yaml`);
  if (!fs.existsSync(stackFile)) return { dir, project, config: {} };
  const stackDoc = readYaml(stackFile);
  const raw = isRecord(stackDoc) && isRecord(stackDoc.config) ? stackDoc.config : {};
  const config: Record<string, string> = {};
  for (const [key, value] of Object.entries(raw)) {
    config[key.includes(":") ? key : `${project}:${key}`] = configValue(stackFile, key, value);
  }
  return { dir, project, config, stackFile };
}
