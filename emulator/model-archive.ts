// The weights archive `GET /finetune/download` serves: a real `.tar.zst` (a zstd frame of raw blocks around a tar
// stream), every byte of which is a pure function of its offset. So any size streams in flat memory, a Range
// request is answered without producing what comes before it, and the same job, kind and step always give the
// same bytes (and SHA-256) without anything being stored.
import { createHash } from "node:crypto";
import type { Readable } from "node:stream";
import { computedStream } from "./computed-body";

/** Which archive: the job, the artifact kind (`merged`, `adapter`, `model_output_path` or `step`) and the step. */
export interface ArchiveKey {
  jobId: string;
  kind: string;
  step: number;
}

/** The default weights size: big enough for a reset mid-body to leave a real partial file, small enough for tests. */
export const DEFAULT_WEIGHTS_BYTES = 256 * 1024;

const TAR_BLOCK = 512;
/** zstd's largest block; raw (stored) blocks need no compressor and keep offsets computable. */
const ZSTD_BLOCK = 128 * 1024;
/** Magic, frame header descriptor (8-byte content size, no checksum), window descriptor (128 KiB), content size. */
const FRAME_HEADER_BYTES = 4 + 1 + 1 + 8;
const BLOCK_HEADER_BYTES = 3;
/** The weights repeat a seeded 1 MiB pattern, each 64 KiB stamped with its index so no two pieces are equal. */
const PATTERN_BYTES = 1024 * 1024;
const PIECE_BYTES = 64 * 1024;
const STAMP_BYTES = 8;

type Segment = { at: number; bytes: Buffer } | { at: number; size: number; pattern: Buffer };

export interface ModelArchive {
  key: ArchiveKey;
  /** Size of the `.tar.zst`, in bytes. */
  bytes: number;
  /** Size of the tar stream inside it. */
  tarBytes: number;
  /** A strong validator: equal for equal bytes. */
  etag: string;
  /** The bytes `[start, end)` as a stream, produced as it is read. */
  stream(start?: number, end?: number): Readable;
  /** Copies the bytes at `offset` into `out` (which must lie within the archive). */
  fill: (out: Buffer, offset: number) => void;
}

function seeded(key: ArchiveKey, size: number): Buffer {
  const out = Buffer.allocUnsafe(size);
  const seed = `${key.jobId}/${key.kind}/${key.step}`;
  for (let i = 0, n = 0; i < size; n++) {
    const h = createHash("sha256").update(`${seed}/${n}`).digest();
    i += h.copy(out, i);
  }
  return out;
}

function tarHeader(name: string, size: number): Buffer {
  const h = Buffer.alloc(TAR_BLOCK);
  h.write(name, 0, 100, "utf8");
  h.write("0000644\0", 100);
  h.write("0000000\0", 108);
  h.write("0000000\0", 116);
  h.write(`${size.toString(8).padStart(11, "0")}\0`, 124);
  h.write(`${(0).toString(8).padStart(11, "0")}\0`, 136);
  h.write("        ", 148);
  h.write("0", 156);
  h.write("ustar\0", 257);
  h.write("00", 263);
  let sum = 0;
  for (const b of h) sum += b;
  h.write(`${sum.toString(8).padStart(6, "0")}\0 `, 148);
  return h;
}

function padding(size: number): number {
  return (TAR_BLOCK - (size % TAR_BLOCK)) % TAR_BLOCK;
}

/** What a LoRA adapter, a merged model and a full model hold: a config, the weights, their names as on HF. */
function entryNames(kind: string): { config: string; weights: string } {
  return kind === "adapter"
    ? { config: "adapter_config.json", weights: "adapter_model.safetensors" }
    : { config: "config.json", weights: "model.safetensors" };
}

