/**
 * Discovery documents: aggregated (apidiscovery.k8s.io v2 and v2beta1) for /api and /apis, which
 * ends kubectl's discovery in one request each, and the legacy APIVersions / APIGroupList /
 * APIResourceList documents that older clients walk.
 */
import type { ResourceDefinition } from "../registry/index.js";

function groupsOf(defs: readonly ResourceDefinition[]): Map<string, Map<string, ResourceDefinition[]>> {
  const groups = new Map<string, Map<string, ResourceDefinition[]>>();
  for (const def of defs) {
    const versions = groups.get(def.group) ?? new Map<string, ResourceDefinition[]>();
    versions.set(def.version, [...(versions.get(def.version) ?? []), def]);
    groups.set(def.group, versions);
  }
  return groups;
}

function discoveryResource(def: ResourceDefinition): Record<string, unknown> {
  return {
    resource: def.plural,
    responseKind: { group: def.group, version: def.version, kind: def.kind },
    scope: def.namespaced ? "Namespaced" : "Cluster",
    singularResource: def.singular,
    verbs: [...def.verbs],
    ...(def.shortNames.length > 0 ? { shortNames: [...def.shortNames] } : {}),
    ...(def.categories ? { categories: [...def.categories] } : {}),
    ...(def.subresources.length > 0
      ? {
          subresources: def.subresources.map((s) => ({
            subresource: s.name,
            responseKind: {
              group: s.kind === "Binding" || s.kind === "PodExecOptions" ? "" : def.group,
              version: def.version,
              kind: s.kind,
            },
            verbs: [...s.verbs],
          })),
        }
      : {}),
  };
}

/** The APIGroupDiscoveryList for /api (core) or /apis (named groups). */
export function aggregatedDiscovery(
  defs: readonly ResourceDefinition[],
  core: boolean,
  version: "v2" | "v2beta1",
): Record<string, unknown> {
  const items = [];
  for (const [group, versions] of groupsOf(defs)) {
    if ((group === "") !== core) continue;
    items.push({
      metadata: { name: group, creationTimestamp: null },
      versions: [...versions].map(([v, list]) => ({
        version: v,
        resources: list.map(discoveryResource),
        freshness: "Current",
      })),
    });
  }
  return { kind: "APIGroupDiscoveryList", apiVersion: `apidiscovery.k8s.io/${version}`, metadata: {}, items };
}

export function discoveryContentType(version: "v2" | "v2beta1"): string {
  return `application/json;g=apidiscovery.k8s.io;v=${version};as=APIGroupDiscoveryList`;
}

/** GET /api */
export function apiVersions(serverAddress: string): Record<string, unknown> {
  return {
    kind: "APIVersions",
    versions: ["v1"],
    serverAddressByClientCIDRs: [{ clientCIDR: "0.0.0.0/0", serverAddress }],
  };
}

function groupEntry(group: string, versions: Iterable<string>): Record<string, unknown> {
  const list = [...versions].map((v) => ({ groupVersion: `${group}/${v}`, version: v }));
  return { name: group, versions: list, preferredVersion: list[0] };
}

/** GET /apis */
export function apiGroupList(defs: readonly ResourceDefinition[]): Record<string, unknown> {
  const groups = [...groupsOf(defs)]
    .filter(([g]) => g !== "")
    .map(([g, versions]) => groupEntry(g, versions.keys()));
  return { kind: "APIGroupList", apiVersion: "v1", groups };
}

/** GET /apis/{group} */
export function apiGroup(
  defs: readonly ResourceDefinition[],
  group: string,
): Record<string, unknown> | undefined {
  const versions = groupsOf(defs).get(group);
  if (versions === undefined || group === "") return undefined;
  return { kind: "APIGroup", apiVersion: "v1", ...groupEntry(group, versions.keys()) };
}

/** GET /api/v1 or /apis/{group}/{version}; undefined when nothing is served there. */
export function apiResourceList(
  defs: readonly ResourceDefinition[],
  group: string,
  version: string,
): Record<string, unknown> | undefined {
  const list = defs.filter((d) => d.group === group && d.version === version);
  if (list.length === 0) return undefined;
  const resources: Record<string, unknown>[] = [];
  for (const def of list) {
    resources.push({
      name: def.plural,
      singularName: def.singular,
      namespaced: def.namespaced,
      kind: def.kind,
      verbs: [...def.verbs],
      ...(def.shortNames.length > 0 ? { shortNames: [...def.shortNames] } : {}),
      ...(def.categories ? { categories: [...def.categories] } : {}),
    });
    for (const sub of def.subresources) {
      resources.push({
        name: `${def.plural}/${sub.name}`,
        singularName: "",
        namespaced: def.namespaced,
        kind: sub.kind,
        verbs: [...sub.verbs],
      });
    }
  }
  return {
    kind: "APIResourceList",
    apiVersion: "v1",
    groupVersion: group === "" ? version : `${group}/${version}`,
    resources,
  };
}
