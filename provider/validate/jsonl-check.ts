// JSONL: split complete lines out of each chunk, check UTF-8 once per chunk, parse and apply the row rules.
import { isUtf8 } from "node:buffer";
import { isPlainObject } from "./describe";
import { type IssueSink, problem, type Problem } from "./issues";
import { checkRow, detectFormat, type JsonlFormat, notAnObject } from "./line-rules";
import { errorText } from "../shared/error-text";

const NEWLINE = 10;
/** Under V8's largest regular heap object (128 KiB): see textLines. */
const TEXT_PIECE_BYTES = 96 * 1024;

/** A row in another format than the file's first formatted row. `rowFormat` lets a merge of ranges checked
 *  apart re-word it against the file's first format line, which a range after the first cannot know. */
export interface FormatMismatch extends Problem {
  rowFormat: JsonlFormat;
}

export function formatMismatch(
  rowFormat: JsonlFormat,
  fileFormat: JsonlFormat,
  fileFormatLine: number,
): FormatMismatch {
  return {
    ...problem(
      `the row is in the ${rowFormat} format but line ${fileFormatLine} is in the ${fileFormat} format`,
      "use one dataset format for every line of the file",
    ),
    rowFormat,
  };
}

export class JsonlChecker {
  lines = 0;
  /** The format of the first row whose format was detected (or the seed), which every row must share. */
  format: JsonlFormat | undefined;
  /** The line that set `format`; 0 while none has, or when it came from the seed. */
  formatLine = 0;

  /** `formats: false` (purpose eval) checks only UTF-8 and one JSON object per line, as Together does.
   *  `seed` is the file's format when these lines are a later range of it, found by an earlier range. */
  constructor(
    private readonly issues: IssueSink,
    readonly formats: boolean,
    seed?: JsonlFormat,
  ) {
    this.format = seed;
  }

  readonly consume = (buf: Buffer, end: number, eof: boolean): number => {
    let regionEnd = end;
    if (!eof) {
      // '\n' never occurs inside a multi-byte UTF-8 sequence, so cutting after it keeps characters whole.
      const nl = end === 0 ? -1 : buf.lastIndexOf(NEWLINE, end - 1);
      if (nl < 0) return 0;
      regionEnd = nl + 1;
    }
    if (regionEnd === 0) return 0;
    const region = buf.subarray(0, regionEnd);
    if (isUtf8(region)) {
      this.textLines(region);
    } else {
      this.byteLines(region);
    }
    return regionEnd;
  };

  /** Fast path for valid UTF-8. Lines are decoded as Latin-1, several times faster than UTF-8 for
   *  non-ASCII text and a one-byte string that JSON.parse reads faster: the JSON structure, the keys and every
   *  value a rule compares are ASCII, and no byte of a multi-byte UTF-8 sequence is ASCII, so each rule gives
   *  the same verdict. Only a line that breaks a rule is decoded as UTF-8 again, for a faithful message.
   *
   *  The region is decoded a piece of whole lines at a time (one native call per piece instead of one per
   *  line), each line then a slice of the piece's string (no copy). Pieces stay under V8's large-object size:
   *  a smaller string dies young in the nursery, where a chunk-sized one would pile up in the large-object
   *  space until a full GC and push the RSS up. A line longer than a piece is decoded on its own. */
  private textLines(region: Buffer): void {
    const n = region.length;
    let start = 0;
    while (start < n) {
      const limit = Math.min(n, start + TEXT_PIECE_BYTES);
      let end = limit === n ? n : region.lastIndexOf(NEWLINE, limit - 1) + 1;
      if (end <= start) {
        // One line longer than a piece.
        end = region.indexOf(NEWLINE, start);
        end = end < 0 ? n : end + 1;
      }
      this.pieceLines(region, start, end);
      start = end;
    }
  }

  /** The lines of `region[start, end)`, which ends at a newline or at the region's end. */
  private pieceLines(region: Buffer, start: number, end: number): void {
    const text = region.toString("latin1", start, end);
    const n = text.length;
    let from = 0;
    while (from < n) {
      let nl = text.indexOf("\n", from);
      if (nl < 0) nl = n;
      const lineNo = ++this.lines;
      const found = this.check(text.slice(from, nl), lineNo);
      if (found) {
        const exact = this.check(region.toString("utf8", start + from, start + nl), lineNo);
        if (exact) this.issues.add(exact, lineNo);
      }
      from = nl + 1;
    }
  }

  /** Slow path for a chunk with invalid UTF-8: find the bad lines, check the others. */
  private byteLines(region: Buffer): void {
    const n = region.length;
    let start = 0;
    while (start < n) {
      let nl = region.indexOf(NEWLINE, start);
      if (nl < 0) nl = n;
      const bytes = region.subarray(start, nl);
      const lineNo = ++this.lines;
      if (isUtf8(bytes)) {
        const found = this.check(bytes.toString("utf8"), lineNo);
        if (found) this.issues.add(found, lineNo);
      } else {
        this.issues.add(
          problem(
            `the line is not valid UTF-8 (first bad byte at column ${firstBadByte(bytes) + 1})`,
            "re-save the file as UTF-8",
          ),
          lineNo,
        );
      }
      start = nl + 1;
    }
  }

  /** The first rule the line breaks. Idempotent per line, so a line may be checked twice. */
  private check(text: string, lineNo: number): Problem | undefined {
    let row: unknown;
    try {
      row = JSON.parse(text);
    } catch (err) {
      return parseProblem(text, err);
    }
    if (!isPlainObject(row)) return notAnObject(row);
    if (!this.formats) return undefined;
    const format = detectFormat(row);
    if (typeof format !== "string") return format;
    if (this.format === undefined) {
      this.format = format;
      this.formatLine = lineNo;
    } else if (format !== this.format) {
      return formatMismatch(format, this.format, this.formatLine);
    }
    return checkRow(row, format);
  }
}

function parseProblem(text: string, err: unknown): Problem {
  if (text.trim() === "") {
    return problem("the line is empty", "remove blank lines; every line must be one JSON object");
  }
  if (text.charCodeAt(0) === 0xfeff) {
    return problem("the file starts with a UTF-8 byte order mark", "save the file as UTF-8 without BOM");
  }
  const detail = errorText(err);
  return problem(
    `invalid JSON (${detail})`,
    "write each example as one complete JSON object on a single line",
  );
}

/** Offset of the first byte that does not start a valid UTF-8 sequence. */
function firstBadByte(bytes: Buffer): number {
  let i = 0;
  while (i < bytes.length) {
    const lead = bytes[i] ?? 0;
    if (lead < 0x80) {
      i++;
      continue;
    }
    const length =
      lead >= 0xc2 && lead <= 0xdf
        ? 2
        : lead >= 0xe0 && lead <= 0xef
          ? 3
          : lead >= 0xf0 && lead <= 0xf4
            ? 4
            : 0;
    if (length === 0 || !isUtf8(bytes.subarray(i, i + length))) return i;
    i += length;
  }
  return i;
}
