import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { readProgramProject } from "../../demo/stack-config";

let dir: string;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "demo-stack-config-"));
  fs.writeFileSync(path.join(dir, "Pulumi.yaml"), "name: my-proj\nruntime: nodejs\n");
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

describe("demo: stack config from Pulumi.<stack>.yaml", () => {
  it("namespaces bare keys with the project and hands every value over as the CLI would", () => {
    fs.writeFileSync(
      path.join(dir, "Pulumi.dev.yaml"),
      [
        "config:",
        "  hardware: 1x_nvidia_l40s_48gb_pcie",
        "  maxPriceUsd: 2.5",
        "  enabled: true",
        "  together:baseUrl: http://127.0.0.1:1/v1",
        "  tags:",
        "    team: ml",
      ].join("\n"),
    );
    expect(readProgramProject(dir, "dev")).toEqual({
      dir,
      project: "my-proj",
      stackFile: path.join(dir, "Pulumi.dev.yaml"),
      config: {
        "my-proj:hardware": "1x_nvidia_l40s_48gb_pcie",
        "my-proj:maxPriceUsd": "2.5",
        "my-proj:enabled": "true",
        "together:baseUrl": "http://127.0.0.1:1/v1",
        "my-proj:tags": '{"team":"ml"}',
      },
    });
  });

  it("runs with no config when the stack has no file", () => {
    expect(readProgramProject(dir, "prod")).toEqual({ dir, project: "my-proj", config: {} });
  });

  it("refuses encrypted values, which only the CLI can decrypt", () => {
    fs.writeFileSync(path.join(dir, "Pulumi.dev.yaml"), "config:\n  hfApiToken:\n    secure: AAABAxyz\n");
    expect(() => readProgramProject(dir, "dev")).toThrow(/hfApiToken is encrypted \(secure:\)/);
  });

  it("names what is missing", () => {
    fs.rmSync(path.join(dir, "Pulumi.yaml"));
    expect(() => readProgramProject(dir, "dev")).toThrow(
      `${dir} is not a Pulumi program: it has no Pulumi.yaml`,
    );
  });
});
