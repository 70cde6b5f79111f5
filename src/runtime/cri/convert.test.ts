import { describe, expect, it } from "vitest";
import type { ContainerConfig, PodSandboxConfig } from "../types.js";
import {
  containerConfigToWire,
  containerFilterToWire,
  containerStatusFromWire,
} from "./convert-container.js";
import {
  authToWire,
  imageFromWire,
  imageFsFromWire,
  sandboxImageFromInfo,
  serverAddressUrl,
} from "./convert-image.js";
import { sandboxConfigToWire, sandboxFilterToWire, sandboxStatusFromWire } from "./convert-sandbox.js";
import { containerStatsFromWire, sumSandboxStats } from "./convert-stats.js";

const sandbox: PodSandboxConfig = {
  metadata: { name: "web", uid: "uid-1", namespace: "default", attempt: 2 },
  hostname: "web",
  logDirectory: "/var/log/pods/default_web_uid-1",
  dnsConfig: { servers: ["10.0.0.10"], searches: ["default.svc.cluster.local"], options: ["ndots:5"] },
  portMappings: [
    { protocol: "UDP", containerPort: 53, hostPort: 5353, hostIp: "127.0.0.1" },
    { protocol: "TCP", containerPort: 80 },
  ],
  labels: { app: "web" },
  annotations: { note: "x" },
  cgroupParent: "/kubepods/besteffort/poduid-1",
  namespaceOptions: { network: "POD", pid: "CONTAINER", ipc: "POD" },
  sysctls: { "net.ipv4.ip_unprivileged_port_start": "0" },
};

const container: ContainerConfig = {
  metadata: { name: "app", attempt: 1 },
  image: { image: "registry.local/app:1" },
  command: ["/bin/sh"],
  args: ["-c", "sleep 1"],
  workingDir: "/w",
  envs: [{ key: "A", value: "b c" }],
  mounts: [
    { containerPath: "/data", hostPath: "/host/data", readonly: true, propagation: "host-to-container" },
    { containerPath: "/shared", hostPath: "/host/shared", readonly: false, propagation: "bidirectional" },
  ],
  labels: { "io.kubernetes.container.name": "app" },
  annotations: {},
  logPath: "app/1.log",
  resources: {
    cpuShares: 256,
    cpuQuota: 50000,
    cpuPeriod: 100000,
    memoryLimitBytes: 67108864,
    oomScoreAdj: -997,
  },
  security: {
    runAsUser: 1000,
    runAsGroup: 2000,
    readOnlyRootFilesystem: true,
    capabilities: { add: ["NET_ADMIN"], drop: ["ALL"] },
    allowPrivilegeEscalation: false,
    supplementalGroups: [3000],
  },
};

const noLower = { canLower: false, ownScore: 0 };

describe("sandbox conversions", () => {
  it("builds PodSandboxConfig with every field berth sets", () => {
    const w = sandboxConfigToWire(sandbox);
    expect(w).toMatchObject({
      metadata: { name: "web", uid: "uid-1", namespace: "default", attempt: 2 },
      hostname: "web",
      log_directory: "/var/log/pods/default_web_uid-1",
      dns_config: { servers: ["10.0.0.10"], searches: ["default.svc.cluster.local"], options: ["ndots:5"] },
      port_mappings: [
        { protocol: "UDP", container_port: 53, host_port: 5353, host_ip: "127.0.0.1" },
        { protocol: "TCP", container_port: 80, host_port: 0, host_ip: "" },
      ],
      labels: { app: "web" },
      linux: {
        cgroup_parent: "/kubepods/besteffort/poduid-1",
        security_context: {
          namespace_options: { network: "POD", pid: "CONTAINER", ipc: "POD" },
          privileged: false,
        },
        sysctls: { "net.ipv4.ip_unprivileged_port_start": "0" },
      },
    });
  });

  it("drops the hostname with host networking", () => {
    const w = sandboxConfigToWire({
      ...sandbox,
      namespaceOptions: { network: "NODE", pid: "NODE", ipc: "NODE" },
    });
    expect(w["hostname"]).toBe("");
    expect(w).toMatchObject({ linux: { security_context: { namespace_options: { network: "NODE" } } } });
  });

  it("converts filters and statuses", () => {
    expect(sandboxFilterToWire(undefined)).toBeNull();
    expect(sandboxFilterToWire({ state: "ready", labelSelector: { a: "b" } })).toEqual({
      id: "",
      state: { state: "SANDBOX_READY" },
      label_selector: { a: "b" },
    });
    const s = sandboxStatusFromWire({
      id: "s1",
      metadata: { name: "web", uid: "uid-1", namespace: "default", attempt: 2 },
      state: "SANDBOX_NOTREADY",
      created_at: 1795320106850730043n,
      network: { ip: "10.1.0.5", additional_ips: [{ ip: "fd00::5" }] },
      linux: { namespaces: { options: { network: "NODE", pid: "CONTAINER", ipc: "POD", target_id: "" } } },
      labels: { app: "web" },
      annotations: {},
    });
    expect(s).toMatchObject({
      id: "s1",
      state: "notready",
      createdAt: 1795320106850730043n,
      ip: "10.1.0.5",
      additionalIps: ["fd00::5"],
      namespaceOptions: { network: "NODE", pid: "CONTAINER", ipc: "POD" },
    });
  });
});

