import { z } from "zod";
import { listOf, opt } from "./common";

export const FILE_TYPES = ["jsonl", "parquet", "csv"] as const;
export type WireFileType = (typeof FILE_TYPES)[number];

export const WireValidationReportSchema = z.looseObject({
  valid: z.boolean(),
  dataset_format: opt(z.string()),
  error: opt(z.string()),
  error_type: opt(z.string()),
  file_id: opt(z.string()),
  nlines: opt(z.number()),
});
export type WireValidationReport = z.output<typeof WireValidationReportSchema>;

/** `FileResponse`; note the PascalCase `FileType` / `Processed` keys. */
export const WireFileSchema = z.looseObject({
  id: z.string(),
  object: z.string(),
  created_at: z.number(),
  filename: z.string(),
  bytes: z.number(),
  purpose: z.string(),
  FileType: z.string(),
  Processed: z.boolean(),
  processing_status: opt(z.string()),
  validation_report: opt(WireValidationReportSchema),
});
export type WireFile = z.output<typeof WireFileSchema>;

export const WireFileListSchema = listOf(WireFileSchema);

export const WireFileDeletedSchema = z.looseObject({ id: z.string(), deleted: z.boolean() });
export type WireFileDeleted = z.output<typeof WireFileDeletedSchema>;

/** Multipart initiate; PY2 also accepts the `part_number` / `UploadURL` spellings, so do we. */
export const WireMultipartPartSchema = z
  .looseObject({
    PartNumber: opt(z.number()),
    part_number: opt(z.number()),
    URL: opt(z.string()),
    UploadURL: opt(z.string()),
    Headers: opt(z.record(z.string(), z.string())),
  })
  .transform((p, ctx) => {
    const partNumber = p.PartNumber ?? p.part_number;
    const url = p.URL ?? p.UploadURL;
    if (partNumber == null) {
      ctx.addIssue({ code: "custom", message: "missing", path: ["PartNumber"], input: undefined });
      return z.NEVER;
    }
    if (url == null) {
      ctx.addIssue({ code: "custom", message: "missing", path: ["URL"], input: undefined });
      return z.NEVER;
    }
    return { partNumber, url, headers: p.Headers ?? {} };
  });
export type WireMultipartPart = z.output<typeof WireMultipartPartSchema>;

export const WireMultipartInitiateSchema = z.looseObject({
  upload_id: z.string(),
  file_id: z.string(),
  parts: z.array(WireMultipartPartSchema),
});
export type WireMultipartInitiate = z.output<typeof WireMultipartInitiateSchema>;

/** Complete answers with the file object, bare or wrapped as `{ file }`. */
export const WireMultipartCompleteSchema = z.preprocess((v) => {
  const wrapped = (v as { file?: unknown } | null)?.file;
  return wrapped !== null && typeof wrapped === "object" ? wrapped : v;
}, WireFileSchema);

export const WireMultipartAbortSchema = z.looseObject({ success: opt(z.boolean()) });
