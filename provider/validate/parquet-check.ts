// Tokenized Parquet: Together needs `input_ids`, allows only the three token columns and at least one row.
// Only the footer is read (schema and row count), so a multi-GB file costs a few small reads.
import { type FileHandle } from "node:fs/promises";
import { parquetMetadataAsync, parquetSchema } from "hyparquet";
import { type IssueCollector, problem } from "./issues";
import { MIN_SAMPLES, PARQUET_COLUMNS } from "./limits";
import { errorText } from "../shared/error-text";

const ALLOWED: readonly string[] = PARQUET_COLUMNS;

export interface ParquetFacts {
  readable: boolean;
  rows: number;
}

export async function checkParquet(
  fh: FileHandle,
  size: number,
  issues: IssueCollector,
): Promise<ParquetFacts> {
  const file = {
    byteLength: size,
    async slice(start: number, end?: number): Promise<ArrayBuffer> {
      const length = (end ?? size) - start;
      const bytes = new Uint8Array(length);
      await fh.read(bytes, 0, length, start);
      return bytes.buffer;
    },
  };
  let columns: string[];
  let rows: number;
  try {
    const metadata = await parquetMetadataAsync(file);
    columns = parquetSchema(metadata).children.map((c) => c.element.name);
    rows = Number(metadata.num_rows);
  } catch (err) {
    const detail = errorText(err);
    issues.add(
      problem(
        `cannot be read as Parquet (${detail})`,
        "write the file again (e.g. with pyarrow or pandas); it may be truncated or not Parquet at all",
      ),
    );
    return { readable: false, rows: 0 };
  }
  if (!columns.includes("input_ids")) {
    issues.add(
      problem(
        `has no "input_ids" column (columns: ${columns.join(", ") || "none"})`,
        "store the token ids of each sample in an input_ids column",
      ),
    );
  }
  for (const column of columns) {
    if (!ALLOWED.includes(column)) {
      issues.add(
        problem(
          `has the column "${column}"; only ${ALLOWED.join(", ")} are allowed`,
          `drop the "${column}" column`,
        ),
      );
    }
  }
  if (rows < MIN_SAMPLES) {
    issues.add(
      problem(
        `has ${rows} rows; at least ${MIN_SAMPLES} sample is required`,
        "add tokenized samples to the file",
      ),
    );
  }
  return { readable: true, rows };
}
