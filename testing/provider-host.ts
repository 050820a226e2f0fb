// Drives the real dynamic-provider server shipped in @pulumi/pulumi over gRPC, as the engine does: one child
// process per run, cwd = the program directory, PULUMI_CONFIG={} (the engine passes only pulumi-nodejs:* keys),
// stack config arriving through Configure with namespaced keys.
/* eslint-disable @typescript-eslint/no-explicit-any -- the SDK's generated gRPC stubs are loosely typed JS */
import { spawn, type ChildProcess } from "node:child_process";
import * as path from "node:path";
import { createInterface } from "node:readline";

const sdkDir = path.dirname(require.resolve("@pulumi/pulumi/package.json"));
// The generated stubs must meet the grpc and protobuf runtimes they were generated against.
const grpc = require(require.resolve("@grpc/grpc-js", { paths: [sdkDir] }));
const { Struct } = require(require.resolve("google-protobuf/google/protobuf/struct_pb", { paths: [sdkDir] }));
const { Empty } = require(require.resolve("google-protobuf/google/protobuf/empty_pb", { paths: [sdkDir] }));
const provproto = require("@pulumi/pulumi/proto/provider_pb");
const { ResourceProviderClient } = require("@pulumi/pulumi/proto/provider_grpc_pb");
const statusproto = require("@pulumi/pulumi/proto/status_pb");

export type Props = Record<string, unknown>;

export interface ProviderHostOptions {
  cwd: string;
  project: string;
  /** Added to the inherited environment after the engine's own variables. */
  env?: Record<string, string>;
}

export interface InitFailure {
  id: string;
  properties: Props;
  reasons: string[];
}

/** A failed RPC; `initFailure` is set when create/update threw `{id, properties}` (ErrorResourceInitFailed). */
export class ProviderRpcError extends Error {
  constructor(
    message: string,
    readonly code: number,
    readonly initFailure?: InitFailure,
  ) {
    super(message);
    this.name = "ProviderRpcError";
  }
}

/**
 * The Node process itself. Under jest, `process` is a per-file copy whose events never fire: exit hooks and
 * unhandled-rejection listeners must go on the real one, which the main context's global holds.
 */
export const realProcess = require("node:vm").runInThisContext("process") as NodeJS.Process;

/**
 * Under jest every test file loads this module afresh, while the worker process (and its `exit` event) outlives
 * them all. So the provider processes still running, and the one `exit` hook that kills them, are kept on the
 * real process under a registry symbol (shared by every module copy): loading the module again adds no listener.
 */
const PROCESS_WIDE = Symbol.for("pulumi-together/testing/provider-host");

function liveChildren(): Set<ChildProcess> {
  const holder = realProcess as unknown as Record<symbol, Set<ChildProcess> | undefined>;
  let live = holder[PROCESS_WIDE];
  if (live === undefined) {
    const children = new Set<ChildProcess>();
    live = children;
    holder[PROCESS_WIDE] = children;
    // A test that dies before stop() must not leave provider processes behind.
    realProcess.on("exit", () => {
      for (const child of children) child.kill("SIGKILL");
    });
  }
  return live;
}

export class DynamicProviderHost {
  private readonly output: string[] = [];
  private client: any;

  private constructor(private readonly child: ChildProcess) {}

