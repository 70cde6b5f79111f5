/** The kinds the server serves, from its legacy discovery documents (/api/v1, /apis/G/V). */
import type { FuzzClient } from "./client.js";
import type { ServedKind } from "./manifests.js";

interface ResourceList {
  resources: { name: string; kind: string; namespaced: boolean; verbs: string[] }[];
}

async function getJson<T>(client: FuzzClient, path: string): Promise<T> {
  const answer = await client.send({ method: "GET", path });
  if (!answer.ok || answer.status !== 200) throw new Error(`GET ${path}: ${JSON.stringify(answer)}`);
  return JSON.parse(answer.body) as T;
}

export async function servedKinds(client: FuzzClient): Promise<ServedKind[]> {
  const lists: { group: string; version: string }[] = [{ group: "", version: "v1" }];
  const groups = await getJson<{ groups: { name: string; preferredVersion: { version: string } }[] }>(
    client,
    "/apis",
  );
  for (const g of groups.groups) lists.push({ group: g.name, version: g.preferredVersion.version });
  const kinds: ServedKind[] = [];
  for (const { group, version } of lists) {
    const path = group === "" ? `/api/${version}` : `/apis/${group}/${version}`;
    for (const r of (await getJson<ResourceList>(client, path)).resources) {
      if (r.name.includes("/")) continue;
      kinds.push({ group, version, kind: r.kind, plural: r.name, namespaced: r.namespaced, verbs: r.verbs });
    }
  }
  return kinds;
}
