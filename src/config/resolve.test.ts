import { describe, expect, it } from "vitest";
import { BerthError, ErrorCode } from "../common/errors.js";
import * as d from "./defaults.js";
import { resolveAgentConfig, type AgentFlags, type ResolveAgentConfigInput } from "./resolve.js";

const flags: AgentFlags = { kubeconfig: "/etc/berth/node.kubeconfig" };

function resolve(input: Partial<ResolveAgentConfigInput> = {}) {
  return resolveAgentConfig({ flags, hostname: "Node-A", ...input });
}

/** The Config error resolving throws, for its message. */
function failure(input: Partial<ResolveAgentConfigInput>): BerthError {
  try {
    resolve(input);
  } catch (err) {
    expect(err).toBeInstanceOf(BerthError);
    expect((err as BerthError).code).toBe(ErrorCode.Config);
    return err as BerthError;
  }
  throw new Error("resolveAgentConfig accepted the input");
}

const fileError = (fileText: string) => failure({ fileText }).message;

describe("resolveAgentConfig defaults", () => {
  it("fills every KubeletConfiguration default", () => {
    const c = resolve();
    expect(c).toMatchObject({
      maxPods: 110,
      cgroupDriver: "cgroupfs",
      cgroupRoot: "/",
      cgroupsPerQOS: true,
      systemReserved: {},
      kubeReserved: {},
      evictionHard: {
        "memory.available": "100Mi",
        "nodefs.available": "10%",
        "nodefs.inodesFree": "5%",
        "imagefs.available": "15%",
      },
      nodeStatusUpdateFrequency: 10_000,
      nodeStatusReportFrequency: 300_000,
      nodeLeaseDurationSeconds: 40,
      syncFrequency: 60_000,
      serializeImagePulls: true,
      registryPullQPS: 5,
      registryBurst: 10,
      eventRecordQPS: 50,
      eventBurst: 100,
      kubeAPIQPS: 50,
      kubeAPIBurst: 100,
      imageGCHighThresholdPercent: 85,
      imageGCLowThresholdPercent: 80,
      imageMinimumGCAge: 120_000,
      imageMaximumGCAge: 0,
      imageGCPeriod: 300_000,
      port: 10250,
      address: "0.0.0.0",
      containerLogMaxSize: 10 * 1024 * 1024,
      containerLogMaxFiles: 5,
      runtimeRequestTimeout: 120_000,
      streamingConnectionIdleTimeout: 4 * 60 * 60_000,
      clusterDNS: [],
      clusterDomain: "",
      resolvConf: "/etc/resolv.conf",
      seccompDefault: false,
      allowedUnsafeSysctls: [],
    });
    expect(c.podPidsLimit).toBeUndefined();
    expect(c.maxParallelImagePulls).toBeUndefined();
  });

  it("fills the identity defaults", () => {
    const c = resolve();
    expect(c.kubeconfig).toBe("/etc/berth/node.kubeconfig");
    expect(c.nodeName).toBe("node-a");
    expect(c.runtime).toBe("containerd");
    expect(c.runtimeEndpoint).toBe(d.DEFAULT_CONTAINERD_ENDPOINT);
    expect(c.rootDir).toBe("/var/lib/berth/agent");
    expect(c.podInfraImage).toBe(d.DEFAULT_POD_INFRA_IMAGE);
    expect(c.nodeIPs).toEqual([]);
    expect(c.logLevel).toBe("info");
    expect(c.configFile).toBeUndefined();
  });

  it("uses Docker's socket for --runtime docker", () => {
    expect(resolve({ flags: { ...flags, runtime: "docker" } }).runtimeEndpoint).toBe(
      "unix:///var/run/docker.sock",
    );
  });

  it("is frozen", () => {
    const c = resolve();
    expect(Object.isFrozen(c)).toBe(true);
    expect(Object.isFrozen(c.evictionHard)).toBe(true);
    expect(Object.isFrozen(c.nodeIPs)).toBe(true);
  });
});

