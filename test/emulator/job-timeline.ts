// Re-exported for test/e2e/, which imports the emulator's modules from test/emulator/ (see index.ts here).
export * from "../../emulator/job-timeline";
