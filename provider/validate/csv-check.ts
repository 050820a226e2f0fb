// CSV (purpose eval only): UTF-8, a header row, and every record as wide as the header. Quoted fields may
// span lines, so records are found with a small RFC 4180 state machine rather than by splitting lines.
import { type IssueCollector, problem } from "./issues";
import { MIN_SAMPLES } from "./limits";

export class CsvChecker {
  records = 0;
  private readonly decoder = new TextDecoder("utf-8", { fatal: true });
  private failedUtf8 = false;
  private line = 1;
  private recordLine = 1;
  private fields = 0;
  private recordChars = 0;
  private inQuotes = false;
  private quoteSeen = false;
  private afterCr = false;
  private header: number | undefined;

  constructor(private readonly issues: IssueCollector) {}

  readonly consume = (buf: Buffer, end: number, eof: boolean): number => {
    if (this.failedUtf8) return end;
    let text: string;
    try {
      text = this.decoder.decode(buf.subarray(0, end), { stream: !eof });
    } catch {
      this.failedUtf8 = true;
      this.issues.add(problem("the text is not valid UTF-8", "re-save the file as UTF-8"), this.line);
      return end;
    }
    this.scan(text);
    if (eof) this.finish();
    return end;
  };

  private scan(text: string): void {
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (this.afterCr) {
        this.afterCr = false;
        if (c === 10) continue;
      }
      if (this.inQuotes) {
        if (c === 34) {
          this.inQuotes = false;
          this.quoteSeen = true;
        } else if (c === 10 || c === 13) {
          this.line++;
          this.afterCr = c === 13;
        }
        continue;
      }
      if (c === 34) {
        // A doubled quote inside a quoted field re-enters the quotes; a quote elsewhere opens them.
        this.inQuotes = true;
      } else if (c === 44) {
        this.fields++;
      } else if (c === 10 || c === 13) {
        this.endRecord();
        this.line++;
        this.recordLine = this.line;
        this.afterCr = c === 13;
        continue;
      }
      this.recordChars++;
    }
  }

  private endRecord(): void {
    const blank = this.recordChars === 0 && !this.quoteSeen;
    const width = this.fields + 1;
    this.fields = 0;
    this.recordChars = 0;
    this.quoteSeen = false;
    if (blank) return;
    if (this.header === undefined) {
      this.header = width;
      return;
    }
    this.records++;
    if (width !== this.header) {
      this.issues.add(
        problem(
          `the record has ${width} columns but the header has ${this.header}`,
          "give every row one value per header column (quote values that contain commas)",
        ),
        this.recordLine,
      );
    }
  }

  private finish(): void {
    if (this.inQuotes) {
      this.issues.add(
        problem("a quoted value is never closed", 'close the quoted value with "'),
        this.recordLine,
      );
      return;
    }
    this.endRecord();
    if (this.header === undefined) {
      this.issues.add(problem("the CSV file has no header row", "start the file with a row of column names"));
    } else if (this.records < MIN_SAMPLES) {
      this.issues.add(
        problem(
          `has ${this.records} rows after the header; at least ${MIN_SAMPLES} sample is required`,
          "add at least one data row",
        ),
      );
    }
  }
}
