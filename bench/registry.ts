// The benchmarks `npm run bench` knows, by name. Each prints its own figures.
import { runUploadBench } from "./upload-bench";
import { runCheckBench, runHashBench } from "./check-bench";

export const benchmarks: Record<string, () => Promise<void>> = {
  upload: runUploadBench,
  check: runCheckBench,
  hash: runHashBench,
};
