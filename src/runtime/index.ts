export type { ContainerRuntime } from "./runtime.js";
export type * from "./types.js";
export * from "./labels.js";