describe("container conversions", () => {
  it("builds ContainerConfig: env strings, mounts, resources, security and the pod's namespaces", () => {
    const w = containerConfigToWire(container, sandbox, noLower);
    expect(w).toMatchObject({
      metadata: { name: "app", attempt: 1 },
      image: { image: "registry.local/app:1" },
      command: ["/bin/sh"],
      args: ["-c", "sleep 1"],
      working_dir: "/w",
      envs: [{ key: "A", value: "b c" }],
      mounts: [
        {
          container_path: "/data",
          host_path: "/host/data",
          readonly: true,
          propagation: "PROPAGATION_HOST_TO_CONTAINER",
        },
        { container_path: "/shared", readonly: false, propagation: "PROPAGATION_BIDIRECTIONAL" },
      ],
      log_path: "app/1.log",
      linux: {
        resources: {
          cpu_shares: 256,
          cpu_quota: 50000,
          cpu_period: 100000,
          memory_limit_in_bytes: 67108864,
          oom_score_adj: 0,
        },
        security_context: {
          capabilities: { add_capabilities: ["NET_ADMIN"], drop_capabilities: ["ALL"] },
          namespace_options: { network: "POD", pid: "CONTAINER", ipc: "POD" },
          run_as_user: { value: 1000 },
          run_as_group: { value: 2000 },
          readonly_rootfs: true,
          supplemental_groups: [3000],
          no_new_privs: true,
          privileged: false,
        },
      },
    });
  });

  it("sends seccomp and AppArmor as SecurityProfile, procMount Unmasked as empty path lists", () => {
    const security = {
      seccomp: { type: "Localhost", localhostRef: "/root/seccomp/audit.json" },
      apparmor: { type: "RuntimeDefault" },
      procPaths: { maskedPaths: [], readonlyPaths: [] },
    } as const;
    const w = containerConfigToWire({ ...container, security }, sandbox, noLower) as {
      linux: { security_context: Record<string, unknown> };
    };
    expect(w.linux.security_context).toMatchObject({
      seccomp: { profile_type: "Localhost", localhost_ref: "/root/seccomp/audit.json" },
      apparmor: { profile_type: "RuntimeDefault", localhost_ref: "" },
      masked_paths: [],
      readonly_paths: [],
    });
    const none = containerConfigToWire({ ...container, security: {} }, sandbox, noLower) as {
      linux: { security_context: Record<string, unknown> };
    };
    expect(none.linux.security_context["seccomp"]).toBeNull();
    expect(none.linux.security_context["apparmor"]).toBeNull();
    const sandboxWire = sandboxConfigToWire({ ...sandbox, seccomp: { type: "Unconfined" } }) as {
      linux: { security_context: Record<string, unknown> };
    };
    expect(sandboxWire.linux.security_context["seccomp"]).toEqual({
      profile_type: "Unconfined",
      localhost_ref: "",
    });
  });

  it("keeps a negative oom_score_adj when the agent may set it, and leaves unset security unset", () => {
    const w = containerConfigToWire({ ...container, security: undefined }, sandbox, {
      canLower: true,
      ownScore: 0,
    }) as { linux: { resources: { oom_score_adj: number }; security_context: Record<string, unknown> } };
    expect(w.linux.resources.oom_score_adj).toBe(-997);
    expect(w.linux.security_context["run_as_user"]).toBeNull();
    expect(w.linux.security_context["no_new_privs"]).toBe(false);
  });

  it("converts filters and statuses", () => {
    expect(containerFilterToWire({ podSandboxId: "s1", state: "exited" })).toEqual({
      id: "",
      state: { state: "CONTAINER_EXITED" },
      pod_sandbox_id: "s1",
      label_selector: {},
    });
    const s = containerStatusFromWire(
      {
        id: "c1",
        metadata: { name: "app", attempt: 1 },
        state: "CONTAINER_EXITED",
        created_at: 1n,
        started_at: 2n,
        finished_at: 3n,
        exit_code: 137,
        image: { image: "registry.local/app:1" },
        image_ref: "sha256:abc",
        reason: "OOMKilled",
        message: "",
        labels: {},
        annotations: { a: "b" },
        mounts: [
          { container_path: "/d", host_path: "/h", readonly: true, propagation: "PROPAGATION_PRIVATE" },
        ],
        log_path: "/var/log/pods/x/app/1.log",
      },
      "s1",
    );
    expect(s).toMatchObject({
      podSandboxId: "s1",
      state: "exited",
      startedAt: 2n,
      finishedAt: 3n,
      exitCode: 137,
      reason: "OOMKilled",
      imageRef: "sha256:abc",
      mounts: [{ containerPath: "/d", hostPath: "/h", readonly: true, propagation: "private" }],
      logPath: "/var/log/pods/x/app/1.log",
    });
  });
});

