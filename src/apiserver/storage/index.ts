export type * from "./storage.js";
export { prefixEnd } from "./keys.js";
export * from "./sqlite/index.js";
export * from "./etcd/index.js";
