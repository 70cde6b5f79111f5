/**
 * The OpenAPI extensions that say how a field merges: x-kubernetes-patch-strategy and
 * x-kubernetes-patch-merge-key (strategic merge patch, kubectl's client-side apply) and
 * x-kubernetes-list-type / x-kubernetes-list-map-keys (server-side apply). kubernetes-models' declarations
 * carry none of them, so this is the one table of them, transcribed from the `patchStrategy`,
 * `patchMergeKey`, `+listType` and `+listMapKey` markers of k8s.io/api's Go types (core/v1, apps/v1,
 * certificates/v1, authentication/v1, authorization/v1, node/v1) and apimachinery's meta/v1.
 * The component schemas carry it, and strategic merge patch reads it back from them.
 */

export interface FieldExtensions {
  /** "merge", "retainKeys" or "merge,retainKeys" */
  readonly patchStrategy?: string;
  readonly patchMergeKey?: string;
  readonly listType?: "atomic" | "set" | "map";
  readonly listMapKeys?: readonly string[];
}

const ATOMIC: FieldExtensions = { listType: "atomic" };

/** A list merged by a key (patchStrategy=merge, patchMergeKey=key), a map list over `keys`. */
function keyed(key: string, keys: readonly string[] = [key], strategy = "merge"): FieldExtensions {
  return { patchStrategy: strategy, patchMergeKey: key, listType: "map", listMapKeys: keys };
}

/** A list of primitives merged as a set. */
const MERGED_SET: FieldExtensions = { patchStrategy: "merge", listType: "set" };

/** A list of conditions keyed by type, as most statuses have them. */
const CONDITIONS = keyed("type");

const CONTAINER: Readonly<Record<string, FieldExtensions>> = {
  command: ATOMIC,
  args: ATOMIC,
  ports: keyed("containerPort", ["containerPort", "protocol"]),
  envFrom: ATOMIC,
  env: keyed("name"),
  resizePolicy: ATOMIC,
  restartPolicyRules: ATOMIC,
  volumeMounts: keyed("mountPath"),
  volumeDevices: keyed("devicePath"),
};

const CORE = "io.k8s.api.core.v1";
const META = "io.k8s.apimachinery.pkg.apis.meta.v1";

