// The Together API emulator: an in-process HTTP server on 127.0.0.1 speaking Together's /v1 wire
// protocol (files and uploads, fine-tuning jobs, dedicated endpoints, hardware and models) and the /v2
// endpoints platform (project-scoped endpoints and deployments, model registry, configs, instance types),
// with an emulated clock, fault injection and a request log. Tests, the demo and users' offline tests run
// against it because Together's API is unreachable from CI.
import * as fs from "node:fs";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { HARDWARE } from "./catalog";
import { EmulatedClock } from "./clock";
import { FaultInjector } from "./faults";
import { json, type Reply } from "./http";
import { endpointState, isBilling } from "./endpoint-state";
import { materializeRestarts, scheduleOutcome } from "./job-restarts";
import { jobStatus, TERMINAL_STATUSES } from "./job-timeline";
import { fileRoutes, fileView } from "./routes/files";
import { endpointRoutes, endpointView } from "./routes/endpoints";
import { downloadRoutes } from "./routes/downloads";
import { fineTuneRoutes } from "./routes/fine-tunes";
import { v2EndpointRoutes, v2EndpointView, deploymentView } from "./routes/v2-endpoints";
import { v2RegistryRoutes } from "./routes/v2-registry";
import { deploymentState, isBillingDeployment } from "./v2-deployment-state";
import { V2Store, defaultProjectId, projectInfo } from "./v2-store";
import type { Runtime } from "./runtime";
import { filterLog } from "./request-log";
import { createHandler } from "./server";
import { EmulatorStore } from "./store";
import type {
  EmulatorOptions,
  EmulatorSummary,
  FaultRule,
  HardwareAvailabilityStatus,
  JobDurations,
  RequestRecord,
} from "./types";

export type {
  EmulatorOptions,
  EmulatorSummary,
  FaultRule,
  FaultAction,
  JobOutcome,
  HardwareAvailabilityStatus,
  RequestRecord,
} from "./types";
export { EmulatorStore } from "./store";
export { readRequestLog, type RequestLogEntry, type RequestLogFilter } from "./request-log";
export type { FileRecord, JobRecord, EndpointRecord } from "./store";
export type { V2Store, V2EndpointRecord, DeploymentRecord } from "./v2-store";
export { UPLOAD_PREFIX } from "./routes/files";

export interface Emulator {
  /** `http://127.0.0.1:<port>/v1` */
  readonly baseUrl: string;
  readonly apiKey: string;
  /** The API key's project on the v2 API (`/v2/projects/{projectId}/...`). */
  readonly projectId: string;
  close(): Promise<void>;
  readonly clock: { now(): number; advance(ms: number): void; readonly timeScale: number };
  readonly faults: { add(rule: FaultRule): void; clear(): void; readonly injected: number };
  readonly requests: RequestRecord[];
  readonly store: EmulatorStore;
  /** The v2 platform's endpoints and deployments. */
  readonly v2: V2Store;
  summary(): EmulatorSummary;
  /** Resolves once background work (file processing) started so far has finished. */
  idle(): Promise<void>;
  readonly control: {
    /** Fails the job now with `message`: status `error`, or `user_error` (Together blames the input). */
    failJob(jobId: string, message: string, status?: "error" | "user_error"): void;
    /** An internal error now: the job fails, is refunded, and Together restarts it; returns the new job's id. */
    restartJob(jobId: string, message?: string): string;
    /** The account's billing limit stops the job now (a billing_limit event). */
    stopJobForBillingLimit(jobId: string, message?: string): void;
    setEndpointError(endpointId: string, message: string): void;
    stopEndpointForInactivity(endpointId: string): void;
    setHardwareAvailability(hardwareId: string, status: HardwareAvailabilityStatus): void;
    setUserLimit(usd: number): void;
    setJobDurations(d: Partial<JobDurations>): void;
    setEndpointStartMs(ms: number): void;
    /** v2: how long a deployment takes to become READY (and to scale, and to stop). */
    setDeploymentTimings(t: { provisionMs?: number; scaleMs?: number; stopMs?: number }): void;
    /** v2: the deployment fails now with `message` (state FAILED). */
    failDeployment(deploymentId: string, message: string): void;
    /** v2: a replica of the deployment is lost (state DEGRADED), while it provisions, scales or serves, until
     *  its autoscaling changes or, with `forMs`, until that much emulated time has passed (then READY). */
    degradeDeployment(deploymentId: string, message: string, opts?: { forMs?: number }): void;
  };
}

