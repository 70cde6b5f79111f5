import { describe, expect, it } from "vitest";
import { ErrorCode, hasCode } from "../../common/errors.js";
import type { KubeObject } from "../registry/index.js";
import { Authorizer, podReferences } from "./authz.js";

const pods: KubeObject[] = [
  {
    metadata: { name: "a", namespace: "default" },
    spec: {
      nodeName: "n1",
      imagePullSecrets: [{ name: "pull" }],
      volumes: [
        { name: "v", secret: { secretName: "vol" } },
        { name: "p", projected: { sources: [{ configMap: { name: "proj" } }] } },
      ],
      containers: [
        {
          name: "c",
          envFrom: [{ secretRef: { name: "from" } }],
          env: [{ name: "E", valueFrom: { configMapKeyRef: { name: "cm", key: "k" } } }],
        },
      ],
    },
  },
];

const reader = {
  get: async (_r: string, _ns: string | undefined, name: string) =>
    pods.find((p) => p.metadata.name === name),
  podsOnNode: async (node: string, namespace: string) =>
    pods.filter(
      (p) => (p["spec"] as { nodeName?: string }).nodeName === node && p.metadata.namespace === namespace,
    ),
};
const node = (name: string) => ({
  name: `system:node:${name}`,
  groups: ["system:nodes", "system:authenticated"],
});

describe("node authorizer", () => {
  it("finds every secret and configmap a pod references", () => {
    expect([...podReferences(pods[0] as KubeObject, "secret")].sort()).toEqual(["from", "pull", "vol"]);
    expect([...podReferences(pods[0] as KubeObject, "configmap")].sort()).toEqual(["cm", "proj"]);
  });

  it("allows a node its own objects and refuses others", async () => {
    const authz = new Authorizer(reader);
    const ok = (a: Parameters<Authorizer["authorize"]>[0]) =>
      expect(authz.authorize(a)).resolves.toBeUndefined();
    const no = (a: Parameters<Authorizer["authorize"]>[0]) =>
      expect(authz.authorize(a)).rejects.toSatisfy((e) => hasCode(e, ErrorCode.Forbidden));
    await ok({
      user: node("n1"),
      verb: "get",
      group: "",
      resource: "secrets",
      namespace: "default",
      name: "vol",
    });
    await no({
      user: node("n2"),
      verb: "get",
      group: "",
      resource: "secrets",
      namespace: "default",
      name: "vol",
    });
    await ok({
      user: node("n1"),
      verb: "patch",
      group: "",
      resource: "pods",
      subresource: "status",
      namespace: "default",
      name: "a",
    });
    await no({
      user: node("n2"),
      verb: "patch",
      group: "",
      resource: "pods",
      subresource: "status",
      namespace: "default",
      name: "a",
    });
    // exactly the objects its pods use: by name, never a whole namespace, never another name
    await no({
      user: node("n1"),
      verb: "get",
      group: "",
      resource: "secrets",
      namespace: "default",
      name: "unused",
    });
    await ok({
      user: node("n1"),
      verb: "watch",
      group: "",
      resource: "configmaps",
      namespace: "default",
      selectedName: "proj",
    });
    await no({
      user: node("n1"),
      verb: "watch",
      group: "",
      resource: "configmaps",
      namespace: "default",
      selectedName: "other",
    });
    await no({ user: node("n1"), verb: "list", group: "", resource: "secrets", namespace: "default" });
    await no({
      user: node("n1"),
      verb: "get",
      group: "",
      resource: "configmaps",
      namespace: "kube-system",
      name: "cm",
    });
    await no({
      user: node("n1"),
      verb: "update",
      group: "",
      resource: "secrets",
      namespace: "default",
      name: "vol",
    });
    await no({ user: node("n1"), verb: "list", group: "", resource: "pods" });
    await ok({ user: node("n1"), verb: "watch", group: "", resource: "pods", selectedNode: "n1" });
    await no({
      user: { name: "bob", groups: ["system:authenticated"] },
      verb: "get",
      group: "",
      resource: "pods",
      name: "a",
    });
    await ok({
      user: { name: "admin", groups: ["system:masters"] },
      verb: "delete",
      group: "",
      resource: "nodes",
      name: "n9",
    });
  });
});

