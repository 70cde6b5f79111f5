/**
 * The CRI adapter: berth's ContainerRuntime over Kubernetes CRI runtime.v1 (proto/runtime/v1),
 * tested against containerd 1.6. @grpc/grpc-js carries the calls; berth's codec (codec.ts) writes
 * and reads the messages by the schema it parses from that file (proto-schema.ts).
 *
 * What the runtime does not do, and how the adapter copes:
 * - PodSandboxStats: containerd 1.6 fails it for sandboxes without a cgroup parent (and older
 *   runtimes lack it); the adapter then sums ListContainerStats of the sandbox.
 * - ContainerStatus names no sandbox: the adapter asks ListContainers by id alongside.
 * - Streaming exec goes to the runtime's streaming server (remote-command v4 protocol): over
 *   SPDY/3.1 when the session has stdin, since only SPDY can half-close stdin (WebSocket v4,
 *   all containerd 1.6 offers, cannot); over WebSocket otherwise (v5.channel.k8s.io if offered).
 *   containerd 1.6 may drop the output of a tty exec whose process exits at once (its own race,
 *   seen with both transports); tty=false is not affected.
 * - Negative oom_score_adj is clamped to the agent's own score without CAP_SYS_RESOURCE.
 */
import type { ContainerRuntime } from "../runtime.js";
import { CriRuntime, type CriRuntimeOptions } from "./cri-runtime.js";

export { CriRuntime, CRI_API_VERSION, CRI_DEADLINE_MARGIN_MS, CRI_PULL_TIMEOUT_MS } from "./cri-runtime.js";
export type { CriRuntimeOptions } from "./cri-runtime.js";
export { CRI_DEFAULT_TIMEOUT_MS, CRI_MAX_MESSAGE_BYTES, CRI_PROTO_PATH } from "./connection.js";

/** A ContainerRuntime speaking CRI runtime.v1 to containerd (or CRI-O) at `endpoint`. */
export function createCriRuntime(options: CriRuntimeOptions): ContainerRuntime {
  return new CriRuntime(options);
}