describe("resolveAgentConfig file", () => {
  const full = `
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
maxPods: 30
cgroupDriver: systemd
cgroupRoot: /berth
cgroupsPerQOS: false
systemReserved: { cpu: 100m, memory: 256Mi }
kubeReserved: { cpu: 1, ephemeral-storage: 1Gi, pid: "100" }
evictionHard: { memory.available: 200Mi }
nodeStatusUpdateFrequency: 5s
nodeStatusReportFrequency: 1m0s
nodeLeaseDurationSeconds: 20
syncFrequency: 30s
serializeImagePulls: false
maxParallelImagePulls: 3
registryPullQPS: 0.5
registryBurst: 2
eventRecordQPS: 0
eventBurst: 7
kubeAPIQPS: 20
kubeAPIBurst: 40
imageGCHighThresholdPercent: 90
imageGCLowThresholdPercent: 70
imageMinimumGCAge: 0s
imageMaximumGCAge: 1h
port: 10260
address: 127.0.0.1
containerLogMaxSize: 1Mi
containerLogMaxFiles: 3
podPidsLimit: 1024
runtimeRequestTimeout: 30s
streamingConnectionIdleTimeout: 5m
containerRuntimeEndpoint: unix:///run/other/containerd.sock
clusterDNS: [10.96.0.10, "fd00::a"]
clusterDomain: cluster.local.
resolvConf: ""
`;

  it("reads every field", () => {
    const c = resolve({ fileText: full });
    expect(c).toMatchObject({
      maxPods: 30,
      cgroupDriver: "systemd",
      cgroupRoot: "/berth",
      cgroupsPerQOS: false,
      systemReserved: { cpu: "100m", memory: "256Mi" },
      kubeReserved: { cpu: "1", "ephemeral-storage": "1Gi", pid: "100" },
      evictionHard: { "memory.available": "200Mi" },
      nodeStatusUpdateFrequency: 5_000,
      nodeStatusReportFrequency: 60_000,
      nodeLeaseDurationSeconds: 20,
      syncFrequency: 30_000,
      serializeImagePulls: false,
      maxParallelImagePulls: 3,
      registryPullQPS: 0.5,
      registryBurst: 2,
      eventRecordQPS: 0,
      eventBurst: 7,
      kubeAPIQPS: 20,
      kubeAPIBurst: 40,
      imageGCHighThresholdPercent: 90,
      imageGCLowThresholdPercent: 70,
      imageMinimumGCAge: 0,
      imageMaximumGCAge: 3_600_000,
      port: 10260,
      address: "127.0.0.1",
      containerLogMaxSize: 1024 * 1024,
      containerLogMaxFiles: 3,
      podPidsLimit: 1024,
      runtimeRequestTimeout: 30_000,
      streamingConnectionIdleTimeout: 300_000,
      runtimeEndpoint: "unix:///run/other/containerd.sock",
      clusterDNS: ["10.96.0.10", "fd00::a"],
      clusterDomain: "cluster.local",
      resolvConf: "",
    });
  });

  it("defaults a zero streamingConnectionIdleTimeout to 4h, as the kubelet does", () => {
    expect(resolve({ fileText: "streamingConnectionIdleTimeout: 0s" }).streamingConnectionIdleTimeout).toBe(
      4 * 60 * 60_000,
    );
  });

  it("replaces evictionHard as a whole, as the kubelet does", () => {
    expect(resolve({ fileText: "evictionHard: { memory.available: 1Gi }" }).evictionHard).toEqual({
      "memory.available": "1Gi",
    });
  });

  it("reads the eviction fields with their defaults", () => {
    const defaults = resolve({});
    expect(defaults.evictionSoft).toEqual({});
    expect(defaults.evictionPressureTransitionPeriod).toBe(5 * 60_000);
    expect(defaults.evictionMaxPodGracePeriod).toBe(0);
    const c = resolve({
      fileText: [
        "evictionSoft: { memory.available: 1Gi, nodefs.available: 15% }",
        "evictionSoftGracePeriod: { memory.available: 1m30s, nodefs.available: 2m }",
        "evictionMinimumReclaim: { memory.available: 0.5Gi }",
        "evictionPressureTransitionPeriod: 30s",
        "evictionMaxPodGracePeriod: 60",
        "localStorageCapacityIsolation: false",
      ].join("\n"),
    });
    expect(c.evictionSoft).toEqual({ "memory.available": "1Gi", "nodefs.available": "15%" });
    expect(c.evictionSoftGracePeriod).toEqual({ "memory.available": 90_000, "nodefs.available": 120_000 });
    expect(c.evictionMinimumReclaim).toEqual({ "memory.available": "0.5Gi" });
    expect(c.evictionPressureTransitionPeriod).toBe(30_000);
    expect(c.evictionMaxPodGracePeriod).toBe(60);
    expect(defaults.localStorageCapacityIsolation).toBe(true);
    expect(c.localStorageCapacityIsolation).toBe(false);
  });

  it("lets flags override the file", () => {
    const c = resolve({
      flags: { ...flags, runtimeEndpoint: "/run/mine.sock" },
      fileText: "containerRuntimeEndpoint: unix:///run/theirs.sock",
    });
    expect(c.runtimeEndpoint).toBe("unix:///run/mine.sock");
  });

  it("takes an empty file or a comment-only file as no settings", () => {
    expect(resolve({ fileText: "" }).maxPods).toBe(110);
    expect(resolve({ fileText: "# nothing here\n" }).maxPods).toBe(110);
  });

  it("treats podPidsLimit -1 and 0 as no limit", () => {
    expect(resolve({ fileText: "podPidsLimit: -1" }).podPidsLimit).toBeUndefined();
    expect(resolve({ fileText: "podPidsLimit: 0" }).podPidsLimit).toBeUndefined();
  });

  it("takes maxParallelImagePulls null as no limit", () => {
    expect(resolve({ fileText: "maxParallelImagePulls: null" }).maxParallelImagePulls).toBeUndefined();
  });
});

