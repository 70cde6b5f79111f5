/**
 * The resources the API server serves, from its legacy discovery documents (/api/v1, /apis and
 * each /apis/GROUP/VERSION): what the garbage collector and the namespace controller walk.
 */
import { resourcePath, type ApiClient } from "../api/index.js";

export interface ServedResource {
  readonly group: string;
  readonly version: string;
  readonly resource: string;
  readonly kind: string;
  readonly namespaced: boolean;
  readonly verbs: readonly string[];
}

interface ApiResourceList {
  resources?: { name: string; kind: string; namespaced: boolean; verbs?: string[] }[];
}

interface ApiGroupList {
  groups?: { name: string; preferredVersion?: { version: string } }[];
}

async function resourcesOf(
  client: Pick<ApiClient, "get">,
  group: string,
  version: string,
): Promise<ServedResource[]> {
  const path = group === "" ? `/api/${version}` : `/apis/${group}/${version}`;
  const list = await client.get<ApiResourceList>(path);
  return (list.resources ?? [])
    .filter((r) => !r.name.includes("/"))
    .map((r) => ({
      group,
      version,
      resource: r.name,
      kind: r.kind,
      namespaced: r.namespaced,
      verbs: r.verbs ?? [],
    }));
}

export async function discoverResources(client: Pick<ApiClient, "get">): Promise<ServedResource[]> {
  const out = await resourcesOf(client, "", "v1");
  const groups = await client.get<ApiGroupList>("/apis");
  for (const g of groups.groups ?? []) {
    const version = g.preferredVersion?.version;
    if (version !== undefined) out.push(...(await resourcesOf(client, g.name, version)));
  }
  return out;
}

/** The collection path of a resource across namespaces (or its one namespace). */
export function collectionPath(r: ServedResource, namespace?: string): string {
  return resourcePath({
    ...(r.group !== "" ? { group: r.group } : {}),
    version: r.version,
    resource: r.resource,
    ...(namespace !== undefined && r.namespaced ? { namespace } : {}),
  });
}

export function objectPath(r: ServedResource, namespace: string | undefined, name: string): string {
  return resourcePath({
    ...(r.group !== "" ? { group: r.group } : {}),
    version: r.version,
    resource: r.resource,
    ...(namespace !== undefined && namespace !== "" && r.namespaced ? { namespace } : {}),
    name,
  });
}

export function apiVersionOf(r: ServedResource): string {
  return r.group === "" ? r.version : `${r.group}/${r.version}`;
}
