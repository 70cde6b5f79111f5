import type { IContainer, IPod } from "kubernetes-models/v1";
import { DEFAULT_MASKED_PATHS, DEFAULT_READONLY_PATHS } from "../../security/index.js";
import { describe, expect, it } from "vitest";
import { BerthError, ErrorCode } from "../../../common/index.js";
import {
  ANNOTATION_CONTAINER_HASH,
  ANNOTATION_CONTAINER_RESTART_COUNT,
  ANNOTATION_TERMINATION_GRACE_PERIOD,
  ANNOTATION_TERMINATION_MESSAGE_PATH,
  LABEL_CONTAINER_NAME,
  LABEL_POD_NAME,
  LABEL_POD_NAMESPACE,
  LABEL_POD_UID,
} from "../../../runtime/index.js";
import {
  CREATE_CONTAINER_CONFIG_ERROR,
  ETC_HOSTS_PATH,
  buildContainerConfig,
  buildSandboxConfig,
  containerHash,
  containerLogPath,
  podDnsConfig,
  podHostname,
  podHostnameAndDomain,
  type ContainerConfigOptions,
} from "./index.js";
import { fnv1a32 } from "./hash.js";

function makePod(
  spec: Partial<NonNullable<IPod["spec"]>> = {},
  meta: Partial<NonNullable<IPod["metadata"]>> = {},
): IPod {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name: "web",
      namespace: "shop",
      uid: "0b7f-uid",
      labels: { app: "web", [LABEL_POD_NAME]: "spoofed" },
      annotations: { team: "blue" },
      ...meta,
    },
    spec: {
      nodeName: "node-a",
      containers: [{ name: "app", image: "busybox:1.36", terminationMessagePath: "/dev/termination-log" }],
      ...spec,
    },
  };
}

const hostDns = { servers: ["1.1.1.1", "8.8.8.8"], searches: ["corp.example"], options: ["timeout:2"] };

function errorOf(fn: () => unknown): BerthError {
  try {
    fn();
  } catch (err) {
    if (err instanceof BerthError) return err;
    throw err;
  }
  throw new Error("expected a BerthError");
}