describe("resolveAgentConfig file errors", () => {
  it("names an unknown field and suggests the near one", () => {
    expect(fileError("maxPod: 10")).toBe('config: unknown field "maxPod" (did you mean maxPods?)');
    expect(fileError("featureGates: {}")).toBe('config: unknown field "featureGates"');
  });

  it("names a bad quantity inside a map", () => {
    expect(fileError("evictionHard: { memory.available: 10Zi }")).toBe(
      'config: evictionHard["memory.available"]: bad quantity "10Zi"',
    );
    expect(fileError("systemReserved: { memory: lots }")).toBe(
      'config: systemReserved["memory"]: bad quantity "lots"',
    );
    expect(fileError("kubeReserved: { cpu: -1 }")).toBe(
      'config: kubeReserved["cpu"]: must not be negative, not "-1"',
    );
  });

  it("names unknown map keys", () => {
    expect(fileError("evictionHard: { memory.free: 1Gi }")).toMatch(
      /^config: evictionHard\["memory.free"\]: unknown eviction signal/,
    );
    expect(fileError("systemReserved: { gpu: 1 }")).toMatch(
      /^config: systemReserved\["gpu"\]: unknown resource/,
    );
  });

  it("checks percentages", () => {
    expect(fileError('evictionHard: { nodefs.available: "120%" }')).toMatch(/bad percentage "120%"/);
    expect(fileError('evictionHard: { nodefs.available: "x%" }')).toMatch(/bad percentage "x%"/);
  });

  it.each([
    ["maxPods: 0", "config: maxPods: must be at least 1, not 0"],
    ["maxPods: 1.5", "config: maxPods: must be an integer, not number 1.5"],
    ['maxPods: "110"', 'config: maxPods: must be an integer, not string "110"'],
    ["cgroupDriver: docker", 'config: cgroupDriver: must be cgroupfs or systemd, not string "docker"'],
    ["cgroupRoot: kubepods", 'config: cgroupRoot: must be an absolute path, not "kubepods"'],
    ["cgroupRoot: 1", "config: cgroupRoot: must be a string, not number 1"],
    ["cgroupsPerQOS: yes please", 'config: cgroupsPerQOS: must be true or false, not string "yes please"'],
    ["systemReserved: [cpu]", "config: systemReserved: must be a mapping, not a list"],
    ["evictionHard: 10%", 'config: evictionHard: must be a mapping, not string "10%"'],
    [
      "kubeReserved: { memory: [1] }",
      'config: kubeReserved["memory"]: must be a quantity such as "100Mi", not a list',
    ],
    [
      "nodeStatusUpdateFrequency: 10",
      'config: nodeStatusUpdateFrequency: must be a duration string such as "10s", not number 10',
    ],
    [
      "syncFrequency: 1d",
      'config: syncFrequency: bad duration "1d" (use a Go duration such as "10s" or "5m0s")',
    ],
    ["nodeStatusReportFrequency: 0s", 'config: nodeStatusReportFrequency: must be at least 1 ms, not "0s"'],
    ["imageMinimumGCAge: -1m", 'config: imageMinimumGCAge: must be at least 0 ms, not "-1m"'],
    [
      "imageMaximumGCAge: 1m",
      "config: imageMaximumGCAge: must be greater than imageMinimumGCAge (60000 ms <= 120000 ms)",
    ],
    ["nodeLeaseDurationSeconds: 0", "config: nodeLeaseDurationSeconds: must be at least 1, not 0"],
    ["serializeImagePulls: 1", "config: serializeImagePulls: must be true or false, not number 1"],
    ["maxParallelImagePulls: 0", "config: maxParallelImagePulls: must be at least 1, not 0"],
    ["registryPullQPS: -5", "config: registryPullQPS: must not be negative, not -5"],
    ["registryPullQPS: fast", 'config: registryPullQPS: must be a number, not string "fast"'],
    ["registryBurst: -1", "config: registryBurst: must be at least 0, not -1"],
    ["eventRecordQPS: -1", "config: eventRecordQPS: must not be negative, not -1"],
    ["eventBurst: 1.5", "config: eventBurst: must be an integer, not number 1.5"],
    ["kubeAPIQPS: null", "config: kubeAPIQPS: must be a number, not null"],
    ["kubeAPIBurst: -2", "config: kubeAPIBurst: must be at least 0, not -2"],
    [
      "imageGCHighThresholdPercent: 101",
      "config: imageGCHighThresholdPercent: must be between 0 and 100, not 101",
    ],
    [
      "imageGCLowThresholdPercent: -1",
      "config: imageGCLowThresholdPercent: must be between 0 and 100, not -1",
    ],
    ["port: 0", "config: port: must be between 1 and 65535, not 0"],
    ["port: 70000", "config: port: must be between 1 and 65535, not 70000"],
    ["address: localhost", 'config: address: must be an IP address, not "localhost"'],
    ["containerLogMaxSize: 0", 'config: containerLogMaxSize: must be a positive size, not "0"'],
    ["containerLogMaxSize: big", 'config: containerLogMaxSize: bad quantity "big"'],
    ["containerLogMaxFiles: 1", "config: containerLogMaxFiles: must be at least 2, not 1"],
    ["podPidsLimit: -2", "config: podPidsLimit: must be at least -1, not -2"],
    ["runtimeRequestTimeout: 0s", 'config: runtimeRequestTimeout: must be at least 1 ms, not "0s"'],
    [
      "streamingConnectionIdleTimeout: -1s",
      'config: streamingConnectionIdleTimeout: must be at least 0 ms, not "-1s"',
    ],
    ["clusterDNS: 10.96.0.10", "config: clusterDNS: must be a list of IP addresses"],
    ["clusterDNS: [10.96.0.10, dns]", 'config: clusterDNS[1]: must be an IP address, not "dns"'],
    ["clusterDomain: Cluster_Local", 'config: clusterDomain: "Cluster_Local" is not a DNS domain'],
    [
      "resolvConf: etc/resolv.conf",
      'config: resolvConf: must be an absolute path or "", not "etc/resolv.conf"',
    ],
    ["containerRuntimeEndpoint: 5", "config: containerRuntimeEndpoint: must be a string, not number 5"],
    ["seccompDefault: maybe", 'config: seccompDefault: must be true or false, not string "maybe"'],
    [
      "allowedUnsafeSysctls: kernel.msg*",
      "config: allowedUnsafeSysctls: must be a list of sysctl names or patterns",
    ],
    ["allowedUnsafeSysctls: [1]", "config: allowedUnsafeSysctls[0]: must be a string, not number 1"],
    [
      "containerRuntimeEndpoint: tcp://1.2.3.4:5",
      'config: containerRuntimeEndpoint: must be unix:///path, not "tcp://1.2.3.4:5"',
    ],
  ])("%s", (text, message) => {
    expect(fileError(text)).toBe(message);
  });

  it("reads seccompDefault and allowedUnsafeSysctls", () => {
    const c = resolve({
      fileText: "seccompDefault: true\nallowedUnsafeSysctls: [kernel.msg*, net.core.somaxconn]\n",
    });
    expect(c.seccompDefault).toBe(true);
    expect(c.allowedUnsafeSysctls).toEqual(["kernel.msg*", "net.core.somaxconn"]);
  });

  it("checks the eviction fields", () => {
    expect(fileError("evictionSoft: { memory.available: 1Gi }")).toBe(
      'config: evictionSoftGracePeriod["memory.available"]: grace period must be specified for the soft eviction threshold memory.available',
    );
    expect(fileError("evictionSoftGracePeriod: { memory.free: 1m }")).toMatch(
      /^config: evictionSoftGracePeriod\["memory.free"\]: unknown eviction signal/,
    );
    expect(fileError("evictionSoftGracePeriod: { memory.available: soon }")).toMatch(
      /^config: evictionSoftGracePeriod\["memory.available"\]: bad duration/,
    );
    expect(fileError("evictionMaxPodGracePeriod: -1")).toMatch(/^config: evictionMaxPodGracePeriod: /);
  });

  it("checks the cross-field rules", () => {
    expect(fileError("imageGCLowThresholdPercent: 85")).toBe(
      "config: imageGCLowThresholdPercent: must be less than imageGCHighThresholdPercent (85 >= 85)",
    );
    expect(fileError("maxParallelImagePulls: 4")).toBe(
      "config: maxParallelImagePulls: must be 1 or unset while serializeImagePulls is true",
    );
  });

  it("checks apiVersion and kind", () => {
    expect(fileError("apiVersion: v1")).toBe(
      'config: apiVersion: must be kubelet.config.k8s.io/v1beta1, not "v1"',
    );
    expect(fileError("kind: Pod")).toBe('config: kind: must be KubeletConfiguration, not "Pod"');
  });

  it("reports YAML errors with their line", () => {
    expect(fileError("maxPods: 1\nmaxPods: 2\n")).toMatch(/^config: not valid YAML at line 2, column 1: /);
    expect(fileError("maxPods: [1\n")).toMatch(/^config: not valid YAML/);
  });

  it("needs a mapping at the top", () => {
    expect(fileError("- maxPods\n")).toBe(
      "config: the file must hold a mapping of KubeletConfiguration fields",
    );
    expect(fileError("42")).toBe("config: the file must hold a mapping of KubeletConfiguration fields");
  });
});

