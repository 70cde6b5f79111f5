import { describe, expect, it } from "vitest";
import type { ContainerConfig, PodSandboxConfig } from "../types.js";
import {
  bindOf,
  containerCreateOptions,
  imageUid,
  needsImageUser,
  securityOptions,
  userOf,
} from "./container-options.js";
import { decodeLabels } from "./docker-labels.js";
import { portBindings, sandboxCreateOptions } from "./sandbox-options.js";

const sandbox: PodSandboxConfig = {
  metadata: { name: "web", namespace: "prod", uid: "u-1", attempt: 1 },
  hostname: "web",
  logDirectory: "/var/log/pods/prod_web_u-1",
  dnsConfig: { servers: ["10.96.0.10"], searches: ["prod.svc.cluster.local"], options: ["ndots:5"] },
  portMappings: [
    { protocol: "TCP", containerPort: 80, hostPort: 8080, hostIp: "127.0.0.1" },
    { protocol: "UDP", containerPort: 53 },
  ],
  labels: { "io.kubernetes.pod.name": "web" },
  annotations: { "kubernetes.io/config.source": "api" },
  cgroupParent: "/kubepods/burstable/podu-1",
  namespaceOptions: { network: "POD", pid: "POD", ipc: "POD" },
  sysctls: { "net.ipv4.ip_local_port_range": "1024 65000" },
};

const container: ContainerConfig = {
  metadata: { name: "app", attempt: 2 },
  image: { image: "registry.local/app:1" },
  command: ["/bin/server"],
  args: [],
  workingDir: "/srv",
  envs: [{ key: "A", value: "x=y" }],
  mounts: [
    { containerPath: "/data", hostPath: "/var/lib/d", readonly: false, propagation: "private" },
    { containerPath: "/cfg", hostPath: "/etc/c", readonly: true, propagation: "host-to-container" },
  ],
  labels: { "io.kubernetes.container.name": "app" },
  annotations: { "io.kubernetes.container.hash": "1234" },
  logPath: "app/2.log",
  resources: {
    cpuShares: 512,
    cpuQuota: 50000,
    cpuPeriod: 100000,
    memoryLimitBytes: 64 << 20,
    oomScoreAdj: -997,
  },
  security: {
    runAsUser: 1000,
    runAsGroup: 3000,
    readOnlyRootFilesystem: true,
    capabilities: { add: ["NET_ADMIN"], drop: ["ALL"] },
    allowPrivilegeEscalation: false,
    supplementalGroups: [5, 6],
  },
};

describe("sandboxCreateOptions", () => {
  it("builds the pause container with network, DNS, ports, cgroup parent and labels", () => {
    const options = sandboxCreateOptions({ config: sandbox, podInfraImage: "pause:3", createdNanos: 42n });
    expect(options).toMatchObject({
      name: "k8s_POD_web_prod_u-1_1",
      Image: "pause:3",
      Hostname: "web",
      ExposedPorts: { "80/tcp": {}, "53/udp": {} },
      HostConfig: {
        NetworkMode: "bridge",
        IpcMode: "shareable",
        CgroupParent: "/kubepods/burstable/podu-1",
        Dns: ["10.96.0.10"],
        DnsSearch: ["prod.svc.cluster.local"],
        DnsOptions: ["ndots:5"],
        PortBindings: { "80/tcp": [{ HostIp: "127.0.0.1", HostPort: "8080" }] },
        Sysctls: { "net.ipv4.ip_local_port_range": "1024 65000" },
        Privileged: false,
      },
    });
    expect(options.HostConfig?.PidMode).toBeUndefined();
    expect(decodeLabels(options.Labels)).toEqual({
      labels: sandbox.labels,
      annotations: sandbox.annotations,
      internal: {
        type: "podsandbox",
        created: "42",
        logDirectory: sandbox.logDirectory,
        namespaces: "network=POD,pid=POD,ipc=POD",
      },
    });
  });

  it("uses the host's namespaces and leaves out what Docker refuses with host networking", () => {
    const options = sandboxCreateOptions({
      config: { ...sandbox, namespaceOptions: { network: "NODE", pid: "NODE", ipc: "NODE" } },
      podInfraImage: "pause:3",
      createdNanos: 1n,
    });
    expect(options.HostConfig).toMatchObject({ NetworkMode: "host", PidMode: "host", IpcMode: "host" });
    expect(options.Hostname).toBeUndefined();
    expect(options.ExposedPorts).toBeUndefined();
    expect(options.HostConfig?.Dns).toBeUndefined();
    expect(options.HostConfig?.PortBindings).toBeUndefined();
  });

  it("binds only mappings with a host port", () => {
    expect(portBindings([{ protocol: "SCTP", containerPort: 9, hostPort: 0 }])).toEqual({
      exposed: { "9/sctp": {} },
      bindings: {},
    });
  });
});

