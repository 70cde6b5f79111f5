import type { IContainer, IPod } from "kubernetes-models/v1";
import { describe, expect, it } from "vitest";
import { isInvalid } from "../../common/index.js";
import { type AdmissionNode, admitPod } from "./admission.js";

type Res = { requests?: Record<string, string>; limits?: Record<string, string> };
const Gi = 1024 ** 3;

function c(resources: Res = {}, ports: IContainer["ports"] = []): IContainer {
  return { name: "c", image: "busybox", resources, ports };
}

function pod(
  uid: string,
  containers: IContainer[],
  spec: Partial<NonNullable<IPod["spec"]>> = {},
  labels = {},
): IPod {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: uid, namespace: "default", uid, labels },
    spec: { nodeName: "node-1", ...spec, containers },
  };
}

const node: AdmissionNode = {
  allocatable: { cpuMilli: 1900, memoryBytes: 4 * Gi, pods: 3 },
  nodeName: "node-1",
  nodeLabels: { "kubernetes.io/hostname": "node-1", "kubernetes.io/os": "linux", zone: "a", cores: "4" },
};

describe("admitPod: resources", () => {
  it("admits a pod that fits", () => {
    expect(admitPod(pod("a", [c({ requests: { cpu: "1" } })]), node, [])).toEqual({ admit: true });
  });

  it("OutOfcpu with the kubelet's message", () => {
    const running = [pod("r", [c({ requests: { cpu: "100m" } })])];
    expect(admitPod(pod("a", [c({ requests: { cpu: "2" } })]), node, running)).toEqual({
      admit: false,
      reason: "OutOfcpu",
      message: "Node didn't have enough resource: cpu, requested: 2000, used: 100, capacity: 1900",
    });
  });

  it("OutOfmemory counts running pods' requests (limits standing in for missing requests)", () => {
    const running = [pod("r", [c({ limits: { memory: "3Gi" } })])];
    const result = admitPod(pod("a", [c({ requests: { memory: "2Gi" } })]), node, running);
    expect(result).toEqual({
      admit: false,
      reason: "OutOfmemory",
      message: `Node didn't have enough resource: memory, requested: ${2 * Gi}, used: ${3 * Gi}, capacity: ${4 * Gi}`,
    });
  });

  it("OutOfpods when the node is full; BestEffort pods count toward it", () => {
    const running = [pod("r1", [c()]), pod("r2", [c()]), pod("r3", [c()])];
    expect(admitPod(pod("a", [c()]), node, running)).toEqual({
      admit: false,
      reason: "OutOfpods",
      message: "Node didn't have enough resource: pods, requested: 1, used: 3, capacity: 3",
    });
  });

  it("OutOfephemeral-storage when the node reports ephemeral storage", () => {
    const running = [pod("r", [c({ requests: { "ephemeral-storage": "6Gi" } })])];
    const p = pod("a", [c({ limits: { "ephemeral-storage": "5Gi" } })]);
    const withStorage = { ...node, allocatable: { ...node.allocatable, ephemeralStorageBytes: 10 * Gi } };
    expect(admitPod(p, withStorage, running)).toEqual({
      admit: false,
      reason: "OutOfephemeral-storage",
      message: `Node didn't have enough resource: ephemeral-storage, requested: ${5 * Gi}, used: ${6 * Gi}, capacity: ${10 * Gi}`,
    });
    expect(admitPod(p, node, running)).toEqual({ admit: true });
  });

  it("ignores the pod itself and terminated pods among the active ones", () => {
    const self = pod("a", [c({ requests: { cpu: "1" } })]);
    const done = { ...pod("d", [c({ requests: { cpu: "1800m" } })]), status: { phase: "Succeeded" } } as IPod;
    const failed = { ...pod("f", [c()]), status: { phase: "Failed" } } as IPod;
    expect(admitPod(self, node, [self, done, failed, pod("r", [c()])])).toEqual({ admit: true });
  });

  it("reports the pod count before cpu, and cpu before memory", () => {
    const big = pod("a", [c({ requests: { cpu: "4", memory: "8Gi" } })]);
    expect(admitPod(big, node, [])).toMatchObject({ reason: "OutOfcpu" });
    const full = [pod("r1", [c()]), pod("r2", [c()]), pod("r3", [c()])];
    expect(admitPod(big, node, full)).toMatchObject({ reason: "OutOfpods" });
  });

  it("throws Invalid for a malformed node or quantity", () => {
    expect(() =>
      admitPod(pod("a", [c()]), { ...node, allocatable: { ...node.allocatable, pods: -1 } }, []),
    ).toThrow(/pods must be a non-negative integer/);
    try {
      admitPod(pod("a", [c({ requests: { memory: "lots" } })]), node, []);
      expect.unreachable();
    } catch (err) {
      expect(isInvalid(err)).toBe(true);
    }
  });
});