describe("resolveAgentConfig flags", () => {
  const flagError = (f: AgentFlags, extra: Partial<ResolveAgentConfigInput> = {}) =>
    failure({ flags: f, ...extra }).message;

  it("needs --kubeconfig", () => {
    expect(flagError({})).toBe("--kubeconfig: is required (the node's credentials for the API server)");
    expect(flagError({ kubeconfig: "" })).toMatch(/^--kubeconfig: is required/);
  });

  it("checks --node-name and the host name", () => {
    expect(flagError({ ...flags, nodeName: "Node_1" })).toBe(
      '--node-name: "Node_1" is not a valid node name: it must be a lower-case DNS subdomain',
    );
    expect(failure({ hostname: "bad_host" }).message).toBe(
      '--node-name: "bad_host" is not a valid node name: the host name must be a lower-case DNS subdomain',
    );
    expect(flagError({ ...flags, nodeName: "a".repeat(254) })).toMatch(/is not a valid node name/);
    expect(resolve({ flags: { ...flags, nodeName: "worker-1.example" } }).nodeName).toBe("worker-1.example");
  });

  it("checks --runtime", () => {
    expect(flagError({ ...flags, runtime: "cri-o" })).toBe(
      '--runtime: must be containerd or docker, not "cri-o"',
    );
  });

  it("checks and normalizes --runtime-endpoint", () => {
    expect(resolve({ flags: { ...flags, runtimeEndpoint: "/run/c.sock" } }).runtimeEndpoint).toBe(
      "unix:///run/c.sock",
    );
    expect(flagError({ ...flags, runtimeEndpoint: "unix://relative.sock" })).toBe(
      '--runtime-endpoint: must be unix:///path, not "unix://relative.sock"',
    );
    expect(flagError({ ...flags, runtime: "docker", runtimeEndpoint: "docker.sock" })).toBe(
      '--runtime-endpoint: must be unix:///path or tcp://host:port, not "docker.sock"',
    );
    const docker = resolve({
      flags: { ...flags, runtime: "docker", runtimeEndpoint: "tcp://127.0.0.1:2375" },
    });
    expect(docker.runtimeEndpoint).toBe("tcp://127.0.0.1:2375");
  });

  it("checks --root-dir", () => {
    expect(flagError({ ...flags, rootDir: "var/lib" })).toBe(
      '--root-dir: must be an absolute path, not "var/lib"',
    );
    expect(resolve({ flags: { ...flags, rootDir: "/tmp/x" } }).rootDir).toBe("/tmp/x");
  });

  it("checks --pod-infra-image", () => {
    expect(flagError({ ...flags, podInfraImage: "" })).toBe(
      '--pod-infra-image: "" is not an image reference',
    );
    expect(flagError({ ...flags, podInfraImage: "a b" })).toMatch(/is not an image reference/);
    expect(resolve({ flags: { ...flags, podInfraImage: "127.0.0.1:5000/p:1" } }).podInfraImage).toBe(
      "127.0.0.1:5000/p:1",
    );
  });

  it("checks --node-ip", () => {
    expect(resolve({ flags: { ...flags, nodeIp: "10.0.0.5" } }).nodeIPs).toEqual(["10.0.0.5"]);
    expect(resolve({ flags: { ...flags, nodeIp: "10.0.0.5,fd00::5" } }).nodeIPs).toEqual([
      "10.0.0.5",
      "fd00::5",
    ]);
    expect(flagError({ ...flags, nodeIp: "10.0.0" })).toBe('--node-ip: "10.0.0" is not an IP address');
    expect(flagError({ ...flags, nodeIp: "10.0.0.1,10.0.0.2" })).toBe(
      "--node-ip: give one address, or one IPv4 and one IPv6 address",
    );
  });

  it("keeps --config and reads BERTH_LOG_LEVEL", () => {
    const c = resolve({
      flags: { ...flags, config: "/etc/berth/agent.yaml" },
      env: { BERTH_LOG_LEVEL: "debug" },
    });
    expect(c.configFile).toBe("/etc/berth/agent.yaml");
    expect(c.logLevel).toBe("debug");
    expect(resolve({ env: { BERTH_LOG_LEVEL: "" } }).logLevel).toBe("info");
  });

  it("reads the e2e harness's crash backoff base, and leaves the kubelet's default otherwise", () => {
    expect(resolve({}).crashBackoffInitial).toBeUndefined();
    expect(resolve({ env: { BERTH_TEST_CRASH_BACKOFF_INITIAL: "1s" } }).crashBackoffInitial).toBe(1_000);
    expect(failure({ env: { BERTH_TEST_CRASH_BACKOFF_INITIAL: "soon" } }).message).toMatch(
      /^BERTH_TEST_CRASH_BACKOFF_INITIAL: bad duration/,
    );
    expect(failure({ env: { BERTH_LOG_LEVEL: "loud" } }).message).toMatch(/^BERTH_LOG_LEVEL: must be one of/);
  });

  it("reads the e2e harness's eviction monitoring period, and leaves the kubelet's otherwise", () => {
    expect(resolve({}).evictionMonitoringPeriod).toBeUndefined();
    expect(resolve({ env: { BERTH_TEST_EVICTION_MONITORING_PERIOD: "1s" } }).evictionMonitoringPeriod).toBe(
      1_000,
    );
    expect(failure({ env: { BERTH_TEST_EVICTION_MONITORING_PERIOD: "0s" } }).message).toBe(
      "BERTH_TEST_EVICTION_MONITORING_PERIOD: must be positive, not 0s",
    );
  });

  it("reads the e2e harness's image GC period, and keeps the kubelet's 5 minutes otherwise", () => {
    expect(resolve({}).imageGCPeriod).toBe(300_000);
    expect(resolve({ env: { BERTH_TEST_IMAGE_GC_PERIOD: "500ms" } }).imageGCPeriod).toBe(500);
    expect(failure({ env: { BERTH_TEST_IMAGE_GC_PERIOD: "0s" } }).message).toBe(
      "BERTH_TEST_IMAGE_GC_PERIOD: must be positive, not 0s",
    );
  });
});
