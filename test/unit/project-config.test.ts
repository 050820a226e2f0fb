import { InvalidProjectIdError, readStackConfig, resolveProjectId } from "../../provider/config";

const source = (values: Record<string, string>) => ({ get: (k: string) => values[k] });

describe("together:projectId / TOGETHER_PROJECT_ID", () => {
  it("prefers stack config, then env; none means no project", () => {
    const stack = readStackConfig(source({ "together:projectId": " proj_stack " }));
    expect(resolveProjectId(stack, { TOGETHER_PROJECT_ID: "proj_env" })).toEqual({
      projectId: "proj_stack",
      source: "stack config together:projectId",
    });
    expect(resolveProjectId({}, { TOGETHER_PROJECT_ID: "proj_env" })).toEqual({
      projectId: "proj_env",
      source: "env TOGETHER_PROJECT_ID",
    });
    expect(resolveProjectId(readStackConfig(source({ "together:projectId": "" })), {})).toBeUndefined();
  });

  it("refuses a value that is no project id, naming where it came from and the fix", () => {
    const run = () => resolveProjectId({}, { TOGETHER_PROJECT_ID: "projects/p1" });
    expect(run).toThrow(InvalidProjectIdError);
    expect(run).toThrow('"projects/p1" from env TOGETHER_PROJECT_ID');
    expect(run).toThrow("export TOGETHER_PROJECT_ID=<project id>");
    expect(() => resolveProjectId({ projectId: "a b" }, {})).toThrow(
      "pulumi config set together:projectId <project id>",
    );
  });
});
