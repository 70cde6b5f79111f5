import * as protoLoader from "@grpc/proto-loader";
import { describe, expect, it } from "vitest";
import { CRI_PROTO_PATH } from "./connection.js";

// Wire compatibility with kubernetes/cri-api runtime.v1: a table of (message, field, number,
// type) copied from the upstream field list. A renumbered or retyped field fails here.
const UPSTREAM: [string, string, number, string][] = [
  ["PodSandboxConfig", "metadata", 1, "TYPE_MESSAGE"],
  ["PodSandboxConfig", "log_directory", 3, "TYPE_STRING"],
  ["PodSandboxConfig", "port_mappings", 5, "TYPE_MESSAGE"],
  ["PodSandboxConfig", "linux", 8, "TYPE_MESSAGE"],
  ["PodSandboxMetadata", "attempt", 4, "TYPE_UINT32"],
  ["LinuxPodSandboxConfig", "sysctls", 3, "TYPE_MESSAGE"],
  ["LinuxSandboxSecurityContext", "privileged", 6, "TYPE_BOOL"],
  ["LinuxSandboxSecurityContext", "run_as_group", 8, "TYPE_MESSAGE"],
  ["PortMapping", "host_ip", 4, "TYPE_STRING"],
  ["NamespaceOption", "target_id", 4, "TYPE_STRING"],
  ["PodSandboxStatus", "created_at", 4, "TYPE_INT64"],
  ["PodSandboxStatus", "network", 5, "TYPE_MESSAGE"],
  ["PodSandboxFilter", "label_selector", 3, "TYPE_MESSAGE"],
  ["ContainerConfig", "envs", 6, "TYPE_MESSAGE"],
  ["ContainerConfig", "labels", 9, "TYPE_MESSAGE"],
  ["ContainerConfig", "log_path", 11, "TYPE_STRING"],
  ["ContainerConfig", "tty", 14, "TYPE_BOOL"],
  ["ContainerConfig", "linux", 15, "TYPE_MESSAGE"],
  ["KeyValue", "value", 2, "TYPE_STRING"],
  ["Mount", "propagation", 5, "TYPE_ENUM"],
  ["LinuxContainerResources", "oom_score_adj", 5, "TYPE_INT64"],
  ["LinuxContainerSecurityContext", "run_as_user", 5, "TYPE_MESSAGE"],
  ["LinuxContainerSecurityContext", "readonly_rootfs", 7, "TYPE_BOOL"],
  ["LinuxContainerSecurityContext", "no_new_privs", 11, "TYPE_BOOL"],
  ["LinuxContainerSecurityContext", "run_as_group", 12, "TYPE_MESSAGE"],
  ["LinuxContainerSecurityContext", "masked_paths", 13, "TYPE_STRING"],
  ["LinuxContainerSecurityContext", "readonly_paths", 14, "TYPE_STRING"],
  ["LinuxContainerSecurityContext", "seccomp", 15, "TYPE_MESSAGE"],
  ["LinuxContainerSecurityContext", "apparmor", 16, "TYPE_MESSAGE"],
  ["LinuxSandboxSecurityContext", "seccomp", 9, "TYPE_MESSAGE"],
  ["LinuxSandboxSecurityContext", "apparmor", 10, "TYPE_MESSAGE"],
  ["SecurityProfile", "profile_type", 1, "TYPE_ENUM"],
  ["SecurityProfile", "localhost_ref", 2, "TYPE_STRING"],
  ["RunPodSandboxRequest", "runtime_handler", 2, "TYPE_STRING"],
  ["StopContainerRequest", "timeout", 2, "TYPE_INT64"],
  ["ContainerStatus", "exit_code", 7, "TYPE_INT32"],
  ["ContainerStatus", "log_path", 15, "TYPE_STRING"],
  ["ContainerStatus", "image_id", 17, "TYPE_STRING"],
  ["Container", "image_ref", 5, "TYPE_STRING"],
  ["ExecSyncRequest", "timeout", 3, "TYPE_INT64"],
  ["ExecSyncResponse", "stdout", 1, "TYPE_BYTES"],
  ["ExecRequest", "stderr", 6, "TYPE_BOOL"],
  ["Image", "uid", 5, "TYPE_MESSAGE"],
  ["Image", "username", 6, "TYPE_STRING"],
  ["Image", "size", 4, "TYPE_UINT64"],
  ["AuthConfig", "registry_token", 6, "TYPE_STRING"],
  ["PullImageRequest", "sandbox_config", 3, "TYPE_MESSAGE"],
  ["ContainerStats", "writable_layer", 4, "TYPE_MESSAGE"],
  ["MemoryUsage", "usage_bytes", 4, "TYPE_MESSAGE"],
  ["CpuUsage", "usage_core_nano_seconds", 2, "TYPE_MESSAGE"],
  ["LinuxPodSandboxStats", "containers", 5, "TYPE_MESSAGE"],
  ["ContainerStatsFilter", "pod_sandbox_id", 2, "TYPE_STRING"],
  ["RuntimeCondition", "status", 2, "TYPE_BOOL"],
];

interface FieldDescriptor {
  name: string;
  number: number;
  type: string;
}

const definition = protoLoader.loadSync(CRI_PROTO_PATH, { keepCase: true });

function fields(message: string): FieldDescriptor[] {
  const entry = definition[`runtime.v1.${message}`] as { type?: { field?: FieldDescriptor[] } } | undefined;
  if (!entry?.type?.field) throw new Error(`message ${message} is not in the proto`);
  return entry.type.field;
}

describe("proto/runtime/v1/api.proto", () => {
  it.each(UPSTREAM)("%s.%s is field %i of type %s", (message, field, number, type) => {
    const found = fields(message).find((f) => f.name === field);
    expect(found).toMatchObject({ number, type });
  });

  it("declares every RPC the adapter calls, under the upstream service names", () => {
    const runtime = definition["runtime.v1.RuntimeService"] as Record<string, unknown>;
    const image = definition["runtime.v1.ImageService"] as Record<string, unknown>;
    for (const rpc of [
      "Version",
      "Status",
      "RunPodSandbox",
      "StopPodSandbox",
      "RemovePodSandbox",
      "PodSandboxStatus",
      "ListPodSandbox",
      "CreateContainer",
      "StartContainer",
      "StopContainer",
      "RemoveContainer",
      "ContainerStatus",
      "ListContainers",
      "ExecSync",
      "Exec",
      "ContainerStats",
      "ListContainerStats",
      "PodSandboxStats",
    ]) {
      expect(runtime[rpc], rpc).toMatchObject({ path: `/runtime.v1.RuntimeService/${rpc}` });
    }
    for (const rpc of ["PullImage", "ImageStatus", "ListImages", "RemoveImage"]) {
      expect(image[rpc], rpc).toMatchObject({ path: `/runtime.v1.ImageService/${rpc}` });
    }
  });
});