describe("buildSandboxConfig", () => {
  it("fills metadata, hostname, log directory, labels, annotations and namespaces", () => {
    const config = buildSandboxConfig(makePod(), {
      attempt: 2,
      logDirectory: "/var/log/pods",
      cgroupParent: "/kubepods/besteffort/pod0b7f-uid",
      hostDns,
    });
    expect(config).toEqual({
      metadata: { name: "web", namespace: "shop", uid: "0b7f-uid", attempt: 2 },
      hostname: "web",
      logDirectory: "/var/log/pods/shop_web_0b7f-uid",
      dnsConfig: { servers: ["1.1.1.1", "8.8.8.8"], searches: ["corp.example"], options: ["timeout:2"] },
      portMappings: [],
      labels: {
        app: "web",
        [LABEL_POD_NAME]: "web",
        [LABEL_POD_NAMESPACE]: "shop",
        [LABEL_POD_UID]: "0b7f-uid",
      },
      annotations: { team: "blue" },
      cgroupParent: "/kubepods/besteffort/pod0b7f-uid",
      namespaceOptions: { network: "POD", pid: "CONTAINER", ipc: "POD" },
      sysctls: {},
      seccomp: { type: "Unconfined" },
    });
  });

  it("gives the pause process the pod's seccomp profile, RuntimeDefault for a Localhost one", () => {
    const opts = { attempt: 0, logDirectory: "/var/log/pods", hostDns };
    const withProfile = (
      type: "RuntimeDefault" | "Unconfined" | "Localhost" | undefined,
      seccompDefault = false,
    ) =>
      buildSandboxConfig(
        makePod(
          type === undefined
            ? {}
            : {
                securityContext: {
                  seccompProfile: { type, ...(type === "Localhost" ? { localhostProfile: "p.json" } : {}) },
                },
              },
        ),
        { ...opts, seccompDefault },
      ).seccomp;
    expect(withProfile(undefined)).toEqual({ type: "Unconfined" });
    expect(withProfile(undefined, true)).toEqual({ type: "RuntimeDefault" });
    expect(withProfile("Unconfined", true)).toEqual({ type: "Unconfined" });
    expect(withProfile("RuntimeDefault")).toEqual({ type: "RuntimeDefault" });
    expect(withProfile("Localhost")).toEqual({ type: "RuntimeDefault" });
  });

  it("uses spec.hostname, truncates long names, and sets none with host networking", () => {
    expect(podHostname(makePod({ hostname: "custom" }))).toBe("custom");
    const long = `${"a".repeat(62)}-bcd`;
    expect(podHostname(makePod({}, { name: long }))).toBe("a".repeat(62));
    const config = buildSandboxConfig(makePod({ hostNetwork: true }), {
      attempt: 0,
      logDirectory: "/l",
      hostDns,
    });
    expect(config.hostname).toBeUndefined();
    expect(config.namespaceOptions.network).toBe("NODE");
  });

  it("derives the domain from spec.subdomain and sets the FQDN as hostname on request", () => {
    expect(podHostnameAndDomain(makePod({ hostname: "db-0", subdomain: "db" }), "cluster.local")).toEqual({
      hostname: "db-0",
      domain: "db.shop.svc.cluster.local",
    });
    expect(podHostnameAndDomain(makePod({ subdomain: "db" }), undefined)).toEqual({ hostname: "web" });
    const fqdnPod = makePod({ hostname: "db-0", subdomain: "db", setHostnameAsFQDN: true });
    const config = buildSandboxConfig(fqdnPod, {
      attempt: 0,
      logDirectory: "/l",
      hostDns,
      clusterDomain: "cluster.local",
    });
    expect(config.hostname).toBe("db-0.db.shop.svc.cluster.local");
    const tooLong = makePod({ hostname: "h".repeat(40), subdomain: "s".repeat(10), setHostnameAsFQDN: true });
    const err = errorOf(() =>
      buildSandboxConfig(tooLong, {
        attempt: 0,
        logDirectory: "/l",
        hostDns,
        clusterDomain: "cluster.local",
      }),
    );
    expect(err.code).toBe(ErrorCode.Invalid);
    expect(err.message).toContain("is too long (64 characters is the max, 74 characters requested)");
  });

  it("maps host namespaces, shared process namespace, sysctls, ports and privilege", () => {
    const pod = makePod({
      hostPID: true,
      hostIPC: true,
      securityContext: { sysctls: [{ name: "net.ipv4.ip_unprivileged_port_start", value: "0" }] },
      containers: [
        {
          name: "app",
          image: "x",
          ports: [
            { containerPort: 80, hostPort: 8080 },
            { containerPort: 53, protocol: "UDP", hostIP: "127.0.0.1", hostPort: 5353 },
            { containerPort: 9090 },
          ],
        },
        {
          name: "side",
          image: "y",
          securityContext: { privileged: true },
          ports: [{ containerPort: 80, hostPort: 8080 }],
        },
      ],
    });
    const config = buildSandboxConfig(pod, { attempt: 0, logDirectory: "/l", hostDns });
    expect(config.namespaceOptions).toEqual({ network: "POD", pid: "NODE", ipc: "NODE" });
    expect(config.sysctls).toEqual({ "net.ipv4.ip_unprivileged_port_start": "0" });
    expect(config.portMappings).toEqual([
      { protocol: "TCP", containerPort: 80, hostPort: 8080 },
      { protocol: "UDP", containerPort: 53, hostPort: 5353, hostIp: "127.0.0.1" },
      { protocol: "TCP", containerPort: 9090 },
    ]);
    expect(config.privileged).toBe(true);
    expect(
      buildSandboxConfig(makePod({ shareProcessNamespace: true }), {
        attempt: 0,
        logDirectory: "/l",
        hostDns,
      }).namespaceOptions.pid,
    ).toBe("POD");
  });

  it("refuses a pod without identity or a bad attempt", () => {
    expect(
      errorOf(() => buildSandboxConfig(makePod({}, { uid: "" }), { attempt: 0, logDirectory: "/l", hostDns }))
        .code,
    ).toBe(ErrorCode.Invalid);
    expect(
      errorOf(() => buildSandboxConfig(makePod(), { attempt: -1, logDirectory: "/l", hostDns })).code,
    ).toBe(ErrorCode.Invalid);
    const badProtocol = makePod({
      containers: [{ name: "a", image: "x", ports: [{ containerPort: 1, protocol: "ICMP" as "TCP" }] }],
    });
    expect(
      errorOf(() => buildSandboxConfig(badProtocol, { attempt: 0, logDirectory: "/l", hostDns })).message,
    ).toContain("ICMP");
  });
});

