import { describe, expect, it } from "vitest";
import { kindSchema } from "./field-schema.js";
import { unknownFields } from "./unknown-fields.js";

describe("kind schemas from kubernetes-models", () => {
  it("knows a full pod and finds what does not belong", () => {
    const schema = kindSchema("", "v1", "Pod");
    expect(schema?.type).toBe("object");
    if (schema === undefined) return;
    const pod = {
      apiVersion: "v1",
      kind: "Pod",
      metadata: {
        name: "p",
        labels: { a: "b" },
        annotations: { x: "y" },
        managedFields: [{ manager: "m", fieldsV1: { "f:spec": {} } }],
      },
      spec: {
        nodeSelector: { disk: "ssd" },
        containers: [
          {
            name: "c",
            image: "busybox",
            resources: { limits: { cpu: "100m", memory: 64 } },
            ports: [{ containerPort: 80, protocol: "TCP" }],
            livenessProbe: { httpGet: { path: "/", port: "http" }, periodSeconds: 3 },
            env: [{ name: "A", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } }],
            colour: "red",
          },
        ],
        volumes: [{ name: "v", emptyDir: { sizeLimit: "1Gi" } }],
        tolerations: [{ key: "k", operator: "Exists", tolerationSeconds: 300 }],
        restartPolcy: "Never",
      },
      status: { phase: "Running", conditions: [{ type: "Ready", status: "True" }] },
    };
    expect(unknownFields(pod, schema, false)).toEqual(["spec.containers[0].colour", "spec.restartPolcy"]);
    expect(unknownFields(pod, schema, true)).toHaveLength(2);
    expect(unknownFields(pod, schema, false)).toEqual([]);
    expect(pod.spec.containers[0]).not.toHaveProperty("colour");
  });

  it("reads the other served kinds", () => {
    for (const [g, v, k] of [
      ["", "v1", "Node"],
      ["", "v1", "Namespace"],
      ["", "v1", "Event"],
      ["", "v1", "ConfigMap"],
      ["", "v1", "Secret"],
      ["coordination.k8s.io", "v1", "Lease"],
    ] as const) {
      expect(kindSchema(g, v, k)?.type, k).toBe("object");
    }
    const lease = kindSchema("coordination.k8s.io", "v1", "Lease");
    if (lease === undefined) throw new Error("no lease schema");
    expect(unknownFields({ spec: { holderIdentity: "n", renewTime: "t", bogus: 1 } }, lease, false)).toEqual([
      "spec.bogus",
    ]);
    expect(kindSchema("", "v1", "NoSuchKind")).toBeUndefined();
  });
});
