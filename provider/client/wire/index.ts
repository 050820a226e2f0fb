export * from "./common";
export * from "./files";
export * from "./fine-tunes";
export * from "./endpoints";
export * from "./hardware";
export * from "./models";