describe("podDnsConfig", () => {
  const cluster = { servers: ["10.96.0.10"], domain: "cluster.local" };
  it("gives cluster DNS to ClusterFirst pods when a cluster DNS exists", () => {
    expect(podDnsConfig(makePod(), hostDns, cluster)).toEqual({
      servers: ["10.96.0.10"],
      searches: ["shop.svc.cluster.local", "svc.cluster.local", "cluster.local", "corp.example"],
      options: ["ndots:5"],
    });
  });
  it("falls back to the host resolver without cluster DNS, for Default, and for host-network ClusterFirst", () => {
    const host = { servers: ["1.1.1.1", "8.8.8.8"], searches: ["corp.example"], options: ["timeout:2"] };
    expect(podDnsConfig(makePod(), hostDns, undefined)).toEqual(host);
    expect(podDnsConfig(makePod({ dnsPolicy: "Default" }), hostDns, cluster)).toEqual(host);
    expect(podDnsConfig(makePod({ hostNetwork: true }), hostDns, cluster)).toEqual(host);
    expect(
      podDnsConfig(makePod({ hostNetwork: true, dnsPolicy: "ClusterFirstWithHostNet" }), hostDns, cluster)
        .servers,
    ).toEqual(["10.96.0.10"]);
  });
  it("uses only the pod's dnsConfig with None, and merges it otherwise", () => {
    const own = {
      nameservers: ["9.9.9.9"],
      searches: ["a.example"],
      options: [{ name: "ndots", value: "2" }, { name: "edns0" }],
    };
    expect(podDnsConfig(makePod({ dnsPolicy: "None", dnsConfig: own }), hostDns, cluster)).toEqual({
      servers: ["9.9.9.9"],
      searches: ["a.example"],
      options: ["ndots:2", "edns0"],
    });
    expect(podDnsConfig(makePod({ dnsConfig: own }), hostDns, cluster)).toEqual({
      servers: ["10.96.0.10", "9.9.9.9"],
      searches: ["shop.svc.cluster.local", "svc.cluster.local", "cluster.local", "corp.example", "a.example"],
      options: ["ndots:2", "edns0"],
    });
  });
  it("keeps at most three name servers", () => {
    const many = { servers: ["1.1.1.1", "2.2.2.2", "3.3.3.3", "4.4.4.4"], searches: [] };
    expect(podDnsConfig(makePod(), many, undefined).servers).toEqual(["1.1.1.1", "2.2.2.2", "3.3.3.3"]);
  });
});