export async function startEmulator(opts: EmulatorOptions = {}): Promise<Emulator> {
  const apiKey = opts.apiKey ?? "emulator-key";
  const clock = new EmulatedClock(opts.timeScale ?? 1);
  const ownDataDir = opts.dataDir === undefined;
  const dataDir = opts.dataDir ?? (await fs.promises.mkdtemp(path.join(os.tmpdir(), "together-emulator-")));
  await fs.promises.mkdir(dataDir, { recursive: true });
  const store = new EmulatorStore();
  const projectId = opts.projectId ?? defaultProjectId(apiKey);
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(projectId))
    throw new Error(`projectId must be 1-64 letters, digits, "_" or "-", got ${JSON.stringify(projectId)}`);
  const v2 = new V2Store(projectInfo(projectId), store);
  const availability = (hardwareId: string) => store.hardwareAvailability.get(hardwareId) ?? "available";
  const faults = new FaultInjector();
  const requests: RequestRecord[] = [];
  const background = new Set<Promise<unknown>>();
  let origin = "";

  const rt: Runtime = {
    store,
    clock,
    dataDir,
    origin: () => origin,
    track(work) {
      const p = work.finally(() => background.delete(p));
      background.add(p);
    },
  };

  const summary = (): EmulatorSummary => {
    const now = clock.now();
    materializeRestarts(store, now);
    const files = [...store.files.values()];
    const jobs = [...store.jobs.values()];
    const endpoints = [...store.endpoints.values()];
    const deployments = [...v2.deployments.values()];
    return {
      filesCreated: files.length,
      filesLive: files.filter((f) => !f.deleted).length,
      jobsCreated: jobs.length,
      jobsActive: jobs.filter((j) => !TERMINAL_STATUSES.has(jobStatus(j, now))).length,
      endpointsCreated: endpoints.length,
      endpointsLive: endpoints.filter((e) => !e.deleted).length,
      endpointsBilling: endpoints.filter((e) => isBilling(e, now)).length,
      v2EndpointsLive: [...v2.endpoints.values()].filter((e) => !e.deleted).length,
      deploymentsCreated: deployments.length,
      deploymentsLive: deployments.filter((d) => !d.deleted).length,
      deploymentsBilling: deployments.filter((d) => isBillingDeployment(d, now)).length,
    };
  };

  const control = (url: URL, method: string): Reply | undefined => {
    if (method !== "GET") return undefined;
    if (url.pathname === "/_emulator/requests") {
      const filter = {
        ...(url.searchParams.has("method") ? { method: url.searchParams.get("method")! } : {}),
        ...(url.searchParams.has("path") ? { path: url.searchParams.get("path")! } : {}),
      };
      return json({ object: "list", data: filterLog(requests, filter) });
    }
    if (url.pathname !== "/_emulator/state") return undefined;
    const now = clock.now();
    materializeRestarts(store, now);
    return json({
      projectId,
      summary: summary(),
      time: new Date(now).toISOString(),
      timeScale: clock.timeScale,
      files: [...store.files.values()].filter((f) => !f.deleted).map((f) => fileView(f, now)),
      jobs: [...store.jobs.values()]
        .filter((j) => !j.deleted)
        .map((j) => ({
          id: j.id,
          status: jobStatus(j, now),
          model: j.model,
          model_output_name: j.outputName,
        })),
      endpoints: [...store.endpoints.values()].filter((e) => !e.deleted).map((e) => endpointView(e, now)),
      v2Endpoints: [...v2.endpoints.values()]
        .filter((e) => !e.deleted)
        .map((e) => ({
          ...v2EndpointView(v2, e, now),
          deployments: v2.deploymentsOf(e.id).map((d) => deploymentView(v2, e, d, now)),
        })),
    });
  };

  const server = http.createServer(
    createHandler({
      rt,
      routes: [
        ...fileRoutes(),
        ...fineTuneRoutes(),
        ...endpointRoutes(),
        ...downloadRoutes(),
        ...v2RegistryRoutes(v2, availability),
        ...v2EndpointRoutes(v2, availability),
      ],
      faults,
      requests,
      apiKey,
      control,
    }),
  );
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port ?? 0, "127.0.0.1", () => resolve());
  });
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const idle = async (): Promise<void> => {
    while (background.size > 0) await Promise.allSettled([...background]);
  };

  const mustJob = (id: string) => {
    const job = store.liveJob(id);
    if (!job) throw new Error(`emulator: no fine-tune job ${id}`);
    return job;
  };
  const mustRunningJob = (id: string) => {
    const job = mustJob(id);
    const status = jobStatus(job, clock.now());
    if (TERMINAL_STATUSES.has(status)) throw new Error(`emulator: job ${id} is already ${status}`);
    return job;
  };
  const mustDeployment = (id: string) => {
    const d = v2.deployments.get(id);
    if (!d || d.deleted) throw new Error(`emulator: no deployment ${id}`);
    return d;
  };
  const mustEndpoint = (id: string) => {
    const ep = store.liveEndpoint(id);
    if (!ep) throw new Error(`emulator: no endpoint ${id}`);
    return ep;
  };

  return {
    baseUrl: `${origin}/v1`,
    apiKey,
    projectId,
    v2,
    clock: {
      now: () => clock.now(),
      advance: (ms) => clock.advance(ms),
      timeScale: clock.timeScale,
    },
    faults: {
      add: (rule) => faults.add(rule),
      clear: () => faults.clear(),
      get injected() {
        return faults.injected;
      },
    },
    requests,
    store,
    summary,
    idle,
    control: {
      failJob(jobId, message, status = "error") {
        scheduleOutcome(mustRunningJob(jobId), status, clock.now(), message);
      },
      restartJob(jobId, message) {
        const id = scheduleOutcome(mustRunningJob(jobId), "restart", clock.now(), message)!;
        materializeRestarts(store, clock.now());
        return id;
      },
      stopJobForBillingLimit(jobId, message) {
        scheduleOutcome(mustRunningJob(jobId), "billing_limit", clock.now(), message);
      },
      setEndpointError(endpointId, message) {
        mustEndpoint(endpointId).phase = { kind: "error", since: clock.now(), message };
      },
      stopEndpointForInactivity(endpointId) {
        const ep = mustEndpoint(endpointId);
        const state = endpointState(ep, clock.now());
        if (state !== "STARTED")
          throw new Error(`emulator: endpoint ${endpointId} is ${state}; only a STARTED endpoint idles out`);
        ep.phase = { kind: "stopped", since: clock.now() };
      },
      setHardwareAvailability(hardwareId, status) {
        if (!HARDWARE.some((h) => h.id === hardwareId))
          throw new Error(`emulator: no hardware ${hardwareId}`);
        store.hardwareAvailability.set(hardwareId, status);
      },
      setUserLimit(usd) {
        store.userLimitUsd = usd;
      },
      setJobDurations(d) {
        store.jobDurations = { ...store.jobDurations, ...d };
      },
      setEndpointStartMs(ms) {
        store.endpointStartMs = ms;
      },
      setDeploymentTimings(t) {
        if (t.provisionMs !== undefined) v2.provisionMs = t.provisionMs;
        if (t.scaleMs !== undefined) v2.scaleMs = t.scaleMs;
        if (t.stopMs !== undefined) v2.stopMs = t.stopMs;
      },
      failDeployment(deploymentId, message) {
        mustDeployment(deploymentId).phase = { kind: "failed", since: clock.now(), message };
      },
      degradeDeployment(deploymentId, message, opts = {}) {
        const d = mustDeployment(deploymentId);
        const now = clock.now();
        const state = deploymentState(d, now);
        const serving = [
          "DEPLOYMENT_STATE_PROVISIONING",
          "DEPLOYMENT_STATE_SCALING",
          "DEPLOYMENT_STATE_READY",
        ];
        if (!serving.includes(state))
          throw new Error(
            `emulator: deployment ${deploymentId} is ${state}; only one provisioning, scaling or READY degrades`,
          );
        d.phase = {
          kind: "degraded",
          since: now,
          message,
          ...(opts.forMs !== undefined && { until: now + opts.forMs }),
        };
      },
    },
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await idle();
      if (ownDataDir) await fs.promises.rm(dataDir, { recursive: true, force: true });
    },
  };
}
