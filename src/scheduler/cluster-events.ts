/**
 * Cluster events that may make a parked pod schedulable, and the plugins each can help
 * (upstream's EventsToRegister, without queueing hints): a pod rejected only by other plugins
 * stays parked.
 */
import type { INode } from "kubernetes-models/v1";

export type ClusterEvent =
  "NodeAdd" | "NodeUpdate" | "AssignedPodAdd" | "AssignedPodUpdate" | "AssignedPodDelete" | "NamespaceUpdate";

/** undefined: every plugin. */
export const EVENT_PLUGINS: Readonly<Record<ClusterEvent, readonly string[] | undefined>> = {
  NodeAdd: undefined,
  NodeUpdate: undefined,
  AssignedPodAdd: ["InterPodAffinity", "PodTopologySpread"],
  AssignedPodUpdate: ["InterPodAffinity", "PodTopologySpread", "NodeResourcesFit"],
  AssignedPodDelete: ["NodeResourcesFit", "NodePorts", "InterPodAffinity", "PodTopologySpread"],
  NamespaceUpdate: ["InterPodAffinity"],
};

const same = (a: unknown, b: unknown): boolean => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

/** A node update that filters can see: labels, taints, cordon, allocatable (not heartbeats). */
export function nodeSchedulingChanged(old: INode, node: INode): boolean {
  return (
    !same(old.metadata?.labels, node.metadata?.labels) ||
    !same(old.spec?.taints, node.spec?.taints) ||
    (old.spec?.unschedulable ?? false) !== (node.spec?.unschedulable ?? false) ||
    !same(old.status?.allocatable, node.status?.allocatable)
  );
}
