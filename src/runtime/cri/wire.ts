/**
 * The shapes of runtime.v1 messages as the codec (codec.ts) decodes them: field names as in the
 * proto, every scalar present (its zero when absent), 64-bit integers as bigints, enums as names,
 * bytes as Buffers, absent sub-messages as null. Only the fields the adapter reads are declared.
 */

export type WireMap = Record<string, string>;
/** int64/uint64 on the wire: a bigint when read, a number or decimal string when written. */
export type WireLong = bigint;

export interface WireInt64Value {
  value: WireLong;
}

export interface WireSandboxMetadata {
  name: string;
  uid: string;
  namespace: string;
  attempt: number;
}

export type WireNamespaceMode = "POD" | "CONTAINER" | "NODE" | "TARGET";

export interface WireNamespaceOption {
  network: WireNamespaceMode;
  pid: WireNamespaceMode;
  ipc: WireNamespaceMode;
  target_id: string;
}

export type WireSandboxState = "SANDBOX_READY" | "SANDBOX_NOTREADY";

export interface WirePodSandbox {
  id: string;
  metadata: WireSandboxMetadata | null;
  state: WireSandboxState;
  created_at: WireLong;
  labels: WireMap;
  annotations: WireMap;
}

export interface WirePodSandboxStatus extends WirePodSandbox {
  network: { ip: string; additional_ips: { ip: string }[] } | null;
  linux: { namespaces: { options: WireNamespaceOption | null } | null } | null;
}

export interface WireContainerMetadata {
  name: string;
  attempt: number;
}

export type WireContainerState =
  "CONTAINER_CREATED" | "CONTAINER_RUNNING" | "CONTAINER_EXITED" | "CONTAINER_UNKNOWN";

export type WirePropagation =
  "PROPAGATION_PRIVATE" | "PROPAGATION_HOST_TO_CONTAINER" | "PROPAGATION_BIDIRECTIONAL";

export interface WireMount {
  container_path: string;
  host_path: string;
  readonly: boolean;
  propagation: WirePropagation;
}

export interface WireContainer {
  id: string;
  pod_sandbox_id: string;
  metadata: WireContainerMetadata | null;
  image: { image: string } | null;
  image_ref: string;
  state: WireContainerState;
  created_at: WireLong;
  labels: WireMap;
  annotations: WireMap;
}

export interface WireContainerStatus {
  id: string;
  metadata: WireContainerMetadata | null;
  state: WireContainerState;
  created_at: WireLong;
  started_at: WireLong;
  finished_at: WireLong;
  exit_code: number;
  image: { image: string } | null;
  image_ref: string;
  reason: string;
  message: string;
  labels: WireMap;
  annotations: WireMap;
  mounts: WireMount[];
  log_path: string;
}

export interface WireImage {
  id: string;
  repo_tags: string[];
  repo_digests: string[];
  size: WireLong;
  uid: WireInt64Value | null;
  username: string;
  pinned?: boolean;
}

export interface WireUInt64Value {
  value: WireLong;
}

export interface WireFilesystemUsage {
  fs_id: { mountpoint: string } | null;
  used_bytes: WireUInt64Value | null;
  inodes_used: WireUInt64Value | null;
}

export interface WireContainerStats {
  attributes: {
    id: string;
    metadata: WireContainerMetadata | null;
    labels: WireMap;
    annotations: WireMap;
  } | null;
  cpu: { timestamp: WireLong; usage_core_nano_seconds: WireUInt64Value | null } | null;
  memory: {
    timestamp: WireLong;
    working_set_bytes: WireUInt64Value | null;
    usage_bytes: WireUInt64Value | null;
  } | null;
  writable_layer: { used_bytes: WireUInt64Value | null } | null;
}

export interface WirePodSandboxStats {
  attributes: { id: string } | null;
  linux: {
    cpu: WireContainerStats["cpu"];
    memory: WireContainerStats["memory"];
    containers: WireContainerStats[];
  } | null;
}

export interface WireRuntimeCondition {
  type: string;
  status: boolean;
  reason: string;
  message: string;
}