export function modelArchive(key: ArchiveKey, weightsBytes: number = DEFAULT_WEIGHTS_BYTES): ModelArchive {
  const names = entryNames(key.kind);
  const config = Buffer.from(
    `${JSON.stringify({ fine_tune_id: key.jobId, checkpoint: key.kind, step: key.step }, null, 2)}\n`,
  );
  const pattern = seeded(key, Math.min(PATTERN_BYTES, Math.max(PIECE_BYTES, weightsBytes)));
  const segments: Segment[] = [];
  let at = 0;
  const add = (bytes: Buffer): void => {
    if (bytes.length === 0) return;
    segments.push({ at, bytes });
    at += bytes.length;
  };
  add(tarHeader(names.config, config.length));
  add(config);
  add(Buffer.alloc(padding(config.length)));
  add(tarHeader(names.weights, weightsBytes));
  if (weightsBytes > 0) segments.push({ at, size: weightsBytes, pattern });
  at += weightsBytes;
  add(Buffer.alloc(padding(weightsBytes) + 2 * TAR_BLOCK));
  const tarBytes = at;

  const blocks = Math.max(1, Math.ceil(tarBytes / ZSTD_BLOCK));
  const bytes = FRAME_HEADER_BYTES + blocks * BLOCK_HEADER_BYTES + tarBytes;
  const frameHeader = Buffer.alloc(FRAME_HEADER_BYTES);
  frameHeader.writeUInt32LE(0xfd2fb528, 0);
  frameHeader[4] = 0xc0; // Frame_Content_Size_flag 3: an 8-byte content size; no checksum, no dictionary.
  frameHeader[5] = 7 << 3; // Window_Descriptor: 2^(10+7) = 128 KiB.
  frameHeader.writeBigUInt64LE(BigInt(tarBytes), 6);

  const fillTar = (out: Buffer, outAt: number, tarAt: number, length: number): void => {
    let done = 0;
    for (const s of segments) {
      const size = "bytes" in s ? s.bytes.length : s.size;
      if (s.at + size <= tarAt + done) continue;
      if (done >= length) break;
      const from = tarAt + done - s.at;
      const n = Math.min(size - from, length - done);
      if ("bytes" in s) s.bytes.copy(out, outAt + done, from, from + n);
      else fillPattern(s.pattern, out, outAt + done, from, n);
      done += n;
    }
  };

  const fill = (out: Buffer, offset: number): void => {
    let o = offset;
    let w = 0;
    while (w < out.length) {
      if (o < FRAME_HEADER_BYTES) {
        const n = Math.min(FRAME_HEADER_BYTES - o, out.length - w);
        frameHeader.copy(out, w, o, o + n);
        o += n;
        w += n;
        continue;
      }
      const rel = o - FRAME_HEADER_BYTES;
      const block = Math.floor(rel / (BLOCK_HEADER_BYTES + ZSTD_BLOCK));
      const inBlock = rel - block * (BLOCK_HEADER_BYTES + ZSTD_BLOCK);
      const blockSize = Math.min(ZSTD_BLOCK, tarBytes - block * ZSTD_BLOCK);
      if (inBlock < BLOCK_HEADER_BYTES) {
        const last = block === blocks - 1 ? 1 : 0;
        const header = Buffer.alloc(BLOCK_HEADER_BYTES);
        header.writeUIntLE(last | (blockSize << 3), 0, BLOCK_HEADER_BYTES); // Block_Type 0: raw.
        const n = Math.min(BLOCK_HEADER_BYTES - inBlock, out.length - w);
        header.copy(out, w, inBlock, inBlock + n);
        o += n;
        w += n;
        continue;
      }
      const dataAt = inBlock - BLOCK_HEADER_BYTES;
      const n = Math.min(blockSize - dataAt, out.length - w);
      fillTar(out, w, block * ZSTD_BLOCK + dataAt, n);
      o += n;
      w += n;
    }
  };

  const etag = `"${createHash("sha256")
    .update(`${key.jobId}/${key.kind}/${key.step}/${weightsBytes}`)
    .digest("hex")
    .slice(0, 32)}"`;

  return {
    key,
    bytes,
    tarBytes,
    etag,
    fill,
    stream: (start = 0, end = bytes) => computedStream({ start, end, fill }),
  };
}

/** One stamp written and copied at a time (fill is synchronous), not one allocated per 64 KiB. */
const stamp = Buffer.alloc(STAMP_BYTES);

/** The weights at `from` (relative to their start): the pattern, with each 64 KiB piece's index in its first bytes. */
function fillPattern(pattern: Buffer, out: Buffer, outAt: number, from: number, length: number): void {
  let done = 0;
  while (done < length) {
    const p = from + done;
    const inPattern = p % pattern.length;
    const n = Math.min(pattern.length - inPattern, PIECE_BYTES - (p % PIECE_BYTES), length - done);
    pattern.copy(out, outAt + done, inPattern, inPattern + n);
    const inPiece = p % PIECE_BYTES;
    if (inPiece < STAMP_BYTES) {
      stamp.writeBigUInt64LE(BigInt(Math.floor(p / PIECE_BYTES)));
      stamp.copy(out, outAt + done, inPiece, Math.min(STAMP_BYTES, inPiece + n));
    }
    done += n;
  }
}

/** SHA-256 of the whole archive, computed in flat memory (tests compare a download against it). */
export async function archiveSha256(archive: ModelArchive): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of archive.stream()) hash.update(chunk as Buffer);
  return hash.digest("hex");
}
