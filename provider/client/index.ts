export * from "./client";
export * from "./errors";
export * from "./retry";
export * from "./secret-fields";
// Part of the client's public API; the implementation is the provider's one redactor.
export { REDACTED, redact } from "../shared/redact";
export { isLoopbackHost, isSecureUrl, parseBaseUrl, v2BaseUrl } from "./base-url";
export {
  type ApiCall,
  BodyInterrupted,
  type ExternalCall,
  type RawResponse,
  type StreamCall,
  type StreamingResponse,
  Transport,
  apiMessageOf,
} from "./transport";
export { FilesApi } from "./files";
export { FineTunesApi, fineTuneCreateBody } from "./fine-tunes";
export type { DownloadCheckpoint, DownloadOptions, DownloadRestart, DownloadResult } from "./downloads";
export { EndpointsApi } from "./endpoints";
export { EndpointsV2Api } from "./endpoints-v2";
export { HardwareApi } from "./hardware";
export { ModelsApi } from "./models";
export {
  DEFAULT_UPLOAD_TIMEOUT_MS,
  GiB,
  MAX_PARTS,
  MAX_UPLOAD_BYTES,
  MIN_PART_BYTES,
  MULTIPART_THRESHOLD_BYTES,
  MiB,
  PARTS_IN_FLIGHT,
  TARGET_PART_BYTES,
  type UploadOptions,
  planParts,
} from "./uploads";
export * from "./wire";
