import { describe, expect, it } from "vitest";
import { applyPodDefaults, podQOSClass } from "./pod-defaults.js";

const minimal = {
  apiVersion: "v1",
  kind: "Pod",
  metadata: { name: "p", namespace: "default" },
  spec: { containers: [{ name: "c", image: "busybox" }] },
};

describe("applyPodDefaults", () => {
  it("fills the pod and container defaults kube-apiserver applies", () => {
    const out = applyPodDefaults(minimal);
    expect(out).toEqual({
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "p", namespace: "default" },
      spec: {
        containers: [
          {
            name: "c",
            image: "busybox",
            imagePullPolicy: "Always",
            terminationMessagePath: "/dev/termination-log",
            terminationMessagePolicy: "File",
          },
        ],
        dnsPolicy: "ClusterFirst",
        restartPolicy: "Always",
        terminationGracePeriodSeconds: 30,
        schedulerName: "default-scheduler",
        securityContext: {},
        enableServiceLinks: true,
        tolerations: [
          {
            key: "node.kubernetes.io/not-ready",
            operator: "Exists",
            effect: "NoExecute",
            tolerationSeconds: 300,
          },
          {
            key: "node.kubernetes.io/unreachable",
            operator: "Exists",
            effect: "NoExecute",
            tolerationSeconds: 300,
          },
        ],
        priority: 0,
        preemptionPolicy: "PreemptLowerPriority",
      },
      status: { phase: "Pending", qosClass: "BestEffort" },
    });
    expect(minimal.spec.containers[0]).toEqual({ name: "c", image: "busybox" });
  });

  it("keeps values the client set", () => {
    const out = applyPodDefaults({
      ...minimal,
      spec: {
        restartPolicy: "Never",
        terminationGracePeriodSeconds: 0,
        enableServiceLinks: false,
        containers: [{ name: "c", image: "busybox", imagePullPolicy: "Never" }],
      },
    }) as { spec: Record<string, unknown> & { containers: Array<Record<string, unknown>> } };
    expect(out.spec["restartPolicy"]).toBe("Never");
    expect(out.spec["terminationGracePeriodSeconds"]).toBe(0);
    expect(out.spec["enableServiceLinks"]).toBe(false);
    expect(out.spec.containers[0]?.["imagePullPolicy"]).toBe("Never");
  });

  it("defaults ports, env fieldRefs, probes and lifecycle handlers", () => {
    const out = applyPodDefaults({
      ...minimal,
      spec: {
        containers: [
          {
            name: "c",
            image: "app:1",
            ports: [{ containerPort: 80 }],
            env: [{ name: "NODE", valueFrom: { fieldRef: { fieldPath: "spec.nodeName" } } }],
            livenessProbe: { httpGet: { port: 80 } },
            readinessProbe: { tcpSocket: { port: 80 }, periodSeconds: 5 },
            lifecycle: { preStop: { httpGet: { port: 80, path: "/stop" } } },
          },
        ],
      },
    }) as { spec: { containers: Array<Record<string, unknown>> } };
    const c = out.spec.containers[0] ?? {};
    expect(c["imagePullPolicy"]).toBe("IfNotPresent");
    expect(c["ports"]).toEqual([{ containerPort: 80, protocol: "TCP" }]);
    expect(c["env"]).toEqual([
      { name: "NODE", valueFrom: { fieldRef: { fieldPath: "spec.nodeName", apiVersion: "v1" } } },
    ]);
    expect(c["livenessProbe"]).toEqual({
      httpGet: { port: 80, path: "/", scheme: "HTTP" },
      timeoutSeconds: 1,
      periodSeconds: 10,
      successThreshold: 1,
      failureThreshold: 3,
    });
    expect(c["readinessProbe"]).toMatchObject({ periodSeconds: 5, timeoutSeconds: 1 });
    expect(c["lifecycle"]).toEqual({ preStop: { httpGet: { port: 80, path: "/stop", scheme: "HTTP" } } });
  });

  it("sets hostPort from containerPort with hostNetwork", () => {
    const out = applyPodDefaults({
      ...minimal,
      spec: {
        hostNetwork: true,
        containers: [{ name: "c", image: "a:1", ports: [{ containerPort: 8080 }] }],
      },
    }) as { spec: { containers: Array<{ ports: unknown[] }> } };
    expect(out.spec.containers[0]?.ports).toEqual([{ containerPort: 8080, hostPort: 8080, protocol: "TCP" }]);
  });

  it("defaults volumes", () => {
    const out = applyPodDefaults({
      ...minimal,
      spec: {
        containers: minimal.spec.containers,
        volumes: [
          { name: "a" },
          { name: "b", hostPath: { path: "/x" } },
          { name: "c", configMap: { name: "cm" } },
          { name: "d", secret: { secretName: "s", defaultMode: 256 } },
          { name: "e", downwardAPI: { items: [{ path: "n", fieldRef: { fieldPath: "metadata.name" } }] } },
        ],
      },
    }) as { spec: { volumes: unknown[] } };
    expect(out.spec.volumes).toEqual([
      { name: "a", emptyDir: {} },
      { name: "b", hostPath: { path: "/x", type: "" } },
      { name: "c", configMap: { name: "cm", defaultMode: 420 } },
      { name: "d", secret: { secretName: "s", defaultMode: 256 } },
      {
        name: "e",
        downwardAPI: {
          defaultMode: 420,
          items: [{ path: "n", fieldRef: { fieldPath: "metadata.name", apiVersion: "v1" } }],
        },
      },
    ]);
  });

  it("defaults requests from limits and canonicalises quantities", () => {
    const out = applyPodDefaults({
      ...minimal,
      spec: {
        containers: [
          {
            name: "c",
            image: "a:1",
            resources: { limits: { cpu: "0.5", memory: "1024Mi" }, requests: { cpu: 0.25 } },
          },
        ],
      },
    }) as { spec: { containers: Array<{ resources: unknown }> }; status: unknown };
    expect(out.spec.containers[0]?.resources).toEqual({
      limits: { cpu: "500m", memory: "1Gi" },
      requests: { cpu: "250m", memory: "1Gi" },
    });
    expect(out.status).toEqual({ phase: "Pending", qosClass: "Burstable" });
  });

  it("leaves tolerations the pod already has, and can skip the admission defaults", () => {
    const own = {
      key: "node.kubernetes.io/not-ready",
      operator: "Exists",
      effect: "NoExecute",
      tolerationSeconds: 10,
    };
    const out = applyPodDefaults({ ...minimal, spec: { ...minimal.spec, tolerations: [own] } }) as {
      spec: { tolerations: unknown[] };
    };
    expect(out.spec.tolerations).toEqual([
      own,
      {
        key: "node.kubernetes.io/unreachable",
        operator: "Exists",
        effect: "NoExecute",
        tolerationSeconds: 300,
      },
    ]);
    const all = applyPodDefaults({
      ...minimal,
      spec: { ...minimal.spec, tolerations: [{ operator: "Exists" }] },
    }) as {
      spec: { tolerations: unknown[] };
    };
    expect(all.spec.tolerations).toEqual([{ operator: "Exists" }]);
    const none = applyPodDefaults(minimal, { defaultTolerations: false }) as {
      spec: Record<string, unknown>;
    };
    expect(none.spec["tolerations"]).toBeUndefined();
  });

  it("keeps serviceAccount and serviceAccountName in step, as the v1 conversion does", () => {
    const named = applyPodDefaults({ ...minimal, spec: { ...minimal.spec, serviceAccountName: "builder" } });
    expect(named["spec"]).toMatchObject({ serviceAccountName: "builder", serviceAccount: "builder" });
    const old = applyPodDefaults({ ...minimal, spec: { ...minimal.spec, serviceAccount: "legacy" } });
    expect(old["spec"]).toMatchObject({ serviceAccountName: "legacy", serviceAccount: "legacy" });
    expect(applyPodDefaults(minimal)["spec"]).not.toHaveProperty("serviceAccountName");
  });

  it("resets status on create", () => {
    const out = applyPodDefaults({ ...minimal, status: { phase: "Running", podIP: "1.2.3.4" } });
    expect(out["status"]).toEqual({ phase: "Pending", qosClass: "BestEffort" });
  });
});

