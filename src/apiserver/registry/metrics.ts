/**
 * metrics.k8s.io/v1beta1 NodeMetrics and PodMetrics: read-only kinds the API server answers from
 * the agents' /stats/summary (metrics-server's API, served without metrics-server). Nothing is
 * stored; the HTTP layer's metrics handler builds them on each read.
 */
import type { ResourceDefinition } from "./resource.js";

export const nodemetrics: ResourceDefinition = {
  group: "metrics.k8s.io",
  version: "v1beta1",
  kind: "NodeMetrics",
  plural: "nodes",
  singular: "",
  shortNames: [],
  namespaced: false,
  verbs: ["get", "list"],
  subresources: [],
};

export const podmetrics: ResourceDefinition = {
  group: "metrics.k8s.io",
  version: "v1beta1",
  kind: "PodMetrics",
  plural: "pods",
  singular: "",
  shortNames: [],
  namespaced: true,
  verbs: ["get", "list"],
  subresources: [],
};

export const METRICS_KINDS: readonly ResourceDefinition[] = [nodemetrics, podmetrics];
