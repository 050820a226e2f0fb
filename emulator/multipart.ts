// A streaming multipart/form-data reader: yields each part's headers, then its bytes as they arrive,
// holding back only enough of the stream to recognise the next boundary. Used for the one-shot
// `POST /files/upload` (file parts go straight to disk) and for the small forms of `POST /files`.

export interface PartStart {
  kind: "part";
  name: string;
  filename?: string;
}
export type MultipartEvent = PartStart | { kind: "data"; data: Buffer } | { kind: "end-part" };

export class MultipartError extends Error {}

export async function* readMultipart(
  chunks: AsyncIterable<Buffer> | Iterable<Buffer>,
  boundary: string,
): AsyncGenerator<MultipartEvent> {
  const delimiter = Buffer.from(`\r\n--${boundary}`);
  // The first boundary has no leading CRLF; prefixing one lets one search rule cover every boundary.
  let buf: Buffer = Buffer.from("\r\n");
  let state: "preamble" | "after-delimiter" | "headers" | "body" | "done" = "preamble";
  const feed = async function* (): AsyncGenerator<MultipartEvent> {
    for (;;) {
      if (state === "preamble") {
        const i = buf.indexOf(delimiter);
        if (i < 0) {
          buf = buf.subarray(Math.max(0, buf.length - delimiter.length));
          return;
        }
        buf = buf.subarray(i + delimiter.length);
        state = "after-delimiter";
      } else if (state === "after-delimiter") {
        if (buf.length < 2) return;
        const two = buf.subarray(0, 2).toString("latin1");
        if (two === "--") {
          state = "done";
          return;
        }
        if (two !== "\r\n") throw new MultipartError("malformed multipart body: bad boundary line");
        buf = buf.subarray(2);
        state = "headers";
      } else if (state === "headers") {
        const i = buf.indexOf("\r\n\r\n");
        if (i < 0) {
          if (buf.length > 64 * 1024)
            throw new MultipartError("malformed multipart body: part headers too long");
          return;
        }
        const headerText = buf.subarray(0, i).toString("utf8");
        buf = buf.subarray(i + 4);
        yield parsePartHeaders(headerText);
        state = "body";
      } else if (state === "body") {
        const i = buf.indexOf(delimiter);
        if (i >= 0) {
          if (i > 0) yield { kind: "data", data: buf.subarray(0, i) };
          yield { kind: "end-part" };
          buf = buf.subarray(i + delimiter.length);
          state = "after-delimiter";
        } else {
          const safe = buf.length - (delimiter.length - 1);
          if (safe > 0) {
            yield { kind: "data", data: buf.subarray(0, safe) };
            buf = buf.subarray(safe);
          }
          return;
        }
      } else {
        return;
      }
    }
  };
  for await (const chunk of chunks) {
    buf = buf.length === 0 ? chunk : Buffer.concat([buf, chunk]);
    yield* feed();
  }
  yield* feed();
  if ((state as string) !== "done")
    throw new MultipartError("malformed multipart body: missing closing boundary");
}

function parsePartHeaders(text: string): PartStart {
  const disposition = text.split("\r\n").find((l) => /^content-disposition:/i.test(l));
  if (!disposition) throw new MultipartError("malformed multipart body: part without Content-Disposition");
  const name = /\bname="([^"]*)"/i.exec(disposition)?.[1];
  if (name === undefined) throw new MultipartError("malformed multipart body: part without a name");
  const filename = /\bfilename="([^"]*)"/i.exec(disposition)?.[1];
  return filename !== undefined ? { kind: "part", name, filename } : { kind: "part", name };
}

/** Collects the text fields of a small multipart body (file parts included as text). */
export async function multipartFields(raw: Buffer, boundary: string): Promise<Record<string, string>> {
  const fields: Record<string, string> = {};
  let current: string | undefined;
  const parts: Buffer[] = [];
  for await (const ev of readMultipart([raw], boundary)) {
    if (ev.kind === "part") {
      current = ev.name;
      parts.length = 0;
    } else if (ev.kind === "data") parts.push(ev.data);
    else if (current !== undefined) fields[current] = Buffer.concat(parts).toString("utf8");
  }
  return fields;
}