describe("scheduling gates", () => {
  it("mark a gated pod as not scheduled", () => {
    const out = applyPodDefaults({
      ...minimal,
      spec: { ...minimal.spec, schedulingGates: [{ name: "wait" }] },
    });
    expect(out["status"]).toEqual({
      phase: "Pending",
      qosClass: "BestEffort",
      conditions: [
        {
          type: "PodScheduled",
          status: "False",
          reason: "SchedulingGated",
          message: "Scheduling is blocked due to non-empty scheduling gates",
        },
      ],
    });
  });
});

describe("imagePullPolicy defaulting", () => {
  const DIGEST = `sha256:${"ab".repeat(32)}`;
  it.each([
    ["busybox", "Always"],
    ["busybox:latest", "Always"],
    ["busybox:1.36", "IfNotPresent"],
    ["localhost:5000/app", "Always"],
    ["localhost:5000/app:v1", "IfNotPresent"],
    [`app@${DIGEST}`, "IfNotPresent"],
    [`app:latest@${DIGEST}`, "Always"],
  ])("%s -> %s", (image, policy) => {
    const out = applyPodDefaults({ spec: { containers: [{ name: "c", image }] } }) as {
      spec: { containers: Record<string, unknown>[] };
    };
    expect(out.spec.containers[0]?.["imagePullPolicy"]).toBe(policy);
  });
});

