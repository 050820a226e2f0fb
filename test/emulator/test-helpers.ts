// Small helpers the emulator's own tests share: raw HTTP calls and ready-made uploaded files.
import type { Emulator } from "../../emulator";

export interface ApiResponse {
  status: number;
  headers: Headers;
  // Wire bodies are checked field by field in the tests.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
}

export async function api(
  emu: Emulator,
  method: string,
  path: string,
  body?: unknown,
  opts: { auth?: boolean; headers?: Record<string, string> } = {},
): Promise<ApiResponse> {
  const headers: Record<string, string> = { ...(opts.headers ?? {}) };
  if (opts.auth !== false) headers.authorization = `Bearer ${emu.apiKey}`;
  let payload: string | undefined;
  if (body !== undefined) {
    headers["content-type"] ??= "application/json";
    payload = typeof body === "string" ? body : JSON.stringify(body);
  }
  const res = await fetch(`${emu.baseUrl}${path}`, {
    method,
    headers,
    body: payload ?? null,
    redirect: "manual",
  });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text === "" ? undefined : JSON.parse(text);
  } catch {
    // raw content (file downloads) stays text
  }
  return { status: res.status, headers: res.headers, body: parsed };
}

/** Redirect-flow upload of `content`; returns the file id (bytes complete, processing started). */
export async function uploadText(
  emu: Emulator,
  content: string | Buffer,
  fileName = "train.jsonl",
  purpose = "fine-tune",
): Promise<string> {
  const form = new URLSearchParams({ purpose, file_name: fileName });
  const res = await api(emu, "POST", "/files", form.toString(), {
    headers: { "content-type": "application/x-www-form-urlencoded" },
  });
  if (res.status !== 302) throw new Error(`POST /files answered ${res.status}: ${JSON.stringify(res.body)}`);
  const put = await fetch(res.headers.get("location")!, { method: "PUT", body: content });
  if (put.status !== 200) throw new Error(`upload PUT answered ${put.status}`);
  return res.headers.get("x-together-file-id")!;
}

/** Lets background processing finish and emulated time pass until the file's outcome is visible. */
export async function settleFile(emu: Emulator): Promise<void> {
  await emu.idle();
  emu.clock.advance(10_000);
}

export const conversationLine = (i: number): string =>
  JSON.stringify({
    messages: [
      { role: "user", content: `question ${i}` },
      { role: "assistant", content: `answer ${i}` },
    ],
  });

export const conversationJsonl = (lines: number): string =>
  Array.from({ length: lines }, (_, i) => conversationLine(i)).join("\n") + "\n";

export const preferenceJsonl = (lines: number): string =>
  Array.from({ length: lines }, (_, i) =>
    JSON.stringify({
      input: { messages: [{ role: "user", content: `q${i}` }] },
      preferred_output: [{ role: "assistant", content: "good" }],
      non_preferred_output: [{ role: "assistant", content: "bad" }],
    }),
  ).join("\n") + "\n";

export async function readyFile(
  emu: Emulator,
  content: string = conversationJsonl(20),
  name = "train.jsonl",
): Promise<string> {
  const id = await uploadText(emu, content, name);
  await settleFile(emu);
  return id;
}
