/** What plugins read besides nodes and pods: namespace labels and the pod's owning workloads. */
import type { ILabelSelector } from "@kubernetes-models/apimachinery/apis/meta/v1/LabelSelector";
import type { IPod } from "kubernetes-models/v1";
import type { Labels } from "./selectors.js";

export interface ClusterView {
  /** The labels of a namespace; undefined when it is not known. */
  namespaceLabels(name: string): Labels | undefined;
  /**
   * helper.DefaultSelector: the selectors of the Services selecting the pod and of the
   * ReplicationController, ReplicaSet or StatefulSet controlling it, ANDed; undefined when none.
   */
  defaultSelector(pod: IPod): ILabelSelector | undefined;
}

export const EMPTY_CLUSTER_VIEW: ClusterView = {
  namespaceLabels: () => undefined,
  defaultSelector: () => undefined,
};
