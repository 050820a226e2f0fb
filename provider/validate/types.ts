export type DatasetFormat = "conversation" | "instruction" | "general" | "preference" | "tokenized";

/** `message` is complete and names the file, the line and the fix:
 *  `train.jsonl line 17: messages[2].role "bot" is not one of system, user, assistant. Fix: ...` */
export interface ValidationIssue {
  line?: number;
  message: string;
}

export interface FileReport {
  file: string;
  ok: boolean;
  bytes: number;
  /** Hex SHA-256 of the content; "" when the file was not read (missing, or over the size cap). */
  sha256: string;
  /** `csv` only for purpose `eval`, the one purpose Together accepts CSV for. */
  fileType: "jsonl" | "parquet" | "csv" | undefined;
  format: DatasetFormat | undefined;
  numSamples: number;
  /** At most `maxErrors` failures, then (when more were found) one closing note without a line. */
  errors: ValidationIssue[];
  /** Failures found beyond `maxErrors` and left out of `errors`. */
  omittedErrors: number;
}

export interface InspectOptions {
  /** Together file purpose; `eval` relaxes the format rules and allows CSV. Default `fine-tune`. */
  purpose?: string;
  /** `false` skips the content rules: hash and size only. Default `true`. */
  check?: boolean;
  maxErrors?: number;
  /** Where reports are cached; `false` disables the cache. Default `$XDG_CACHE_HOME` or `~/.cache`, then `pulumi-together/inspect-cache` (0700). */
  cacheDir?: string | false;
  /** A JSONL file of at least `minBytes` (default 32 MiB) is checked by this thread and `workers` worker threads
   *  (default: one per other available core, at most 3; 0 means one pass), sharing out blocks of `blockBytes`
   *  (default 8 MiB). The report is the same either way. */
  parallel?: { minBytes?: number; workers?: number; blockBytes?: number };
}
