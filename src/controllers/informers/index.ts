/** Shared informers: one list-watch per collection, read by every controller. */
export { Informer, type InformerOptions } from "./informer.js";
export { InformerFactory } from "./factory.js";