  static async start(opts: ProviderHostOptions): Promise<DynamicProviderHost> {
    const live = liveChildren();
    const child = spawn(
      process.execPath,
      [require.resolve("@pulumi/pulumi/cmd/dynamic-provider"), "127.0.0.1:1"],
      {
        cwd: opts.cwd,
        env: {
          ...process.env,
          PULUMI_CONFIG: "{}",
          PULUMI_CONFIG_SECRET_KEYS: "[]",
          PULUMI_NODEJS_PROJECT: opts.project,
          PULUMI_PROJECT: opts.project,
          ...opts.env,
        },
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    live.add(child);
    child.once("exit", () => live.delete(child));
    const host = new DynamicProviderHost(child);
    try {
      const port = await host.readPort();
      host.client = new ResourceProviderClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
      await new Promise<void>((resolve, reject) =>
        host.client.waitForReady(Date.now() + 10_000, (err: Error | null) => (err ? reject(err) : resolve())),
      );
    } catch (err) {
      await host.stop();
      throw err;
    }
    return host;
  }

  /** Everything the provider printed on stdout (after the port line) and stderr, interleaved as received. */
  get log(): string {
    return this.output.join("");
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  private readPort(): Promise<number> {
    const child = this.child;
    child.stderr!.setEncoding("utf8");
    child.stderr!.on("data", (chunk: string) => this.output.push(chunk));
    return new Promise((resolve, reject) => {
      const lines = createInterface({ input: child.stdout! });
      let port: number | undefined;
      lines.on("line", (line) => {
        if (port === undefined) {
          port = Number(line.trim());
          resolve(port);
        } else {
          this.output.push(`${line}\n`);
        }
      });
      child.once("exit", (code) => {
        if (port === undefined) reject(new Error(`dynamic provider exited with code ${code}: ${this.log}`));
      });
      child.once("error", reject);
    });
  }

  private call<T>(method: string, req: unknown, map: (resp: any) => T): Promise<T> {
    return new Promise((resolve, reject) => {
      this.client[method](req, (err: any, resp: any) => {
        if (err) reject(toRpcError(method, err));
        else resolve(map(resp));
      });
    });
  }

  version(): Promise<string> {
    return this.call("getPluginInfo", new Empty(), (r) => r.getVersion() as string);
  }

  configure(config: Record<string, string>): Promise<{ acceptSecrets: boolean; supportsPreview: boolean }> {
    const req = new provproto.ConfigureRequest();
    req.setArgs(Struct.fromJavaScript(config));
    req.setAcceptsecrets(true);
    req.setAcceptresources(true);
    return this.call("configure", req, (r) => ({
      acceptSecrets: r.getAcceptsecrets() as boolean,
      supportsPreview: r.getSupportspreview() as boolean,
    }));
  }

  check(
    urn: string,
    olds: Props,
    news: Props,
  ): Promise<{ inputs: Props; failures: { property: string; reason: string }[] }> {
    const req = new provproto.CheckRequest();
    req.setUrn(urn);
    req.setOlds(Struct.fromJavaScript(olds));
    req.setNews(Struct.fromJavaScript(news));
    return this.call("check", req, (r) => ({
      inputs: toJs(r.getInputs()),
      failures: (r.getFailuresList() as any[]).map((f) => ({
        property: f.getProperty(),
        reason: f.getReason(),
      })),
    }));
  }

  diff(
    urn: string,
    id: string,
    oldOutputs: Props,
    news: Props,
    oldInputs: Props,
  ): Promise<{ changes: "some" | "none" | "unknown"; replaces: string[]; deleteBeforeReplace: boolean }> {
    const req = new provproto.DiffRequest();
    req.setUrn(urn);
    req.setId(id);
    req.setOlds(Struct.fromJavaScript(oldOutputs));
    req.setNews(Struct.fromJavaScript(news));
    req.setOldInputs(Struct.fromJavaScript(oldInputs));
    const kinds = provproto.DiffResponse.DiffChanges;
    return this.call("diff", req, (r) => ({
      changes:
        r.getChanges() === kinds.DIFF_SOME ? "some" : r.getChanges() === kinds.DIFF_NONE ? "none" : "unknown",
      replaces: r.getReplacesList() as string[],
      deleteBeforeReplace: r.getDeletebeforereplace() as boolean,
    }));
  }

  create(urn: string, props: Props): Promise<{ id: string; properties: Props }> {
    const req = new provproto.CreateRequest();
    req.setUrn(urn);
    req.setProperties(Struct.fromJavaScript(props));
    return this.call("create", req, (r) => ({
      id: r.getId() as string,
      properties: toJs(r.getProperties()),
    }));
  }

  read(
    urn: string,
    id: string,
    props?: Props,
    inputs?: Props,
  ): Promise<{ id: string; properties: Props; inputs?: Props }> {
    const req = new provproto.ReadRequest();
    req.setUrn(urn);
    req.setId(id);
    if (props) req.setProperties(Struct.fromJavaScript(props));
    if (inputs) req.setInputs(Struct.fromJavaScript(inputs));
    return this.call("read", req, (r) => {
      const out: { id: string; properties: Props; inputs?: Props } = {
        id: r.getId() as string,
        properties: toJs(r.getProperties()),
      };
      if (r.getInputs()) out.inputs = toJs(r.getInputs());
      return out;
    });
  }

  update(
    urn: string,
    id: string,
    oldOutputs: Props,
    news: Props,
    oldInputs: Props,
  ): Promise<{ properties: Props }> {
    const req = new provproto.UpdateRequest();
    req.setUrn(urn);
    req.setId(id);
    req.setOlds(Struct.fromJavaScript(oldOutputs));
    req.setNews(Struct.fromJavaScript(news));
    req.setOldInputs(Struct.fromJavaScript(oldInputs));
    return this.call("update", req, (r) => ({ properties: toJs(r.getProperties()) }));
  }

  delete(urn: string, id: string, oldOutputs: Props, oldInputs: Props): Promise<void> {
    const req = new provproto.DeleteRequest();
    req.setUrn(urn);
    req.setId(id);
    req.setProperties(Struct.fromJavaScript(oldOutputs));
    req.setOldInputs(Struct.fromJavaScript(oldInputs));
    return this.call("delete", req, () => undefined);
  }

  /** Closes the channel and ends the child (SIGTERM, then SIGKILL if it lingers). */
  async stop(): Promise<void> {
    this.client?.close();
    const child = this.child;
    if (child.exitCode !== null || child.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => child.kill("SIGKILL"), 2_000);
      child.once("exit", () => {
        clearTimeout(timer);
        resolve();
      });
      child.kill("SIGTERM");
    });
  }
}

function toJs(struct: any): Props {
  return struct ? (struct.toJavaScript() as Props) : {};
}

function toRpcError(method: string, err: any): ProviderRpcError {
  const message = typeof err.details === "string" && err.details !== "" ? err.details : String(err.message);
  return new ProviderRpcError(`${method}: ${message}`, Number(err.code), initFailureOf(err));
}

/** The server packs ErrorResourceInitFailed into `grpc-status-details-bin`, as the engine reads it. */
function initFailureOf(err: any): InitFailure | undefined {
  const raw = err.metadata?.get?.("grpc-status-details-bin")?.[0];
  if (!raw) return undefined;
  const status = statusproto.Status.deserializeBinary(new Uint8Array(raw as Buffer));
  for (const any of status.getDetailsList() as any[]) {
    if (!String(any.getTypeUrl()).endsWith("pulumirpc.ErrorResourceInitFailed")) continue;
    const detail = provproto.ErrorResourceInitFailed.deserializeBinary(any.getValue_asU8());
    return { id: detail.getId(), properties: toJs(detail.getProperties()), reasons: detail.getReasonsList() };
  }
  return undefined;
}
