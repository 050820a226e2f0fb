// One resource's step, as the engine takes it for each registration of an up or a preview: Check, then create,
// Diff and update, replace (create-before-delete or delete-before-create) or same. It records the state
// entry each step leaves behind.
import { errorText } from "../provider/shared/error-text";
import { deleteEntry } from "./delete-phase";
import type { RawRequest } from "./mock-monitor";
import { type DynamicProviderHost, ProviderRpcError, type Props } from "./provider-host";
import { requireBuiltRuntime, type LazyHost } from "./run-host";
import { op, type Op } from "./run-report";
import { annotateSecrets, unwrapSecrets } from "./secrets";
import type { StateEntry } from "./state-store";

export interface Registered {
  id: string;
  state: Props;
}

export interface StepRun {
  host: LazyHost;
  ops: Op[];
  preview: boolean;
  /** The previous run's resources by key (leftovers pending delete excluded). */
  prior: ReadonlyMap<string, StateEntry>;
  urn(type: string, name: string): string;
}

/** What every branch of one step needs. */
interface Step {
  key: string;
  order: number;
  urn: string;
  req: RawRequest;
  provider: DynamicProviderHost;
  /** The fields of the state entry that come from the registration. */
  base: Omit<StateEntry, "id" | "inputs" | "outputs">;
  started: number;
  /** Checked inputs in plaintext, as the provider gets them. */
  checked: Props;
  /** The same with secrets marked, as state stores them. */
  inputs: Props;
}

export class StepExecutor {
  /** The entries this run's steps left, by key, with their registration order. */
  private readonly fresh = new Map<string, { order: number; entry: StateEntry }>();
  /** Prior resources a create-before-delete replaced: deleted at the end of the run. */
  readonly replaced: StateEntry[] = [];
  /** Keys the program registered. */
  readonly seen = new Set<string>();
  /** Keys whose prior resource was deleted this run (delete-before-create). */
  readonly gone = new Set<string>();
  private registrations = 0;

  constructor(private readonly run: StepRun) {}

  /** The state entries this run's steps left, in registration order. */
  entries(): StateEntry[] {
    return [...this.fresh.values()].sort((a, b) => a.order - b.order).map((f) => f.entry);
  }

  /** Whether a step of this run recorded an entry for `key`. */
  recorded(key: string): boolean {
    return this.fresh.has(key);
  }

  async step(type: string, name: string, req: RawRequest): Promise<Registered> {
    const key = `${type}::${name}`;
    const order = this.registrations++;
    this.seen.add(key);
    const urn = this.run.urn(type, name);
    const raw = req.object;
    requireBuiltRuntime(raw);
    const prior = this.run.prior.get(key);
    const news = withIgnoredChanges(unwrapSecrets(raw), prior, req.ignoreChanges);
    const provider = await this.run.host.get();
    // Op durations cover the resource's own RPCs, not the provider start the first op waits for.
    const started = Date.now();
    const base = {
      key,
      urn,
      type,
      name,
      additionalSecretOutputs: req.additionalSecretOutputs,
      deleteBeforeReplace: req.deleteBeforeReplace,
      retainOnDelete: req.retainOnDelete,
      protect: req.protect,
    };

    if (req.importId !== "" && !prior) {
      // The engine's ImportStep reads with neither inputs nor state: no __provider reaches the server (#16175).
      await provider.read(urn, req.importId);
    }

    const result = await provider.check(urn, prior ? unwrapSecrets(prior.inputs) : {}, news);
    if (result.failures.length > 0) {
      const reasons = result.failures.map((f) => `${f.property}: ${f.reason}`).join("; ");
      this.run.ops.push(op("check", base, started, `failed: ${reasons}`));
      throw new Error(`${key}: check failed: ${reasons}`);
    }
    const s: Step = {
      key,
      order,
      urn,
      req,
      provider,
      base,
      started,
      checked: result.inputs,
      inputs: annotateSecrets(result.inputs, raw),
    };

    if (!prior) {
      if (this.run.preview) {
        this.run.ops.push(op("create(preview)", base, started));
        return { id: "", state: s.inputs };
      }
      return this.create(s, "create");
    }

    const diff = await provider.diff(
      urn,
      prior.id,
      unwrapSecrets(prior.outputs),
      s.checked,
      unwrapSecrets(prior.inputs),
    );
    const detail = `changes=${diff.changes}${diff.replaces.length > 0 ? ` replaces=${diff.replaces.join(",")}` : ""}`;
    if (diff.replaces.length > 0) return this.replace(s, prior, detail, diff.deleteBeforeReplace);

    const inputsChanged = JSON.stringify(s.checked) !== JSON.stringify(unwrapSecrets(prior.inputs));
    const initErrors = (prior.initErrors ?? []).length > 0;
    if (diff.changes === "some" || (diff.changes === "unknown" && inputsChanged) || initErrors) {
      const why = initErrors && diff.changes !== "some" ? `${detail} initErrors` : detail;
      return this.update(s, prior, why);
    }
    // additionalSecretOutputs apply to whatever outputs the step yields, a same step's too.
    const outputs = this.outputsOf(s, prior.outputs);
    this.record(s, { ...prior, ...base, inputs: s.inputs, outputs });
    this.run.ops.push(op("same", base, started));
    return { id: prior.id, state: outputs };
  }