describe("containerCreateOptions", () => {
  const policy = { canLower: false, ownScore: 0 };

  it("maps command to Entrypoint, joins the sandbox and carries resources and security", () => {
    const options = containerCreateOptions({
      sandboxId: "sb1",
      config: container,
      sandboxConfig: sandbox,
      oomPolicy: policy,
      createdNanos: 7n,
    });
    expect(options).toMatchObject({
      name: "k8s_app_web_prod_u-1_2",
      Image: "registry.local/app:1",
      Entrypoint: ["/bin/server"],
      Env: ["A=x=y"],
      WorkingDir: "/srv",
      User: "1000:3000",
      Tty: false,
      OpenStdin: false,
      HostConfig: {
        NetworkMode: "container:sb1",
        IpcMode: "container:sb1",
        PidMode: "container:sb1",
        CgroupParent: "/kubepods/burstable/podu-1",
        Binds: ["/var/lib/d:/data", "/etc/c:/cfg:ro,rslave"],
        CpuShares: 512,
        CpuQuota: 50000,
        CpuPeriod: 100000,
        Memory: 64 << 20,
        OomScoreAdj: 0,
        ReadonlyRootfs: true,
        Privileged: false,
        CapAdd: ["NET_ADMIN"],
        CapDrop: ["ALL"],
        SecurityOpt: ["no-new-privileges"],
        GroupAdd: ["5", "6"],
      },
    });
    expect(options.Cmd).toBeUndefined();
    expect(decodeLabels(options.Labels)).toEqual({
      labels: container.labels,
      annotations: container.annotations,
      internal: {
        type: "container",
        sandboxId: "sb1",
        created: "7",
        logPath: "/var/log/pods/prod_web_u-1/app/2.log",
      },
    });
  });

  it("keeps the oom score when the process may lower it, and leaves Entrypoint to the image for args only", () => {
    const options = containerCreateOptions({
      sandboxId: "sb1",
      config: { ...container, command: [], args: ["-v"], security: undefined },
      sandboxConfig: { ...sandbox, namespaceOptions: { network: "NODE", pid: "CONTAINER", ipc: "POD" } },
      oomPolicy: { canLower: true, ownScore: 0 },
      createdNanos: 7n,
    });
    expect(options.Entrypoint).toBeUndefined();
    expect(options.Cmd).toEqual(["-v"]);
    expect(options.User).toBeUndefined();
    expect(options.HostConfig?.OomScoreAdj).toBe(-997);
    expect(options.HostConfig?.NetworkMode).toBe("host");
    expect(options.HostConfig?.PidMode).toBeUndefined();
    expect(options.HostConfig?.SecurityOpt).toBeUndefined();
  });
});