describe("admitPod: placement", () => {
  const affinityFailure = {
    admit: false,
    reason: "NodeAffinity",
    message: "Predicate NodeAffinity failed: node(s) didn't match Pod's node affinity/selector",
  };

  it("nodeSelector must match every label", () => {
    expect(admitPod(pod("a", [c()], { nodeSelector: { zone: "a" } }), node, [])).toEqual({ admit: true });
    expect(admitPod(pod("a", [c()], { nodeSelector: { zone: "a", disk: "ssd" } }), node, [])).toEqual(
      affinityFailure,
    );
  });

  it("required node affinity: terms are ORed, expressions ANDed", () => {
    const affinity = (terms: unknown[]): Partial<NonNullable<IPod["spec"]>> =>
      ({
        affinity: {
          nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: terms } },
        },
      }) as Partial<NonNullable<IPod["spec"]>>;
    const ok = [
      [{ matchExpressions: [{ key: "zone", operator: "In", values: ["a", "b"] }] }],
      [{ matchExpressions: [{ key: "zone", operator: "NotIn", values: ["b"] }] }],
      [{ matchExpressions: [{ key: "disk", operator: "DoesNotExist" }] }],
      [
        {
          matchExpressions: [
            { key: "cores", operator: "Gt", values: ["2"] },
            { key: "zone", operator: "Exists" },
          ],
        },
      ],
      [{ matchFields: [{ key: "metadata.name", operator: "In", values: ["node-1"] }] }],
      [
        { matchExpressions: [{ key: "zone", operator: "In", values: ["z"] }] },
        { matchExpressions: [{ key: "cores", operator: "Lt", values: ["8"] }] },
      ],
    ];
    for (const terms of ok)
      expect(admitPod(pod("a", [c()], affinity(terms)), node, [])).toEqual({ admit: true });
    const bad = [
      [],
      [{}],
      [{ matchExpressions: [{ key: "zone", operator: "In", values: ["b"] }] }],
      [
        {
          matchExpressions: [
            { key: "zone", operator: "Exists" },
            { key: "disk", operator: "Exists" },
          ],
        },
      ],
      [{ matchExpressions: [{ key: "cores", operator: "Gt", values: ["four"] }] }],
      [{ matchFields: [{ key: "metadata.name", operator: "NotIn", values: ["node-1"] }] }],
    ];
    for (const terms of bad)
      expect(admitPod(pod("a", [c()], affinity(terms)), node, [])).toEqual(affinityFailure);
  });

  it("NodeName when the pod is bound elsewhere", () => {
    expect(admitPod(pod("a", [c()], { nodeName: "node-2" }), node, [])).toEqual({
      admit: false,
      reason: "NodeName",
      message: "Predicate NodeName failed: node(s) didn't match the requested node name",
    });
  });

  it("NodePorts on a host port conflict (same port and protocol, overlapping IPs)", () => {
    const holder = pod("r", [c({}, [{ containerPort: 80, hostPort: 8080 }])]);
    const failure = {
      admit: false,
      reason: "NodePorts",
      message: "Predicate NodePorts failed: node(s) didn't have free ports for the requested pod ports",
    };
    expect(
      admitPod(pod("a", [c({}, [{ containerPort: 80, hostPort: 8080, protocol: "TCP" }])]), node, [holder]),
    ).toEqual(failure);
    expect(
      admitPod(pod("a", [c({}, [{ containerPort: 80, hostPort: 8080, hostIP: "127.0.0.1" }])]), node, [
        holder,
      ]),
    ).toEqual(failure);
    expect(
      admitPod(pod("a", [c({}, [{ containerPort: 80, hostPort: 8080, protocol: "UDP" }])]), node, [holder]),
    ).toEqual({ admit: true });
    expect(admitPod(pod("a", [c({}, [{ containerPort: 8080 }])]), node, [holder])).toEqual({ admit: true });
    const onIp = pod("r2", [c({}, [{ containerPort: 80, hostPort: 9090, hostIP: "10.0.0.1" }])]);
    expect(
      admitPod(pod("a", [c({}, [{ containerPort: 80, hostPort: 9090, hostIP: "10.0.0.2" }])]), node, [onIp]),
    ).toEqual({ admit: true });
  });

  it("TaintToleration only for untolerated NoExecute taints", () => {
    const tainted = {
      ...node,
      nodeTaints: [
        { key: "dedicated", value: "db", effect: "NoExecute" as const },
        { key: "soft", effect: "NoSchedule" as const },
      ],
    };
    expect(admitPod(pod("a", [c()]), tainted, [])).toEqual({
      admit: false,
      reason: "TaintToleration",
      message: "Predicate TaintToleration failed: node(s) had taints that the pod didn't tolerate",
    });
    const tolerated = [
      [{ key: "dedicated", operator: "Equal", value: "db" }],
      [{ key: "dedicated", operator: "Exists", effect: "NoExecute" }],
      [{ operator: "Exists" }],
    ];
    for (const tolerations of tolerated) {
      const p = pod("a", [c()], { tolerations } as Partial<NonNullable<IPod["spec"]>>);
      expect(admitPod(p, tainted, [])).toEqual({ admit: true });
    }
    const wrong = pod("a", [c()], {
      tolerations: [{ key: "dedicated", operator: "Equal", value: "web" }],
    } as Partial<NonNullable<IPod["spec"]>>);
    expect(admitPod(wrong, tainted, [])).toMatchObject({ reason: "TaintToleration" });
  });

  it("rejects a pod asking for another OS by label or by spec.os", () => {
    expect(admitPod(pod("a", [c()], {}, { "kubernetes.io/os": "windows" }), node, [])).toEqual({
      admit: false,
      reason: "PodOSSelectorNodeLabelDoesNotMatch",
      message: "Failed to admit pod as the `kubernetes.io/os` label doesn't match node label",
    });
    expect(admitPod(pod("a", [c()], { os: { name: "windows" } }), node, [])).toEqual({
      admit: false,
      reason: "PodOSNotSupported",
      message: "Failed to admit pod as the OS field doesn't match node OS",
    });
    expect(
      admitPod(pod("a", [c()], { os: { name: "linux" } }, { "kubernetes.io/os": "linux" }), node, []),
    ).toEqual({
      admit: true,
    });
  });

  it("reports resources before affinity, affinity before node name", () => {
    const p = pod("a", [c({ requests: { cpu: "3" } })], { nodeSelector: { zone: "b" }, nodeName: "node-2" });
    expect(admitPod(p, node, [])).toMatchObject({ reason: "OutOfcpu" });
    const q = pod("a", [c()], { nodeSelector: { zone: "b" }, nodeName: "node-2" });
    expect(admitPod(q, node, [])).toMatchObject({ reason: "NodeAffinity" });
  });
});