describe("buildContainerConfig", () => {
  const base: ContainerConfigOptions = {
    attempt: 3,
    podIPs: ["10.1.0.5"],
    hostIPs: ["192.168.1.2"],
    nodeName: "node-a",
    memoryCapacityBytes: 8 * 1024 ** 3,
    volumeHostPaths: new Map([
      ["data", "/var/lib/berth/pods/0b7f-uid/volumes/kubernetes.io~empty-dir/data"],
      ["host", "/srv/shared"],
    ]),
    terminationMessageHostPath: "/var/lib/berth/pods/0b7f-uid/containers/app/abc",
  };

  it("builds the whole config for a typical container", () => {
    const pod = makePod({
      terminationGracePeriodSeconds: 45,
      securityContext: { runAsUser: 1000, fsGroup: 2000, supplementalGroups: [3000, 2000] },
      containers: [
        {
          name: "app",
          image: "busybox:1.36",
          command: ["sh", "-c"],
          args: ["echo $(GREETING) from $(POD_NAME) on $(NODE)"],
          workingDir: "/work",
          env: [
            { name: "POD_NAME", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } },
            { name: "NODE", valueFrom: { fieldRef: { fieldPath: "spec.nodeName" } } },
            { name: "GREETING", value: "hello" },
          ],
          volumeMounts: [
            { name: "data", mountPath: "/data" },
            {
              name: "host",
              mountPath: "/shared",
              readOnly: true,
              subPath: "sub/dir",
              mountPropagation: "HostToContainer",
            },
          ],
          resources: { requests: { cpu: "250m", memory: "64Mi" }, limits: { cpu: "500m", memory: "128Mi" } },
          securityContext: {
            runAsUser: 1001,
            readOnlyRootFilesystem: true,
            allowPrivilegeEscalation: false,
            capabilities: { add: ["NET_ADMIN"], drop: ["ALL"] },
          },
          terminationMessagePath: "/dev/termination-log",
          stdin: true,
          tty: true,
        },
      ],
    });
    const container = pod.spec?.containers[0] as IContainer;
    const config = buildContainerConfig(pod, container, base);
    expect(config.metadata).toEqual({ name: "app", attempt: 3 });
    expect(config.image).toEqual({ image: "busybox:1.36" });
    expect(config.command).toEqual(["sh", "-c"]);
    expect(config.args).toEqual(["echo hello from web on node-a"]);
    expect(config.workingDir).toBe("/work");
    expect(config.envs).toEqual([
      { key: "POD_NAME", value: "web" },
      { key: "NODE", value: "node-a" },
      { key: "GREETING", value: "hello" },
    ]);
    expect(config.mounts).toEqual([
      {
        containerPath: "/data",
        hostPath: "/var/lib/berth/pods/0b7f-uid/volumes/kubernetes.io~empty-dir/data",
        readonly: false,
        propagation: "private",
      },
      {
        containerPath: "/shared",
        hostPath: "/srv/shared/sub/dir",
        readonly: true,
        propagation: "host-to-container",
      },
      {
        containerPath: "/dev/termination-log",
        hostPath: "/var/lib/berth/pods/0b7f-uid/containers/app/abc",
        readonly: false,
        propagation: "private",
      },
    ]);
    expect(config.labels).toEqual({
      [LABEL_POD_NAME]: "web",
      [LABEL_POD_NAMESPACE]: "shop",
      [LABEL_POD_UID]: "0b7f-uid",
      [LABEL_CONTAINER_NAME]: "app",
    });
    expect(config.annotations).toEqual({
      [ANNOTATION_CONTAINER_HASH]: containerHash(container),
      [ANNOTATION_CONTAINER_RESTART_COUNT]: "3",
      [ANNOTATION_TERMINATION_MESSAGE_PATH]: "/dev/termination-log",
      [ANNOTATION_TERMINATION_GRACE_PERIOD]: "45",
    });
    expect(config.logPath).toBe("app/3.log");
    expect(config.stdin).toBe(true);
    expect(config.tty).toBe(true);
    // Burstable: shares from the request, quota from the limit, the memory limit, a positive score.
    expect(config.resources).toMatchObject({
      cpuShares: 256,
      cpuQuota: 50000,
      cpuPeriod: 100000,
      memoryLimitBytes: 128 * 1024 ** 2,
    });
    expect(config.resources?.oomScoreAdj).toBeGreaterThanOrEqual(3);
    expect(config.security).toEqual({
      runAsUser: 1001,
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
      capabilities: { add: ["NET_ADMIN"], drop: ["ALL"] },
      supplementalGroups: [2000, 3000],
      seccomp: { type: "Unconfined" },
      procPaths: { maskedPaths: DEFAULT_MASKED_PATHS, readonlyPaths: DEFAULT_READONLY_PATHS },
    });
  });

  it("uses the resolved imageRef and leaves optional fields out", () => {
    const pod = makePod();
    const config = buildContainerConfig(pod, { name: "app", image: "busybox" }, {
      ...base,
      attempt: 0,
      imageRef: "sha256:abc",
      terminationMessageHostPath: undefined,
    } as ContainerConfigOptions);
    expect(config.image.image).toBe("sha256:abc");
    expect(config.workingDir).toBeUndefined();
    expect(config.stdin).toBeUndefined();
    expect(config.mounts).toEqual([]);
    expect(config.annotations[ANNOTATION_TERMINATION_GRACE_PERIOD]).toBeUndefined();
    expect(config.annotations[ANNOTATION_TERMINATION_MESSAGE_PATH]).toBe("");
    expect(config.resources).toMatchObject({ cpuShares: 2, oomScoreAdj: 1000 });
    expect(config.security).toEqual({
      seccomp: { type: "Unconfined" },
      procPaths: { maskedPaths: DEFAULT_MASKED_PATHS, readonlyPaths: DEFAULT_READONLY_PATHS },
    });
    const unmasked = buildContainerConfig(
      pod,
      { name: "app", image: "busybox", securityContext: { procMount: "Unmasked" } },
      base,
    );
    expect(unmasked.security?.procPaths).toEqual({ maskedPaths: [], readonlyPaths: [] });
  });

  it("pod security applies unless the container overrides it; privileged drops the escalation flag", () => {
    const pod = makePod({ securityContext: { runAsUser: 10, runAsGroup: 20, runAsNonRoot: true } });
    const priv = buildContainerConfig(
      pod,
      {
        name: "app",
        image: "x",
        securityContext: { privileged: true, allowPrivilegeEscalation: false, runAsGroup: 30 },
      },
      base,
    );
    expect(priv.security).toEqual({
      runAsUser: 10,
      runAsGroup: 30,
      privileged: true,
      seccomp: { type: "Unconfined" },
    });
  });

  it("mounts the managed /etc/hosts unless the container mounts its own", () => {
    const pod = makePod();
    const withHosts = { ...base, etcHostsHostPath: "/pods/uid/etc-hosts" };
    const config = buildContainerConfig(pod, { name: "app", image: "x" }, withHosts);
    expect(config.mounts).toEqual([
      {
        containerPath: ETC_HOSTS_PATH,
        hostPath: "/pods/uid/etc-hosts",
        readonly: false,
        propagation: "private",
      },
    ]);
    const own = buildContainerConfig(
      pod,
      { name: "app", image: "x", volumeMounts: [{ name: "host", mountPath: "/etc/hosts" }] },
      withHosts,
    );
    expect(own.mounts.map((m) => m.hostPath)).toEqual(["/srv/shared"]);
  });

  it("expands subPathExpr from the environment and refuses unresolved or escaping sub paths", () => {
    const pod = makePod();
    const c = (
      volumeMounts: NonNullable<IContainer["volumeMounts"]>,
      env: IContainer["env"] = [],
    ): IContainer => ({ name: "app", image: "x", volumeMounts, env });
    const ok = buildContainerConfig(
      pod,
      c(
        [{ name: "host", mountPath: "/m", subPathExpr: "logs/$(POD)" }],
        [{ name: "POD", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } }],
      ),
      base,
    );
    expect(ok.mounts[0]?.hostPath).toBe("/srv/shared/logs/web");
    const cases: [NonNullable<IContainer["volumeMounts"]>, string][] = [
      [[{ name: "host", mountPath: "/m", subPathExpr: "$(NOPE)/$(ALSO)" }], "missing value for ALSO, NOPE"],
      [
        [{ name: "host", mountPath: "/m", subPath: "/abs" }],
        "error SubPath `/abs` must not be an absolute path",
      ],
      [
        [{ name: "host", mountPath: "/m", subPath: "a/../../etc" }],
        "unable to provision SubPath `a/../../etc`: must not contain '..'",
      ],
      [[{ name: "nope", mountPath: "/m" }], 'cannot find volume "nope" to mount into container "app"'],
      [
        [{ name: "host", mountPath: "/m", mountPropagation: "Bidirectional" }],
        "mount propagation Bidirectional on /m requires a privileged container",
      ],
    ];
    for (const [mounts, message] of cases) {
      const err = errorOf(() => buildContainerConfig(pod, c(mounts), base));
      expect(err.code).toBe(ErrorCode.Invalid);
      expect(err.message).toBe(message);
      expect(err.details.reason).toBe(CREATE_CONTAINER_CONFIG_ERROR);
    }
    const privileged: IContainer = {
      ...c([{ name: "host", mountPath: "/m", mountPropagation: "Bidirectional" }]),
      securityContext: { privileged: true },
    };
    expect(buildContainerConfig(pod, privileged, base).mounts[0]?.propagation).toBe("bidirectional");
  });

  it("refuses a container without an image and a bad attempt", () => {
    expect(errorOf(() => buildContainerConfig(makePod(), { name: "app" }, base)).message).toBe(
      'container "app" has no image',
    );
    expect(
      errorOf(() => buildContainerConfig(makePod(), { name: "app", image: "x" }, { ...base, attempt: 1.5 }))
        .code,
    ).toBe(ErrorCode.Invalid);
  });

  it("reports a missing ConfigMap key as a config error", () => {
    const err = errorOf(() =>
      buildContainerConfig(
        makePod(),
        {
          name: "app",
          image: "x",
          env: [{ name: "K", valueFrom: { configMapKeyRef: { name: "cm", key: "k" } } }],
        },
        { ...base, configMaps: new Map([["cm", {}]]) },
      ),
    );
    expect(err.message).toBe("couldn't find key k in ConfigMap shop/cm");
  });

  it("names the log file after the attempt", () => {
    expect(containerLogPath("app", 0)).toBe("app/0.log");
  });
});

