/**
 * Whether a node satisfies a pod's nodeSelector and its required node affinity, as
 * k8s.io/component-helpers/scheduling/corev1/nodeaffinity GetRequiredNodeAffinity(pod).Match does:
 * every nodeSelector label must be equal; of the required terms at least one must match; a term
 * matches when all its expressions and fields do; an empty term or an invalid expression matches
 * nothing.
 */
import type { INodeSelectorRequirement, INodeSelectorTerm, IPod } from "kubernetes-models/v1";

export interface NodeIdentity {
  readonly nodeName: string;
  readonly nodeLabels: Readonly<Record<string, string>>;
}

const INTEGER = /^[+-]?[0-9]+$/;

function requirementMatches(req: INodeSelectorRequirement, value: string | undefined): boolean {
  const values = req.values ?? [];
  switch (req.operator) {
    case "In":
      return values.length > 0 && value !== undefined && values.includes(value);
    case "NotIn":
      return values.length > 0 && (value === undefined || !values.includes(value));
    case "Exists":
      return values.length === 0 && value !== undefined;
    case "DoesNotExist":
      return values.length === 0 && value === undefined;
    case "Gt":
    case "Lt": {
      const bound = values[0];
      if (values.length !== 1 || bound === undefined || !INTEGER.test(bound)) return false;
      if (value === undefined || !INTEGER.test(value)) return false;
      const a = BigInt(value);
      const b = BigInt(bound);
      return req.operator === "Gt" ? a > b : a < b;
    }
    default:
      return false;
  }
}

function termMatches(term: INodeSelectorTerm, node: NodeIdentity): boolean {
  const expressions = term.matchExpressions ?? [];
  const fields = term.matchFields ?? [];
  if (expressions.length === 0 && fields.length === 0) return false;
  for (const req of expressions) {
    if (!requirementMatches(req, node.nodeLabels[req.key])) return false;
  }
  for (const req of fields) {
    // Only metadata.name is a supported node field, and only with In and NotIn.
    if (req.key !== "metadata.name" || (req.operator !== "In" && req.operator !== "NotIn")) return false;
    if ((req.values ?? []).length !== 1) return false;
    if (!requirementMatches(req, node.nodeName)) return false;
  }
  return true;
}

export function matchesNodeSelectorAndAffinity(pod: IPod, node: NodeIdentity): boolean {
  for (const [key, value] of Object.entries(pod.spec?.nodeSelector ?? {})) {
    if (node.nodeLabels[key] !== value) return false;
  }
  const required = pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
  if (required === undefined) return true;
  return required.nodeSelectorTerms.some((term) => termMatches(term, node));
}
