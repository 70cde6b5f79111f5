export * from "./errors.js";
export * from "./log.js";
export * from "./version.js";
export * from "./quantity.js";
export * from "./clock.js";
export * from "./backoff.js";
export * from "./abortable.js";
export * from "./image-reference.js";
