import type { ContainerRuntime } from "../runtime.js";
import { CriRuntime, type CriRuntimeOptions } from "./cri-runtime.js";

export { CriRuntime, CRI_API_VERSION, CRI_DEADLINE_MARGIN_MS, CRI_PULL_TIMEOUT_MS } from "./cri-runtime.js";
export type { CriRuntimeOptions } from "./cri-runtime.js";
export { CRI_DEFAULT_TIMEOUT_MS, CRI_MAX_MESSAGE_BYTES, CRI_PROTO_PATH } from "./connection.js";

/** A ContainerRuntime speaking CRI runtime.v1 to containerd (or CRI-O) at `endpoint`. */
export function createCriRuntime(options: CriRuntimeOptions): ContainerRuntime {
  return new CriRuntime(options);
}
