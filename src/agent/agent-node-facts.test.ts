import type { INode, IPod } from "kubernetes-models/v1";
import { describe, expect, it } from "vitest";
import { admissionNode, nodeAdmission } from "./agent-admission.js";
import { kubepodsLimit, nodeFacts } from "./agent-node-facts.js";
import { SecurityAdmission, SysctlAllowlist } from "./security/index.js";

const node: INode = {
  apiVersion: "v1",
  kind: "Node",
  metadata: { name: "n1", labels: { "kubernetes.io/hostname": "n1", disk: "ssd" } },
  spec: { taints: [{ key: "k", effect: "NoExecute" }] },
  status: {
    capacity: { cpu: "4", memory: "8Gi", pods: "110" },
    addresses: [
      { type: "InternalIP", address: "10.1.2.3" },
      { type: "Hostname", address: "n1" },
      { type: "InternalIP", address: "fd00::3" },
    ],
  },
};
const allocatable = { cpu: "3500m", memory: "7Gi", pods: "2", "ephemeral-storage": "90Gi" };
const source = { nodeName: "n1", allocatable: () => allocatable, node: () => node };
const hostDns = { servers: ["10.0.0.2"], searches: [], options: [] };

describe("nodeFacts", () => {
  it("reads host IPs, memory capacity and allocatable from the registered Node", () => {
    const facts = nodeFacts(source, hostDns, { clusterDNS: [], clusterDomain: "" })();
    expect(facts).toEqual({
      hostIPs: ["10.1.2.3", "fd00::3"],
      memoryCapacityBytes: 8 * 1024 ** 3,
      allocatable,
      hostDns,
      clusterDomain: "",
    });
  });

  it("passes the cluster DNS only when one is configured", () => {
    const facts = nodeFacts(source, hostDns, {
      clusterDNS: ["10.96.0.10"],
      clusterDomain: "cluster.local",
    })();
    expect(facts.clusterDns).toEqual({ servers: ["10.96.0.10"], domain: "cluster.local" });
  });

  it("copes with a Node not registered yet", () => {
    const facts = nodeFacts({ allocatable: () => ({}), node: () => undefined }, hostDns, {
      clusterDNS: [],
      clusterDomain: "",
    })();
    expect(facts.hostIPs).toEqual([]);
    expect(facts.memoryCapacityBytes).toBe(0);
  });
});

describe("node admission", () => {
  it("describes the node from allocatable, labels and taints", () => {
    expect(admissionNode(source)).toEqual({
      nodeName: "n1",
      allocatable: {
        cpuMilli: 3500,
        memoryBytes: 7 * 1024 ** 3,
        pods: 2,
        ephemeralStorageBytes: 90 * 1024 ** 3,
      },
      nodeLabels: { "kubernetes.io/hostname": "n1", disk: "ssd" },
      nodeTaints: [{ key: "k", effect: "NoExecute" }],
    });
  });

  const pod = (name: string, cpu: string, selector?: Record<string, string>): IPod => ({
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace: "default", uid: `uid-${name}` },
    spec: {
      nodeName: "n1",
      ...(selector ? { nodeSelector: selector } : {}),
      containers: [{ name: "c", image: "busybox", resources: { requests: { cpu } } }],
    },
  });

  it("admits what fits and rejects with the kubelet's reasons", async () => {
    const untainted: INode = { ...node, spec: {} };
    const admit = nodeAdmission({ ...source, node: () => untainted });
    expect(await admit(pod("a", "1"), [])).toEqual({ admit: true });
    expect(await admit(pod("b", "4"), [])).toMatchObject({ admit: false, reason: "OutOfcpu" });
    expect(await admit(pod("c", "100m"), [pod("x", "1"), pod("y", "1")])).toMatchObject({
      admit: false,
      reason: "OutOfpods",
    });
    expect(await admit(pod("d", "100m", { disk: "hdd" }), [])).toMatchObject({
      admit: false,
      reason: "NodeAffinity",
    });
  });

  it("checks sysctls before the resource predicates and AppArmor after them", async () => {
    const untainted: INode = { ...node, spec: {} };
    const security = new SecurityAdmission({
      sysctls: new SysctlAllowlist(["net.ipv4.ip_local_port_range"]),
      appArmorEnabled: false,
      runtimeHandler: () => Promise.resolve(""),
    });
    const admit = nodeAdmission({ ...source, node: () => untainted }, { security });
    const both = pod("f", "4");
    both.spec!.securityContext = {
      sysctls: [{ name: "kernel.pid_max", value: "1" }],
      appArmorProfile: { type: "RuntimeDefault" },
    };
    expect(await admit(both, [])).toMatchObject({ reason: "SysctlForbidden" });
    both.spec!.securityContext.sysctls = [];
    expect(await admit(both, [])).toMatchObject({ reason: "OutOfcpu" });
    both.spec!.containers[0]!.resources = {};
    expect(await admit(both, [])).toMatchObject({ reason: "AppArmor" });
    both.spec!.securityContext.appArmorProfile = { type: "Unconfined" };
    both.spec!.hostUsers = false;
    expect(await admit(both, [])).toEqual({
      admit: false,
      reason: "UserNamespacesNotSupported",
      message: 'RuntimeClass handler "" does not support user namespaces',
    });
    both.spec!.hostUsers = true;
    expect(await admit(both, [])).toEqual({ admit: true });
  });

  it("checks ephemeral-storage requests when the node reports that resource", async () => {
    const untainted: INode = { ...node, spec: {} };
    const withStorage = {
      ...source,
      node: () => untainted,
      allocatable: () => ({ ...source.allocatable(), "ephemeral-storage": "1Gi" }),
    };
    expect(admissionNode(withStorage).allocatable.ephemeralStorageBytes).toBe(1024 ** 3);
    const big: IPod = pod("e", "100m");
    big.spec!.containers[0]!.resources = { requests: { cpu: "100m", "ephemeral-storage": "2Gi" } };
    expect(await nodeAdmission(withStorage)(big, [])).toEqual({
      admit: false,
      reason: "OutOfephemeral-storage",
      message: `Node didn't have enough resource: ephemeral-storage, requested: ${2 * 1024 ** 3}, used: 0, capacity: ${1024 ** 3}`,
    });
  });
});

describe("kubepodsLimit", () => {
  it("is capacity minus system and kube reservations, without eviction thresholds", () => {
    expect(kubepodsLimit(node, { systemReserved: {}, kubeReserved: {} })).toEqual({
      cpuMilli: 4000,
      memoryBytes: 8 * 1024 ** 3,
    });
    expect(
      kubepodsLimit(node, {
        systemReserved: { cpu: "500m", memory: "1Gi" },
        kubeReserved: { cpu: "250m", memory: "512Mi" },
      }),
    ).toEqual({ cpuMilli: 3250, memoryBytes: 8 * 1024 ** 3 - 1536 * 1024 ** 2 });
  });

  it("floors at zero and waits for the Node's capacity", () => {
    expect(kubepodsLimit(node, { systemReserved: { cpu: "8" }, kubeReserved: {} })?.cpuMilli).toBe(0);
    expect(kubepodsLimit(undefined, { systemReserved: {}, kubeReserved: {} })).toBeUndefined();
  });
});
