import { type Transport } from "./transport";
import { type UploadOptions, type UploadTuning, uploadFile } from "./uploads";
import {
  type WireFile,
  type WireFileDeleted,
  WireFileDeletedSchema,
  WireFileListSchema,
  WireFileSchema,
} from "./wire/files";

const enc = encodeURIComponent;

export class FilesApi {
  constructor(
    private readonly t: Transport,
    private readonly tuning: UploadTuning,
  ) {}

  async list(): Promise<WireFile[]> {
    const r = await this.t.json(
      { call: "files.list", method: "GET", path: "/files", kind: "idempotent" },
      WireFileListSchema,
    );
    return r.data;
  }

  get(id: string): Promise<WireFile> {
    return this.t.json(
      { call: "files.get", method: "GET", path: `/files/${enc(id)}`, kind: "idempotent" },
      WireFileSchema,
    );
  }

  delete(id: string): Promise<WireFileDeleted> {
    return this.t.json(
      { call: "files.delete", method: "DELETE", path: `/files/${enc(id)}`, kind: "idempotent" },
      WireFileDeletedSchema,
    );
  }

  async content(id: string): Promise<Buffer> {
    const r = await this.t.raw({
      call: "files.content",
      method: "GET",
      path: `/files/${enc(id)}/content`,
      kind: "idempotent",
      accept: "application/binary, */*",
    });
    return r.body;
  }

  preprocess(id: string): Promise<WireFile> {
    return this.t.json(
      { call: "files.preprocess", method: "POST", path: `/files/${enc(id)}/preprocess`, kind: "idempotent" },
      WireFileSchema,
    );
  }

  /** Streams the file from disk: redirect flow up to the multipart threshold (5 GiB), multipart above. */
  upload(opts: UploadOptions): Promise<WireFile> {
    return uploadFile(this.t, this, this.tuning, opts);
  }
}