describe("containerHash", () => {
  const container: IContainer = {
    name: "app",
    image: "busybox",
    command: ["sleep", "1"],
    env: [{ name: "A", value: "1" }],
  };
  it("is stable across key order and ignores resources", () => {
    const reordered: IContainer = {
      env: [{ value: "1", name: "A" }],
      command: ["sleep", "1"],
      image: "busybox",
      name: "app",
    };
    expect(containerHash(reordered)).toBe(containerHash(container));
    expect(containerHash({ ...container, resources: { limits: { cpu: "1" } } })).toBe(
      containerHash(container),
    );
    expect(containerHash(container)).toMatch(/^[0-9a-f]{1,8}$/);
  });
  it("changes when a field that matters changes", () => {
    expect(containerHash({ ...container, image: "busybox:2" })).not.toBe(containerHash(container));
    expect(containerHash({ ...container, command: ["sleep", "2"] })).not.toBe(containerHash(container));
    expect(containerHash({ ...container, env: [{ name: "A", value: "2" }] })).not.toBe(
      containerHash(container),
    );
  });
  it("is FNV-1a 32", () => {
    // Published FNV-1a 32 test vectors.
    expect(fnv1a32("")).toBe(0x811c9dc5);
    expect(fnv1a32("a")).toBe(0xe40c292c);
    expect(fnv1a32("foobar")).toBe(0xbf9cf968);
  });
});