describe("podQOSClass", () => {
  const pod = (...resources: unknown[]) =>
    applyPodDefaults({
      spec: { containers: resources.map((r, i) => ({ name: `c${i}`, image: "x", resources: r })) },
    });
  it("classifies defaulted pods as qos.GetPodQOS does", () => {
    expect(podQOSClass(pod({}))).toBe("BestEffort");
    expect(podQOSClass(pod({ limits: { cpu: "1", memory: "1Gi" } }))).toBe("Guaranteed");
    expect(
      podQOSClass(pod({ limits: { cpu: "1", memory: "1Gi" }, requests: { cpu: "1000m", memory: "1024Mi" } })),
    ).toBe("Guaranteed");
    expect(podQOSClass(pod({ limits: { cpu: "1", memory: "1Gi" }, requests: { cpu: "500m" } }))).toBe(
      "Burstable",
    );
    expect(podQOSClass(pod({ limits: { cpu: "1" } }))).toBe("Burstable");
    expect(podQOSClass(pod({ limits: { cpu: "1", memory: "1Gi" } }, {}))).toBe("Burstable");
    expect(podQOSClass(pod({ requests: { "example.com/gpu": "1" } }))).toBe("BestEffort");
    expect(podQOSClass(pod({ requests: { cpu: "0" } }))).toBe("BestEffort");
  });

  it("compares summed requests and limits, as upstream", () => {
    expect(
      podQOSClass(
        pod(
          { limits: { cpu: "2", memory: "1Gi" }, requests: { cpu: "1", memory: "1Gi" } },
          { limits: { cpu: "1", memory: "1Gi" }, requests: { cpu: "2", memory: "1Gi" } },
        ),
      ),
    ).toBe("Guaranteed");
  });

  it("needs defaulted requests: limits alone are Burstable", () => {
    expect(
      podQOSClass({ spec: { containers: [{ resources: { limits: { cpu: "1", memory: "1Gi" } } }] } }),
    ).toBe("Burstable");
  });
});
