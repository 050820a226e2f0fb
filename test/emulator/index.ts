// The emulator ships from emulator/; test/e2e/ still imports it as "../emulator", through this file.
export * from "../../emulator";
