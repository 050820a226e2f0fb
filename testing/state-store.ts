// The harness's stand-in for the engine's checkpoint: one JSON file per stack, rewritten after every run.
import * as fs from "node:fs";
import * as path from "node:path";
import type { Props } from "./provider-host";

export interface StateEntry {
  key: string;
  urn: string;
  type: string;
  name: string;
  id: string;
  /** Checked inputs; secrets as envelopes. */
  inputs: Props;
  /** Outputs (including `__provider`); secrets as envelopes. */
  outputs: Props;
  additionalSecretOutputs?: string[];
  deleteBeforeReplace?: boolean;
  retainOnDelete?: boolean;
  protect?: boolean;
  /** Set when create/update threw a partial failure: the next up updates the resource even without a diff. */
  initErrors?: string[];
  /** A create-before-delete leftover whose delete failed: deleted first thing next run. */
  pendingDelete?: boolean;
}

export interface HarnessState {
  version: 1;
  resources: StateEntry[];
}

export class StateStore {
  constructor(private readonly file: string) {}

  read(): HarnessState {
    if (!fs.existsSync(this.file)) return { version: 1, resources: [] };
    return JSON.parse(fs.readFileSync(this.file, "utf8")) as HarnessState;
  }

  save(resources: StateEntry[]): void {
    const state: HarnessState = { version: 1, resources };
    fs.mkdirSync(path.dirname(this.file), { recursive: true });
    fs.writeFileSync(this.file, `${JSON.stringify(state, null, 2)}\n`);
  }
}
