// The benchmarks `npm run bench` knows, by name. Each prints its own figures; `report` (last) prints them all in
// one table, reusing what already ran in the same process.
import { runUploadBench } from "./upload-bench";
import { runDownloadBench } from "./download-bench";
import { runCheckBench, runHashBench } from "./check-bench";
import { runPreviewBench } from "./preview-bench";
import { runPollingBench } from "./polling-bench";
import { runSizeBench } from "./size-bench";
import { runTokenEstimateBench } from "./token-estimate-bench";
import { runCliBench } from "./cli-bench";
import { runRecoveryBench } from "./recovery-bench";
import { remembered, runReport } from "./report";

export const benchmarks: Record<string, () => Promise<unknown>> = {
  upload: remembered("upload", runUploadBench),
  download: remembered("download", runDownloadBench),
  check: remembered("check", runCheckBench),
  hash: remembered("hash", runHashBench),
  preview: remembered("preview", runPreviewBench),
  polling: remembered("polling", runPollingBench),
  sizes: remembered("sizes", runSizeBench),
  tokens: remembered("tokens", runTokenEstimateBench),
  cli: remembered("cli", runCliBench),
  recovery: remembered("recovery", runRecoveryBench),
  report: runReport,
};
