import { type ValidationIssue } from "./types";

/** A rule violation before it is tied to a file: what is wrong and how to fix it. */
export interface Problem {
  what: string;
  fix: string;
}

export function problem(what: string, fix: string): Problem {
  return { what, fix };
}

/** Where a checker reports the rules a line breaks. */
export interface IssueSink {
  add(p: Problem, line?: number): void;
}

/** Collects failures for one file, keeping the first `maxErrors` and counting the rest. */
export class IssueCollector implements IssueSink {
  readonly issues: ValidationIssue[] = [];
  omitted = 0;

  constructor(
    readonly fileName: string,
    private readonly maxErrors: number,
  ) {}

  get count(): number {
    return this.issues.length + this.omitted;
  }

  add(p: Problem, line?: number): void {
    if (this.issues.length >= this.maxErrors) {
      this.omitted++;
      return;
    }
    const where = line === undefined ? this.fileName : `${this.fileName} line ${line}`;
    const message = `${where}: ${p.what}. Fix: ${p.fix}.`;
    this.issues.push(line === undefined ? { message } : { line, message });
  }

  /** Failures found elsewhere (a range checked in a worker) and already left out there. */
  addOmitted(n: number): void {
    this.omitted += n;
  }

  /** The reported list: the kept failures, then a note when some were cut. */
  finish(): ValidationIssue[] {
    if (this.omitted === 0) return this.issues;
    const note =
      `${this.fileName}: ${this.omitted} more ${this.omitted === 1 ? "failure was" : "failures were"} ` +
      `found and not shown (only the first ${this.maxErrors} are reported). ` +
      "Fix: correct the failures above and check again.";
    return [...this.issues, { message: note }];
  }
}