  private record(s: Step, entry: StateEntry): void {
    this.fresh.set(s.key, { order: s.order, entry });
  }

  /** Outputs as stored: re-marked secret where the inputs were, plus additionalSecretOutputs. */
  private outputsOf(s: Step, props: Props): Props {
    return annotateSecrets(props, s.req.object, s.req.additionalSecretOutputs);
  }

  private async create(s: Step, opName: string): Promise<Registered> {
    try {
      const res = await s.provider.create(s.urn, s.checked);
      const entry = { ...s.base, id: res.id, inputs: s.inputs, outputs: this.outputsOf(s, res.properties) };
      this.record(s, entry);
      this.run.ops.push(op(opName, s.base, s.started));
      return { id: res.id, state: entry.outputs };
    } catch (err) {
      const failed = err instanceof ProviderRpcError ? err.initFailure : undefined;
      if (failed) {
        this.record(s, {
          ...s.base,
          id: failed.id,
          inputs: s.inputs,
          outputs: this.outputsOf(s, failed.properties),
          initErrors: failed.reasons,
        });
      }
      this.run.ops.push(
        op(opName, s.base, s.started, `${failed ? "partial failure" : "failed"}: ${errorText(err)}`),
      );
      throw err;
    }
  }

  private async replace(
    s: Step,
    prior: StateEntry,
    detail: string,
    deleteBeforeReplace: boolean,
  ): Promise<Registered> {
    if (this.run.preview) {
      this.run.ops.push(op("replace(preview)", s.base, s.started, detail));
      return { id: "", state: s.inputs };
    }
    this.record(s, prior);
    if (deleteBeforeReplace || s.req.deleteBeforeReplace) {
      await deleteEntry(this.run.host, prior, "delete");
      this.fresh.delete(s.key);
      this.gone.add(s.key);
      return this.create(s, "replace(delete-before-create)");
    }
    try {
      const result = await this.create(s, "replace(create-before-delete)");
      this.replaced.push(prior);
      return result;
    } catch (err) {
      // A partially created replacement took the key; the old resource still exists and must be deleted.
      if (this.fresh.get(s.key)?.entry !== prior) this.replaced.push(prior);
      throw err;
    }
  }

  private async update(s: Step, prior: StateEntry, why: string): Promise<Registered> {
    if (this.run.preview) {
      this.run.ops.push(op("update(preview)", s.base, s.started, why));
      return { id: prior.id, state: s.inputs };
    }
    try {
      const res = await s.provider.update(
        s.urn,
        prior.id,
        unwrapSecrets(prior.outputs),
        s.checked,
        unwrapSecrets(prior.inputs),
      );
      const entry = { ...s.base, id: prior.id, inputs: s.inputs, outputs: this.outputsOf(s, res.properties) };
      this.record(s, entry);
      this.run.ops.push(op("update", s.base, s.started, why));
      return { id: prior.id, state: entry.outputs };
    } catch (err) {
      const failed = err instanceof ProviderRpcError ? err.initFailure : undefined;
      this.record(s, {
        ...prior,
        ...(failed
          ? { outputs: this.outputsOf(s, failed.properties), initErrors: failed.reasons, inputs: s.inputs }
          : {}),
      });
      this.run.ops.push(
        op("update", s.base, s.started, `${failed ? "partial failure" : "failed"}: ${errorText(err)}`),
      );
      throw err;
    }
  }
}

/**
 * The engine's `ignoreChanges`: before Check, each ignored top-level input takes its old value (or is dropped
 * when it had none), so the provider never sees the change (verified on the real CLI,
 * test/e2e/resource-options.e2e.test.ts). Nested paths (`a.b`) are applied to their top-level field.
 */
function withIgnoredChanges(
  news: Record<string, unknown>,
  prior: StateEntry | undefined,
  ignored: string[],
): Record<string, unknown> {
  if (prior === undefined || ignored.length === 0) return news;
  const old = unwrapSecrets(prior.inputs);
  const out = { ...news };
  for (const key of new Set(ignored.map((p) => p.split(/[.[]/)[0]!))) {
    if (key in old) out[key] = old[key];
    else delete out[key];
  }
  return out;
}
