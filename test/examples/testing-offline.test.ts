// examples/testing-offline's own jest test, run as a user runs it: in a project whose node_modules is the
// npm-pack tarball installed beside @pulumi/pulumi 3.276.0 (test/e2e/kit/installed-package.ts), with the
// example's jest.config.js and its tsconfig minus the in-repo `paths`, so `pulumi-together/testing` and its
// types come from the installed package. Jest and ts-jest are this repository's (the user's devDependencies).
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";
import { installedPackage, REPO } from "../../scripts/real-cli/installed-package";

const run = promisify(execFile);
const EXAMPLE = path.join(REPO, "examples", "testing-offline");

let dir: string;
let template: string;

beforeAll(async () => {
  template = (await installedPackage()).template;
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "pt-testing-offline-"));
  for (const f of ["program.ts", "program.test.ts", "index.ts", "package.json", "Pulumi.yaml", "data"]) {
    fs.cpSync(path.join(EXAMPLE, f), path.join(dir, f), { recursive: true });
  }
  fs.symlinkSync(path.join(template, "node_modules"), path.join(dir, "node_modules"), "dir");
  const tsconfig = JSON.parse(
    fs
      .readFileSync(path.join(EXAMPLE, "tsconfig.json"), "utf8")
      .split("\n")
      .filter((l) => !l.trim().startsWith("//"))
      .join("\n"),
  );
  delete tsconfig.compilerOptions.paths;
  delete tsconfig.compilerOptions.rootDir;
  // @types/jest is a devDependency of the user's project; here it is the repository's.
  tsconfig.compilerOptions.typeRoots = [
    path.join(dir, "node_modules", "@types"),
    path.join(REPO, "node_modules", "@types"),
  ];
  fs.writeFileSync(path.join(dir, "tsconfig.json"), JSON.stringify(tsconfig, null, 2));
}, 300_000);

afterAll(() => {
  if (dir !== undefined) fs.rmSync(dir, { recursive: true, force: true });
});

it("examples/testing-offline's program.test.ts passes against the installed package", async () => {
  const config = require(path.join(EXAMPLE, "jest.config.js"));
  const tsJest = require.resolve("ts-jest");
  for (const [pattern, t] of Object.entries(config.transform as Record<string, unknown>)) {
    config.transform[pattern] = Array.isArray(t) ? [tsJest, t[1]] : tsJest;
  }
  const env = { ...process.env };
  delete env.NODE_PATH;
  const res = await run(
    process.execPath,
    [
      require.resolve("jest/bin/jest"),
      "--config",
      JSON.stringify({ ...config, rootDir: dir }),
      "--ci",
      "--json",
      "--outputFile",
      path.join(dir, "result.json"),
    ],
    { cwd: dir, env, timeout: 240_000 },
  ).catch((err: { stdout: string; stderr: string }) => err);
  const result = JSON.parse(fs.readFileSync(path.join(dir, "result.json"), "utf8"));
  const tests = result.testResults.flatMap((f: { assertionResults: { title: string; status: string }[] }) =>
    f.assertionResults.map((a) => `${a.status}: ${a.title}`),
  );
  if (!result.success) console.error(res.stderr);
  expect(result.testResults.map((f: { name: string }) => f.name)).toEqual([
    path.join(dir, "program.test.ts"),
  ]);
  expect(tests).toEqual([
    "passed: preview plans both resources and changes nothing at Together",
    "passed: up uploads the dataset and trains on it with the configured epochs",
    "passed: a second up and a refresh change nothing",
    "passed: destroy deletes the dataset",
  ]);
  expect(result.success).toBe(true);
}, 300_000);
