/**
 * Where strategic merge patch finds merge keys and strategies for the kinds berth serves.
 *
 * kubernetes-models ships compiled validators without the OpenAPI extensions
 * (x-kubernetes-patch-merge-key / x-kubernetes-patch-strategy), so this is a table transcribed from
 * the `patchStrategy` / `patchMergeKey` struct tags of k8s.io/api core/v1 and coordination/v1
 * (PodSpec, Container, PodStatus, ObjectMeta, NodeSpec, NodeStatus, NamespaceStatus). Any list not
 * named here is atomic: a patch replaces it, as upstream does for untagged lists.
 */

export type ListStrategy = "merge" | "replace";

export interface PatchSchema {
  /** Schemas of named fields of an object. */
  readonly fields?: Readonly<Record<string, PatchSchema>>;
  /** For a list: how patches combine with it, and the merge key of its items (maps). */
  readonly strategy?: ListStrategy;
  readonly mergeKey?: string;
  /** The `retainKeys` strategy: a patch may carry $retainKeys to clear the other union members. */
  readonly retainKeys?: boolean;
  /** Schema of each item of a list. */
  readonly items?: PatchSchema;
}

const ATOMIC: PatchSchema = {};

function mergeList(
  mergeKey: string | undefined,
  items: PatchSchema = ATOMIC,
  retainKeys = false,
): PatchSchema {
  return mergeKey === undefined
    ? { strategy: "merge", items, retainKeys }
    : { strategy: "merge", mergeKey, items, retainKeys };
}

const OBJECT_META: PatchSchema = {
  fields: {
    finalizers: mergeList(undefined), // ObjectMeta.Finalizers: patchStrategy=merge
    ownerReferences: mergeList("uid"), // ObjectMeta.OwnerReferences: patchMergeKey=uid
  },
};

const CONTAINER: PatchSchema = {
  fields: {
    ports: mergeList("containerPort"), // Container.Ports: patchMergeKey=containerPort
    env: mergeList("name"), // Container.Env
    volumeMounts: mergeList("mountPath"), // Container.VolumeMounts: patchMergeKey=mountPath
    volumeDevices: mergeList("devicePath"), // Container.VolumeDevices
  },
};

const POD_SPEC: PatchSchema = {
  fields: {
    volumes: mergeList("name", { retainKeys: true }, true), // PodSpec.Volumes: merge,retainKeys
    initContainers: mergeList("name", CONTAINER),
    containers: mergeList("name", CONTAINER),
    ephemeralContainers: mergeList("name", CONTAINER),
    imagePullSecrets: mergeList("name"),
    hostAliases: mergeList("ip"),
    topologySpreadConstraints: mergeList("topologyKey"),
    schedulingGates: mergeList("name"),
    resourceClaims: mergeList("name", { retainKeys: true }, true),
  },
};

const POD_STATUS: PatchSchema = {
  fields: {
    conditions: mergeList("type"), // PodStatus.Conditions
    podIPs: mergeList("ip"),
    hostIPs: mergeList("ip"),
    resourceClaimStatuses: mergeList("name", ATOMIC, true),
  },
};

const POD_TEMPLATE: PatchSchema = { fields: { metadata: OBJECT_META, spec: POD_SPEC } };

const WORKLOAD_STATUS: PatchSchema = { fields: { conditions: mergeList("type") } };

const SCHEMAS: ReadonlyMap<string, PatchSchema> = new Map<string, PatchSchema>([
  ["v1/Pod", { fields: { metadata: OBJECT_META, spec: POD_SPEC, status: POD_STATUS } }],
  [
    "v1/Node",
    {
      fields: {
        metadata: OBJECT_META,
        spec: { fields: { podCIDRs: mergeList(undefined) } }, // NodeSpec.PodCIDRs: patchStrategy=merge
        status: { fields: { conditions: mergeList("type"), addresses: mergeList("type") } },
      },
    },
  ],
  [
    "v1/Namespace",
    { fields: { metadata: OBJECT_META, status: { fields: { conditions: mergeList("type") } } } },
  ],
  ["v1/Event", { fields: { metadata: OBJECT_META } }],
  ["v1/ConfigMap", { fields: { metadata: OBJECT_META } }],
  ["v1/Secret", { fields: { metadata: OBJECT_META } }],
  ["coordination.k8s.io/v1/Lease", { fields: { metadata: OBJECT_META } }],
  ["events.k8s.io/v1/Event", { fields: { metadata: OBJECT_META } }],
  // Scheduling.Tolerations: listType=atomic; nodeSelector is a map
  ["node.k8s.io/v1/RuntimeClass", { fields: { metadata: OBJECT_META } }],
  [
    "apps/v1/Deployment",
    {
      fields: {
        metadata: OBJECT_META,
        // DeploymentSpec.Strategy: patchStrategy=retainKeys
        spec: { fields: { template: POD_TEMPLATE, strategy: { retainKeys: true } } },
        status: WORKLOAD_STATUS,
      },
    },
  ],
  [
    "apps/v1/ReplicaSet",
    {
      fields: {
        metadata: OBJECT_META,
        spec: { fields: { template: POD_TEMPLATE } },
        status: WORKLOAD_STATUS,
      },
    },
  ],
]);

/**
 * The strategic-merge schema of a kind, or undefined when berth does not know it (kube-apiserver
 * refuses strategic merge patches for such kinds, e.g. custom resources, with 415).
 */
export function patchSchemaFor(apiVersion: string, kind: string): PatchSchema | undefined {
  return SCHEMAS.get(`${apiVersion}/${kind}`);
}

/** The schema of a field of an object schema, atomic when unknown. */
export function fieldSchema(schema: PatchSchema | undefined, field: string): PatchSchema {
  return schema?.fields?.[field] ?? ATOMIC;
}
