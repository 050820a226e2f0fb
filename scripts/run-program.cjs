#!/usr/bin/env node
// Runs the Pulumi CLI on the program in the working directory, the way `pulumi <args>` would with
// Pulumi's Node.js language host: `node run-program.cjs up --yes --stack dev`.
//
// Why not plain `pulumi up`: the CLI is built from the Go module proxy (scripts/pulumi-cli.sh), which
// refuses the Node.js language host's module, so no `pulumi-language-nodejs` exists here. The CLI's
// `--client` flag lets it use a language runtime that is already running instead; this script is that
// runtime, exactly as Pulumi's Automation API runs inline programs (`@pulumi/pulumi/automation`'s
// LanguageServer, which is what `Stack.up()` starts before it adds `--client`). Everything else, the
// engine, the state, the plan, the dynamic-provider process, is the real CLI's.
//
// Everything is resolved from the program's own node_modules (never this repository's): the program,
// `@pulumi/pulumi` and `ts-node` are the ones a user's program would load.
"use strict";
const { spawn } = require("node:child_process");
const fs = require("node:fs");
const { createRequire } = require("node:module");
const path = require("node:path");

const programDir = process.cwd();
const fromProgram = createRequire(path.join(programDir, "package.json"));

/** The program's entry: package.json "main", else index.ts, as Pulumi's Node.js host picks it. */
function programEntry() {
  const pkg = JSON.parse(fs.readFileSync(path.join(programDir, "package.json"), "utf8"));
  return path.resolve(programDir, pkg.main ?? "index.ts");
}

async function main() {
  const args = process.argv.slice(2);
  const pulumiBin = process.env.PULUMI_TOGETHER_E2E_PULUMI ?? "pulumi";
  // Pulumi's Node.js host compiles TypeScript with ts-node; so do we (transpile only, as
  // PULUMI_NODEJS_TRANSPILE_ONLY would: type errors are the build's business).
  fromProgram("ts-node").register({ transpileOnly: true, dir: programDir });
  const grpc = fromProgram("@grpc/grpc-js");
  const { LanguageServer } = fromProgram("@pulumi/pulumi/automation/server");
  const langrpc = fromProgram("@pulumi/pulumi/proto/language_grpc_pb");
  const { grpcChannelOptions } = fromProgram("@pulumi/pulumi/runtime");

  // Stack outputs are the entry module's exports, as with the language host. `pulumi up` runs the
  // program twice in this one process (preview, then update), where the language host would start
  // node twice: the program's own modules are loaded afresh each time, or the second run would
  // register nothing. Installed packages stay loaded, as in any Automation API program.
  const program = async () => {
    for (const file of Object.keys(require.cache)) {
      if (file.startsWith(programDir + path.sep) && !file.includes(`${path.sep}node_modules${path.sep}`)) {
        delete require.cache[file];
      }
    }
    return { ...fromProgram(programEntry()) };
  };
  const languageServer = new LanguageServer(program);
  const server = new grpc.Server(grpcChannelOptions);
  server.addService(langrpc.LanguageRuntimeService, languageServer);
  const port = await new Promise((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (err, p) =>
      err ? reject(err) : resolve(p),
    ),
  );

  const child = spawn(pulumiBin, [...args, `--client=127.0.0.1:${port}`, "--exec-kind", "auto.inline"], {
    cwd: programDir,
    stdio: ["ignore", "inherit", "inherit"],
  });
  // A signal to this process goes on to the CLI, so it can cancel the way it does on Ctrl-C.
  for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => child.kill(signal));
  const code = await new Promise((resolve) => {
    child.on("error", (err) => {
      console.error(`run-program: cannot start ${pulumiBin}: ${err.message}`);
      resolve(127);
    });
    child.on("exit", (c, signal) => resolve(c ?? (signal ? 128 : 1)));
  });
  server.forceShutdown();
  process.exit(code);
}

main().catch((err) => {
  console.error(`run-program: ${err && err.stack ? err.stack : err}`);
  process.exit(1);
});
