// What each resource costs in state: the serialized `__provider` text per kind (what Pulumi stores with every
// resource), and one resource's inputs + outputs entry in the harness state file after an `up` of one resource
// of each kind against the emulator. Run: `npm run bench -- sizes`.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { shells, type ShellKind } from "../provider/shell";
import { DedicatedEndpoint, FineTuneJob, TrainingFile } from "../sdk";
import { startEmulator } from "../emulator";
import { LifecycleHarness } from "../testing/harness";

const TIME_SCALE = 600;
const KINDS: ShellKind[] = ["TrainingFile", "FineTuneJob", "DedicatedEndpoint"];

export interface KindSizes {
  /** Bytes of `serializeFunction(() => shells.<Kind>)`: the closure captures the whole `shells` record. */
  providerBytes: number;
  /** Bytes of the `__provider` the SDK actually stored in state for this kind (its own shell only). */
  storedProviderBytes: number;
  /** Bytes of the state entry's inputs and outputs (JSON, as stored), `__provider` included. */
  stateBytes: number;
  /** The same without the `__provider` copies (inputs and outputs each carry one). */
  stateBytesWithoutProvider: number;
}

interface StateSizes {
  all: number;
  bare: number;
  provider: number;
}

export type SizeFigures = Record<ShellKind, KindSizes>;

async function providerBytes(kind: ShellKind): Promise<number> {
  const serialized = await pulumi.runtime.serializeFunction(() => shells[kind], { allowSecrets: true });
  return Buffer.byteLength(serialized.text);
}

function withoutProvider(props: Record<string, unknown>): Record<string, unknown> {
  const { __provider: _omit, ...rest } = props;
  return rest;
}

async function stateSizes(): Promise<Record<ShellKind, StateSizes>> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "size-bench-"));
  const emu = await startEmulator({ timeScale: TIME_SCALE });
  try {
    const source = path.join(dir, "train.jsonl");
    fs.writeFileSync(
      source,
      `${JSON.stringify({
        messages: [
          { role: "user", content: "q" },
          { role: "assistant", content: "a" },
        ],
      })}\n`,
    );
    const harness = new LifecycleHarness({
      stateFile: path.join(dir, "state.json"),
      project: "bench",
      stack: "dev",
      cwd: dir,
      env: { PULUMI_TOGETHER_TIME_SCALE: String(TIME_SCALE) },
    });
    await harness.up(
      () => {
        const file = new TrainingFile("train", { source });
        const job = new FineTuneJob("job", { trainingFile: file.fileId, model: "Qwen/Qwen3-0.6B" });
        new DedicatedEndpoint("endpoint", {
          model: job.outputModelName.apply((m) => m ?? ""),
          hardware: "1x_nvidia_h100_80gb_sxm",
        });
        return {};
      },
      {
        config: { "together:apiKey": emu.apiKey, "together:baseUrl": emu.baseUrl },
        secretKeys: ["together:apiKey"],
      },
    );
    const out = {} as Record<ShellKind, StateSizes>;
    for (const entry of harness.state().resources) {
      const kind = entry.type.slice(entry.type.lastIndexOf(":") + 1) as ShellKind;
      const all = Buffer.byteLength(JSON.stringify({ inputs: entry.inputs, outputs: entry.outputs }));
      const bare = Buffer.byteLength(
        JSON.stringify({ inputs: withoutProvider(entry.inputs), outputs: withoutProvider(entry.outputs) }),
      );
      const stored = entry.outputs.__provider;
      out[kind] = {
        all,
        bare,
        provider: typeof stored === "string" ? Buffer.byteLength(stored) : Number.NaN,
      };
    }
    return out;
  } finally {
    await emu.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export async function measureSizes(): Promise<SizeFigures> {
  const state = await stateSizes();
  const figures = {} as SizeFigures;
  for (const kind of KINDS) {
    figures[kind] = {
      providerBytes: await providerBytes(kind),
      storedProviderBytes: state[kind]?.provider ?? Number.NaN,
      stateBytes: state[kind]?.all ?? Number.NaN,
      stateBytesWithoutProvider: state[kind]?.bare ?? Number.NaN,
    };
  }
  return figures;
}

export async function runSizeBench(): Promise<SizeFigures> {
  const f = await measureSizes();
  const rows = [
    [
      "kind",
      "serializeFunction(() => shells.X)",
      "__provider in state",
      "state entry",
      "entry w/o __provider",
    ],
    ...KINDS.map((kind) => {
      const s = f[kind];
      return [
        kind,
        `${s.providerBytes} B`,
        `${s.storedProviderBytes} B`,
        `${s.stateBytes} B`,
        `${s.stateBytesWithoutProvider} B`,
      ];
    }),
  ];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  for (const r of rows)
    console.log(r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  "));
  console.log("state entry = one resource's inputs + outputs in the state file, JSON as stored");
  return f;
}
