// The emulator ships from emulator/; test/e2e/ still imports it from here (and job-timeline, endpoint-state
// from the re-exports beside this file).
export * from "../../emulator";
