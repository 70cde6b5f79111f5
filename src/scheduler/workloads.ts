/**
 * The objects DefaultSelector reads, kept by reflectors: Services, ReplicationControllers,
 * ReplicaSets and StatefulSets (only those the API server serves), and namespaces' labels.
 */
import type { ILabelSelector } from "@kubernetes-models/apimachinery/apis/meta/v1/LabelSelector";
import type { INamespace, IPod } from "kubernetes-models/v1";
import type { KubeObject } from "../api/index.js";
import type { ClusterView } from "./cluster-view.js";
import type { Labels } from "./selectors.js";

export interface Workload extends KubeObject {
  spec?: { selector?: Record<string, string> | ILabelSelector | null };
}

export interface WorkloadSource {
  /** Objects of the kind in the namespace. */
  list(kind: WorkloadKind, namespace: string): readonly Workload[];
  get(kind: WorkloadKind, namespace: string, name: string): Workload | undefined;
  namespace(name: string): INamespace | undefined;
}

export type WorkloadKind = "Service" | "ReplicationController" | "ReplicaSet" | "StatefulSet";

/** A ClusterView over reflector stores. */
export function clusterView(source: WorkloadSource): ClusterView {
  return {
    namespaceLabels: (name) => source.namespace(name)?.metadata?.labels as Labels | undefined,
    defaultSelector(pod: IPod) {
      const namespace = pod.metadata?.namespace ?? "";
      const labels = pod.metadata?.labels ?? {};
      const matchLabels: Record<string, string> = {};
      const matchExpressions: NonNullable<ILabelSelector["matchExpressions"]> = [];
      let found = false;
      for (const svc of source.list("Service", namespace)) {
        const selector = svc.spec?.selector as Record<string, string> | undefined;
        if (selector === undefined || selector === null || Object.keys(selector).length === 0) continue;
        if (!Object.entries(selector).every(([k, v]) => labels[k] === v)) continue;
        Object.assign(matchLabels, selector);
        found = true;
      }
      const owner = (pod.metadata?.ownerReferences ?? []).find((o) => o.controller === true);
      if (owner !== undefined) {
        const kind = owner.kind as WorkloadKind;
        if (kind === "ReplicationController" || kind === "ReplicaSet" || kind === "StatefulSet") {
          const selector = source.get(kind, namespace, owner.name)?.spec?.selector;
          if (selector !== undefined && selector !== null) {
            if (kind === "ReplicationController") Object.assign(matchLabels, selector);
            else {
              const s = selector as ILabelSelector;
              Object.assign(matchLabels, s.matchLabels ?? {});
              matchExpressions.push(...(s.matchExpressions ?? []));
            }
            found = true;
          }
        }
      }
      return found ? { matchLabels, matchExpressions } : undefined;
    },
  };
}