const TABLE: ReadonlyMap<string, Readonly<Record<string, FieldExtensions>>> = new Map([
  [`${META}.ObjectMeta`, { finalizers: MERGED_SET, ownerReferences: keyed("uid"), managedFields: ATOMIC }],
  [`${META}.LabelSelector`, { matchExpressions: ATOMIC }],
  [`${META}.LabelSelectorRequirement`, { values: ATOMIC }],
  [`${META}.FieldSelectorRequirement`, { values: ATOMIC }],
  [
    `${CORE}.PodSpec`,
    {
      volumes: keyed("name", ["name"], "merge,retainKeys"),
      initContainers: keyed("name"),
      containers: keyed("name"),
      ephemeralContainers: keyed("name"),
      imagePullSecrets: keyed("name"),
      tolerations: ATOMIC,
      hostAliases: keyed("ip"),
      readinessGates: ATOMIC,
      topologySpreadConstraints: keyed("topologyKey", ["topologyKey", "whenUnsatisfiable"]),
      schedulingGates: keyed("name"),
      resourceClaims: keyed("name", ["name"], "merge,retainKeys"),
    },
  ],
  [`${CORE}.Container`, CONTAINER],
  [`${CORE}.EphemeralContainer`, CONTAINER],
  [
    `${CORE}.PodStatus`,
    {
      conditions: CONDITIONS,
      podIPs: keyed("ip"),
      hostIPs: { patchStrategy: "merge", patchMergeKey: "ip", listType: "atomic" },
      initContainerStatuses: ATOMIC,
      containerStatuses: ATOMIC,
      ephemeralContainerStatuses: ATOMIC,
      resourceClaimStatuses: keyed("name", ["name"], "merge,retainKeys"),
    },
  ],
  [`${CORE}.ContainerStatus`, { volumeMounts: keyed("mountPath"), allocatedResourcesStatus: keyed("name") }],
  [`${CORE}.ResourceStatus`, { resources: { listType: "map", listMapKeys: ["resourceID"] } }],
  [`${CORE}.ResourceRequirements`, { claims: { listType: "map", listMapKeys: ["name"] } }],
  [`${CORE}.NodeSpec`, { podCIDRs: MERGED_SET, taints: ATOMIC }],
  [
    `${CORE}.NodeStatus`,
    {
      conditions: CONDITIONS,
      addresses: keyed("type"),
      images: ATOMIC,
      volumesInUse: ATOMIC,
      volumesAttached: ATOMIC,
      runtimeHandlers: ATOMIC,
    },
  ],
  [`${CORE}.ContainerImage`, { names: ATOMIC }],
  [`${CORE}.NamespaceSpec`, { finalizers: ATOMIC }],
  [`${CORE}.NamespaceStatus`, { conditions: CONDITIONS }],
  [`${CORE}.Capabilities`, { add: ATOMIC, drop: ATOMIC }],
  [`${CORE}.PodSecurityContext`, { supplementalGroups: ATOMIC, sysctls: ATOMIC }],
  [`${CORE}.PodDNSConfig`, { nameservers: ATOMIC, searches: ATOMIC, options: ATOMIC }],
  [`${CORE}.HostAlias`, { hostnames: ATOMIC }],
  [`${CORE}.NodeSelector`, { nodeSelectorTerms: ATOMIC }],
  [`${CORE}.NodeSelectorTerm`, { matchExpressions: ATOMIC, matchFields: ATOMIC }],
  [`${CORE}.NodeSelectorRequirement`, { values: ATOMIC }],
  [`${CORE}.NodeAffinity`, { preferredDuringSchedulingIgnoredDuringExecution: ATOMIC }],
  [
    `${CORE}.PodAffinity`,
    {
      requiredDuringSchedulingIgnoredDuringExecution: ATOMIC,
      preferredDuringSchedulingIgnoredDuringExecution: ATOMIC,
    },
  ],
  [
    `${CORE}.PodAntiAffinity`,
    {
      requiredDuringSchedulingIgnoredDuringExecution: ATOMIC,
      preferredDuringSchedulingIgnoredDuringExecution: ATOMIC,
    },
  ],
  [`${CORE}.PodAffinityTerm`, { namespaces: ATOMIC, matchLabelKeys: ATOMIC, mismatchLabelKeys: ATOMIC }],
  [`${CORE}.TopologySpreadConstraint`, { matchLabelKeys: ATOMIC }],
  [`${CORE}.ExecAction`, { command: ATOMIC }],
  [`${CORE}.HTTPGetAction`, { httpHeaders: ATOMIC }],
  [`${CORE}.ConfigMapVolumeSource`, { items: ATOMIC }],
  [`${CORE}.SecretVolumeSource`, { items: ATOMIC }],
  [`${CORE}.ConfigMapProjection`, { items: ATOMIC }],
  [`${CORE}.SecretProjection`, { items: ATOMIC }],
  [`${CORE}.DownwardAPIVolumeSource`, { items: ATOMIC }],
  [`${CORE}.DownwardAPIProjection`, { items: ATOMIC }],
  [`${CORE}.ProjectedVolumeSource`, { sources: ATOMIC }],
  [`${CORE}.CephFSVolumeSource`, { monitors: ATOMIC }],
  [`${CORE}.RBDVolumeSource`, { monitors: ATOMIC }],
  [`${CORE}.ISCSIVolumeSource`, { portals: ATOMIC }],
  [`${CORE}.FCVolumeSource`, { targetWWNs: ATOMIC, wwids: ATOMIC }],
  [`${CORE}.PersistentVolumeClaimSpec`, { accessModes: ATOMIC }],
  ["io.k8s.api.apps.v1.DeploymentSpec", { strategy: { patchStrategy: "retainKeys" } }],
  ["io.k8s.api.apps.v1.DeploymentStatus", { conditions: CONDITIONS }],
  ["io.k8s.api.apps.v1.ReplicaSetStatus", { conditions: CONDITIONS }],
  ["io.k8s.api.certificates.v1.CertificateSigningRequestSpec", { usages: ATOMIC, groups: ATOMIC }],
  [
    "io.k8s.api.certificates.v1.CertificateSigningRequestStatus",
    { conditions: { listType: "map", listMapKeys: ["type"] } },
  ],
  ["io.k8s.api.authentication.v1.TokenReviewSpec", { audiences: ATOMIC }],
  ["io.k8s.api.authentication.v1.TokenReviewStatus", { audiences: ATOMIC }],
  ["io.k8s.api.authentication.v1.UserInfo", { groups: ATOMIC }],
  ["io.k8s.api.authorization.v1.SubjectAccessReviewSpec", { groups: ATOMIC }],
  ["io.k8s.api.authorization.v1.FieldSelectorAttributes", { requirements: ATOMIC }],
  ["io.k8s.api.authorization.v1.LabelSelectorAttributes", { requirements: ATOMIC }],
  ["io.k8s.api.node.v1.Scheduling", { tolerations: ATOMIC }],
]);

/** The extensions of a field of a definition, as OpenAPI writes them; empty when it has none. */
export function fieldExtensions(definition: string, field: string): Record<string, unknown> {
  const ext = TABLE.get(definition)?.[field];
  if (ext === undefined) return {};
  const out: Record<string, unknown> = {};
  if (ext.listMapKeys !== undefined) out["x-kubernetes-list-map-keys"] = [...ext.listMapKeys];
  if (ext.listType !== undefined) out["x-kubernetes-list-type"] = ext.listType;
  if (ext.patchMergeKey !== undefined) out["x-kubernetes-patch-merge-key"] = ext.patchMergeKey;
  if (ext.patchStrategy !== undefined) out["x-kubernetes-patch-strategy"] = ext.patchStrategy;
  return out;
}
