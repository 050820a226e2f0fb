export * from "./common";
export * from "./files";
export * from "./fine-tunes";
export * from "./endpoints";
export * from "./endpoints-v2";
export * from "./hardware";
export * from "./models";
