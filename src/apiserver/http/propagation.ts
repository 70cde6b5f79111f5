/**
 * Deletion propagation without a garbage-collector controller: when an owner is removed, its
 * dependents (objects whose metadata.ownerReferences name its uid) are deleted (Background,
 * Foreground: dependents first) or released (Orphan: the reference is removed), at once, in the
 * request. Dependents of a namespaced owner are looked for in its namespace; of a cluster-scoped
 * owner, everywhere.
 */
import { errorMessage, isNotFound } from "../../common/errors.js";
import type { Logger } from "../../common/log.js";
import type { KubeObject, ResourceStore } from "../registry/index.js";

export type PropagationPolicy = "Orphan" | "Background" | "Foreground";
export const PROPAGATION_POLICIES: readonly PropagationPolicy[] = ["Orphan", "Background", "Foreground"];

function ownedBy(obj: KubeObject, uid: string): boolean {
  const refs = obj.metadata.ownerReferences;
  return (
    Array.isArray(refs) &&
    refs.some((r) => typeof r === "object" && r !== null && (r as { uid?: unknown }).uid === uid)
  );
}

async function dependents(stores: readonly ResourceStore[], owner: KubeObject, namespaced: boolean) {
  const uid = owner.metadata.uid ?? "";
  const found: { store: ResourceStore; obj: KubeObject }[] = [];
  if (uid === "") return found;
  for (const store of stores) {
    if (namespaced && !store.def.namespaced) continue;
    const ns = namespaced ? owner.metadata.namespace : undefined;
    const { items } = await store.list(ns, { filter: (o) => ownedBy(o, uid) });
    for (const obj of items) found.push({ store, obj });
  }
  return found;
}

/** Applies `policy` to the dependents of `owner` (already removed, or about to be for Foreground). */
export async function propagateDeletion(
  stores: readonly ResourceStore[],
  owner: KubeObject,
  ownerNamespaced: boolean,
  policy: PropagationPolicy,
  log: Logger,
): Promise<void> {
  const uid = owner.metadata.uid ?? "";
  for (const { store, obj } of await dependents(stores, owner, ownerNamespaced)) {
    const name = obj.metadata.name ?? "";
    try {
      if (policy === "Orphan") {
        await store.guaranteedUpdate(obj.metadata.namespace, name, (current) => {
          const next = current as KubeObject;
          next.metadata.ownerReferences = (next.metadata.ownerReferences ?? []).filter(
            (r) => !(typeof r === "object" && r !== null && (r as { uid?: unknown }).uid === uid),
          );
          if (next.metadata.ownerReferences.length === 0) delete next.metadata.ownerReferences;
          return next;
        });
      } else {
        const result = await store.delete(obj.metadata.namespace, name, {});
        if (result.removed) await propagateDeletion(stores, result.object, store.def.namespaced, policy, log);
      }
    } catch (err) {
      if (!isNotFound(err))
        log.warn({ owner: uid, dependent: name, err: errorMessage(err) }, "propagation failed");
    }
  }
}