describe("image and stats conversions", () => {
  it("reports the image user as uid or name", () => {
    const base = { id: "sha256:1", repo_tags: ["a:1"], repo_digests: [], size: 2007710n };
    expect(imageFromWire({ ...base, uid: { value: 1000n }, username: "" })).toMatchObject({
      user: "1000",
      uid: 1000,
      size: 2007710,
    });
    expect(imageFromWire({ ...base, uid: null, username: "nobody" })).toEqual({
      id: "sha256:1",
      repoTags: ["a:1"],
      repoDigests: [],
      size: 2007710,
      user: "nobody",
    });
    expect(imageFromWire({ ...base, uid: null, username: "" }).user).toBe("");
  });

  it("keeps the runtime's pin on an image", () => {
    const base = { id: "sha256:1", repo_tags: [], repo_digests: [], size: 1n, uid: null, username: "" };
    expect(imageFromWire({ ...base, pinned: true }).pinned).toBe(true);
    expect(imageFromWire(base)).not.toHaveProperty("pinned");
  });

  it("finds containerd's sandbox image in a verbose Status answer", () => {
    const config = JSON.stringify({ sandboxImage: "registry.k8s.io/pause:3.6", enableSelinux: false });
    expect(sandboxImageFromInfo({ config, golang: "go1.20" })).toBe("registry.k8s.io/pause:3.6");
    expect(sandboxImageFromInfo({})).toBeUndefined();
    expect(sandboxImageFromInfo(undefined)).toBeUndefined();
    expect(sandboxImageFromInfo({ config: "not json" })).toBeUndefined();
  });

  it("reads the first image filesystem of ImageFsInfo, and refuses an answer without one", () => {
    const fs = {
      fs_id: { mountpoint: "/var/lib/containerd/io.containerd.snapshotter.v1.overlayfs" },
      used_bytes: { value: 4096n },
      inodes_used: { value: 12n },
    };
    expect(imageFsFromWire([fs])).toEqual({
      mountpoint: "/var/lib/containerd/io.containerd.snapshotter.v1.overlayfs",
      usedBytes: 4096,
      inodesUsed: 12,
    });
    expect(() => imageFsFromWire([])).toThrow("ImageFsInfo: the runtime reported no image filesystem");
    expect(() => imageFsFromWire([{ ...fs, fs_id: null }])).toThrow(/no image filesystem/);
  });

  it("passes credentials through", () => {
    expect(authToWire({ username: "u", password: "p", serverAddress: "r:5000" })).toEqual({
      username: "u",
      password: "p",
      auth: "",
      server_address: "https://r:5000",
      identity_token: "",
      registry_token: "",
    });
    expect(authToWire(undefined)).toBeNull();
    expect(serverAddressUrl("registry.local")).toBe("https://registry.local");
    expect(serverAddressUrl("http://127.0.0.1:5001")).toBe("http://127.0.0.1:5001");
    expect(serverAddressUrl("")).toBe("");
  });

  it("reads container stats and sums sandbox stats", () => {
    const a = containerStatsFromWire({
      attributes: { id: "c1", metadata: null, labels: {}, annotations: {} },
      cpu: { timestamp: 100n, usage_core_nano_seconds: { value: 18446744073709551615n } },
      memory: { timestamp: 101n, working_set_bytes: { value: 4096n }, usage_bytes: { value: 8192n } },
      writable_layer: null,
    });
    expect(a).toEqual({
      id: "c1",
      timestamp: 101n,
      cpuUsageCoreNanoSeconds: 18446744073709551615n,
      memoryWorkingSetBytes: 4096,
      memoryUsageBytes: 8192,
    });
    const b = { ...a, id: "c2", timestamp: 200n, cpuUsageCoreNanoSeconds: 5n, memoryWorkingSetBytes: 1 };
    expect(sumSandboxStats("s1", [a, b], 999n)).toMatchObject({
      id: "s1",
      timestamp: 200n,
      cpuUsageCoreNanoSeconds: 18446744073709551620n,
      memoryWorkingSetBytes: 4097,
    });
    expect(sumSandboxStats("s1", [], 999n).timestamp).toBe(999n);
  });
});
