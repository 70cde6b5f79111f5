/**
 * A valid manifest of every kind the server serves, for the mutations to start from. Kinds the
 * server serves that are not listed here (found through discovery) start from a bare object with
 * a name: the fuzz still reaches their validation.
 */
export interface ServedKind {
  readonly group: string;
  readonly version: string;
  readonly kind: string;
  readonly plural: string;
  readonly namespaced: boolean;
  readonly verbs: readonly string[];
}

export type Manifest = Record<string, unknown> & { metadata: Record<string, unknown> };

/** The manifest of `kind` named `name`; pods bound to `nodeName` when given. */
export function baseManifest(kind: ServedKind, name: string, image: string, nodeName?: string): Manifest {
  const apiVersion = kind.group === "" ? kind.version : `${kind.group}/${kind.version}`;
  const head = { apiVersion, kind: kind.kind };
  const metadata = { name, labels: { app: "fuzz", tier: "a" }, annotations: { note: "fuzz" } };
  switch (`${kind.group}/${kind.plural}`) {
    case "/pods":
      return {
        ...head,
        metadata,
        spec: {
          ...(nodeName !== undefined ? { nodeName } : {}),
          restartPolicy: "Never",
          terminationGracePeriodSeconds: 1,
          containers: [
            {
              name: "main",
              image,
              imagePullPolicy: "IfNotPresent",
              command: ["sh", "-c", "sleep 2"],
              env: [{ name: "A", value: "1" }],
              resources: { limits: { cpu: "100m", memory: "32Mi" } },
              ports: [{ containerPort: 8080, name: "http" }],
            },
          ],
        },
      };
    case "/configmaps":
      return { ...head, metadata, data: { key: "value", other: "x" } };
    case "/secrets":
      return { ...head, metadata, type: "Opaque", data: { key: Buffer.from("value").toString("base64") } };
    case "/namespaces":
      return { ...head, metadata };
    case "/nodes":
      return { ...head, metadata, spec: { podCIDR: "10.99.0.0/24" } };
    case "/events":
      return {
        ...head,
        metadata,
        involvedObject: { kind: "Pod", namespace: "default", name: "x", uid: "u" },
        reason: "Fuzz",
        message: "fuzz",
        type: "Normal",
        count: 1,
        source: { component: "fuzz" },
      };
    case "coordination.k8s.io/leases":
      return {
        ...head,
        metadata,
        spec: { holderIdentity: "fuzz", leaseDurationSeconds: 40, renewTime: "2026-01-01T00:00:00.000000Z" },
      };
    case "node.k8s.io/runtimeclasses":
      return {
        ...head,
        metadata,
        handler: "runc",
        overhead: { podFixed: { cpu: "10m", memory: "8Mi" } },
        scheduling: {
          nodeSelector: { sandbox: "fuzz" },
          tolerations: [{ key: "sandbox", operator: "Exists" }],
        },
      };
    default:
      return { ...head, metadata };
  }
}

/** The collection path of a kind (in `namespace` when namespaced). */
export function collectionPath(kind: ServedKind, namespace: string): string {
  const root = kind.group === "" ? `/api/${kind.version}` : `/apis/${kind.group}/${kind.version}`;
  return kind.namespaced ? `${root}/namespaces/${namespace}/${kind.plural}` : `${root}/${kind.plural}`;
}