describe("NodeRestriction for mirror pods", () => {
  const authz = new Authorizer(reader);
  const mirror = (
    over: { annotations?: Record<string, string>; spec?: Record<string, unknown>; owners?: unknown[] } = {},
  ) =>
    ({
      metadata: {
        name: "web-n1",
        namespace: "default",
        annotations: over.annotations ?? { "kubernetes.io/config.mirror": "abc" },
        ownerReferences: over.owners ?? [
          { apiVersion: "v1", kind: "Node", name: "n1", uid: "u", controller: true },
        ],
      },
      spec: { nodeName: "n1", containers: [{ name: "c", image: "i" }], ...over.spec },
    }) as KubeObject;
  const create =
    (obj: KubeObject, user = node("n1")) =>
    () =>
      authz.admitCreate(user, "pods", "", "default", obj);

  it("lets a node create a mirror pod of its own", async () => {
    await expect(
      authz.authorize({
        user: node("n1"),
        verb: "create",
        group: "",
        resource: "pods",
        namespace: "default",
      }),
    ).resolves.toBeUndefined();
    expect(create(mirror())).not.toThrow();
  });

  it("refuses other pods with NodeRestriction's reasons", () => {
    expect(create(mirror({ annotations: {} }))).toThrow(
      'pod does not have "kubernetes.io/config.mirror" annotation, node "n1" can only create mirror pods',
    );
    expect(create(mirror(), node("n2"))).toThrow(
      'node "n2" can only create pods with spec.nodeName set to itself',
    );
    expect(create(mirror({ owners: [{ apiVersion: "v1", kind: "Node", name: "n2" }] }))).toThrow(
      "can only create pods with an owner reference set to itself",
    );
    expect(create(mirror({ spec: { serviceAccountName: "sa" } }))).toThrow(
      "can not create pods that reference a service account",
    );
    expect(create(mirror({ spec: { volumes: [{ name: "s", secret: { secretName: "x" } }] } }))).toThrow(
      "can not create pods that reference secrets",
    );
    expect(create(mirror({ spec: { volumes: [{ name: "c", configMap: { name: "x" } }] } }))).toThrow(
      "can not create pods that reference configmaps",
    );
  });
});

describe("bootstrap token users", () => {
  const csrs: KubeObject[] = [
    { metadata: { name: "mine" }, spec: { username: "system:bootstrap:abcdef" } },
    { metadata: { name: "theirs" }, spec: { username: "system:bootstrap:zzzzzz" } },
  ];
  const authz = new Authorizer({
    get: async (resource, _ns, name) =>
      resource === "certificatesigningrequests" ? csrs.find((c) => c.metadata.name === name) : undefined,
    podsOnNode: async () => [],
  });
  const user = {
    name: "system:bootstrap:abcdef",
    groups: [
      "system:bootstrappers",
      "system:bootstrappers:kubeadm:default-node-token",
      "system:authenticated",
    ],
  };
  const csr = { user, group: "certificates.k8s.io", resource: "certificatesigningrequests" };

  it("may create CSRs and read its own", async () => {
    await expect(authz.authorize({ ...csr, verb: "create" })).resolves.toBeUndefined();
    await expect(authz.authorize({ ...csr, verb: "get", name: "mine" })).resolves.toBeUndefined();
    await expect(authz.authorize({ ...csr, verb: "watch", selectedName: "mine" })).resolves.toBeUndefined();
  });

  it.each([
    ["another's CSR", { ...csr, verb: "get", name: "theirs" }],
    ["a list of every CSR", { ...csr, verb: "list" }],
    ["approving", { ...csr, verb: "update", name: "mine", subresource: "approval" }],
    ["deleting its CSR", { ...csr, verb: "delete", name: "mine" }],
    ["secrets", { user, verb: "get", group: "", resource: "secrets", namespace: "kube-system", name: "x" }],
    ["nodes", { user, verb: "create", group: "", resource: "nodes" }],
  ])("may not touch %s", async (_what, attributes) => {
    const err: unknown = await authz.authorize(attributes).catch((e: unknown) => e);
    expect(hasCode(err, ErrorCode.Forbidden)).toBe(true);
    expect((err as Error).message).toContain('User "system:bootstrap:abcdef"');
  });
});
