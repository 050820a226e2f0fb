// The public API of pulumi-together: the resources and their documented arguments.
export * from "./training-file";
export * from "./fine-tune-job";
export * from "./dedicated-endpoint";
export * from "./model-download";
