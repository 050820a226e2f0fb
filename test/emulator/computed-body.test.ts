// The emulator writes a computed body (the weights archive) from a few reused buffers: a buffer must not be
// refilled before the socket has taken it, whatever the reader's pace.
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { computedStream, sendComputed, type ComputedBody } from "../../emulator/computed-body";

const MiB = 2 ** 20;

/** Every 4 bytes hold their own offset / 4: a byte sent from a buffer refilled too early shows up. */
function counting(start: number, end: number, calls: { n: number } = { n: 0 }): ComputedBody {
  return {
    start,
    end,
    fill(out, offset) {
      calls.n++;
      const byteAt = (at: number): number => (Math.floor(at / 4) >>> (8 * (at % 4))) & 0xff;
      let i = 0;
      for (; i < out.length && (offset + i) % 4 !== 0; i++) out[i] = byteAt(offset + i);
      for (; i + 4 <= out.length; i += 4) out.writeUInt32LE((offset + i) / 4, i);
      for (; i < out.length; i++) out[i] = byteAt(offset + i);
    },
  };
}

function firstMismatch(body: Buffer, start: number): number | undefined {
  const want = Buffer.allocUnsafe(body.length);
  counting(start, start + body.length).fill(want, start);
  if (want.equals(body)) return undefined;
  for (let i = 0; i < body.length; i++) if (want[i] !== body[i]) return start + i;
  return start + body.length;
}

async function serve(body: ComputedBody): Promise<{ url: string; server: http.Server }> {
  const server = http.createServer((_req, res) => {
    res.setHeader("content-length", String(body.end - body.start));
    sendComputed(res, body);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, server };
}

/** Reads the whole body, pausing `pauseMs` after each MiB so the server's socket fills and its writes wait. */
function readSlowly(url: string, pauseMs: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    http
      .get(url, (res) => {
        const parts: Buffer[] = [];
        let sinceBreak = 0;
        res.on("data", (chunk: Buffer) => {
          parts.push(chunk);
          sinceBreak += chunk.length;
          if (sinceBreak >= MiB) {
            sinceBreak = 0;
            res.pause();
            setTimeout(() => res.resume(), pauseMs);
          }
        });
        res.on("end", () => resolve(Buffer.concat(parts)));
        res.on("error", reject);
      })
      .on("error", reject);
  });
}

describe("sendComputed", () => {
  it("sends every byte as computed to a slow reader (no buffer is refilled before the socket took it)", async () => {
    const { url, server } = await serve(counting(0, 24 * MiB + 123));
    try {
      const got = await readSlowly(url, 15);
      expect(got.length).toBe(24 * MiB + 123);
      expect(firstMismatch(got, 0)).toBeUndefined();
    } finally {
      server.close();
    }
  });

  it("sends a range from its start offset, and an empty body", async () => {
    const start = 5 * MiB + 7;
    const ranged = await serve(counting(start, start + 3 * MiB));
    const empty = await serve(counting(9, 9));
    try {
      const got = await readSlowly(ranged.url, 0);
      expect(got.length).toBe(3 * MiB);
      expect(firstMismatch(got, start)).toBeUndefined();
      expect((await readSlowly(empty.url, 0)).length).toBe(0);
    } finally {
      ranged.server.close();
      empty.server.close();
    }
  });

  it("stops computing when the reader goes away", async () => {
    const calls = { n: 0 };
    const { url, server } = await serve(counting(0, 1024 * MiB, calls));
    try {
      await new Promise<void>((resolve, reject) => {
        const req = http.get(url, (res) => {
          res.once("data", () => {
            req.destroy();
            resolve();
          });
        });
        req.on("error", (err) => (req.destroyed ? undefined : reject(err)));
      });
      await new Promise((r) => setTimeout(r, 300));
      const after = calls.n;
      await new Promise((r) => setTimeout(r, 300));
      expect(calls.n).toBe(after);
      expect(calls.n).toBeLessThan(64); // far from the 1024 chunks of the whole
    } finally {
      server.close();
    }
  });

  it("gives the same bytes as a stream (the path a cut reply and the archive's hash take)", async () => {
    const parts: Buffer[] = [];
    for await (const chunk of computedStream(counting(3, 3 + 2 * MiB + 5))) parts.push(chunk as Buffer);
    expect(firstMismatch(Buffer.concat(parts), 3)).toBeUndefined();
  });
});