describe("security helpers", () => {
  it("writes binds with read-only and propagation", () => {
    expect(
      bindOf({ hostPath: "/a", containerPath: "/b", readonly: false, propagation: "bidirectional" }),
    ).toBe("/a:/b:rshared");
  });

  it("writes the user, applying a lone group to the image's user", () => {
    expect(userOf({ runAsUser: 0 })).toBe("0");
    expect(userOf({})).toBeUndefined();
    expect(userOf(undefined, "nobody")).toBeUndefined();
    expect(userOf({ runAsGroup: 5 })).toBe("0:5");
    expect(userOf({ runAsGroup: 5 }, "nobody:nogroup")).toBe("nobody:5");
    expect(userOf({ runAsGroup: 5 }, "1000")).toBe("1000:5");
  });

  it("asks for the image's user only when it matters", () => {
    expect(needsImageUser({ ...container, security: { runAsGroup: 5 } })).toBe(true);
    expect(needsImageUser({ ...container, security: { runAsUser: 5, runAsGroup: 5 } })).toBe(false);
    expect(needsImageUser({ ...container, security: undefined })).toBe(false);
  });

  it("reads an image's uid", () => {
    expect(imageUid("")).toBe(0);
    expect(imageUid("1000:1000")).toBe(1000);
    expect(imageUid("nobody")).toBeUndefined();
  });
});

describe("security options", () => {
  it("leaves RuntimeDefault to Docker's default profile and turns the rest into SecurityOpt", () => {
    expect(securityOptions({ seccomp: { type: "RuntimeDefault" } })).toEqual([]);
    expect(securityOptions({ seccomp: { type: "Unconfined" }, allowPrivilegeEscalation: false })).toEqual([
      "no-new-privileges",
      "seccomp=unconfined",
    ]);
    expect(
      securityOptions(
        { seccomp: { type: "Localhost", localhostRef: "/s/p.json" } },
        '{"defaultAction":"SCMP_ACT_ALLOW"}',
      ),
    ).toEqual(['seccomp={"defaultAction":"SCMP_ACT_ALLOW"}']);
    expect(() => securityOptions({ seccomp: { type: "Localhost", localhostRef: "/s/p.json" } })).toThrow(
      "seccomp profile /s/p.json was not read",
    );
    // Docker applies no seccomp filter to a privileged container; none is asked for.
    expect(securityOptions({ privileged: true, seccomp: { type: "Unconfined" } })).toEqual([]);
  });

  it("passes AppArmor profiles", () => {
    expect(securityOptions({ apparmor: { type: "Unconfined" } })).toEqual(["apparmor=unconfined"]);
    expect(securityOptions({ apparmor: { type: "Localhost", localhostRef: "k8s-deny-write" } })).toEqual([
      "apparmor=k8s-deny-write",
    ]);
    expect(securityOptions({ apparmor: { type: "RuntimeDefault" } })).toEqual([]);
  });

  it("runs the sandbox and its containers under the RuntimeClass handler's Docker runtime", () => {
    const pause = sandboxCreateOptions({
      config: { ...sandbox, runtimeHandler: "runsc", seccomp: { type: "Unconfined" } },
      podInfraImage: "pause:3",
      createdNanos: 1n,
    });
    expect(pause.HostConfig).toMatchObject({ Runtime: "runsc", SecurityOpt: ["seccomp=unconfined"] });
    expect(
      sandboxCreateOptions({ config: sandbox, podInfraImage: "pause:3", createdNanos: 1n }).HostConfig
        ?.Runtime,
    ).toBeUndefined();
    const app = containerCreateOptions({
      sandboxId: "s",
      config: container,
      sandboxConfig: sandbox,
      oomPolicy: { canLower: true, ownScore: 0 },
      createdNanos: 1n,
      runtime: "runsc",
    });
    expect(app.HostConfig?.Runtime).toBe("runsc");
    expect(app.HostConfig?.MaskedPaths).toBeUndefined();
  });

  it("unmasks /proc for procMount Unmasked with empty path lists", () => {
    const app = containerCreateOptions({
      sandboxId: "s",
      config: { ...container, security: { procPaths: { maskedPaths: [], readonlyPaths: [] } } },
      sandboxConfig: sandbox,
      oomPolicy: { canLower: true, ownScore: 0 },
      createdNanos: 1n,
    });
    expect(app.HostConfig).toMatchObject({ MaskedPaths: [], ReadonlyPaths: [] });
  });
});
