// The public API of pulumi-together: the three resources and their documented arguments.
export * from "./training-file";
export * from "./fine-tune-job";
export * from "./dedicated-endpoint";
