/**
 * The selector forms the scheduler evaluates against objects it holds: meta/v1 LabelSelector
 * (matchLabels and matchExpressions In, NotIn, Exists, DoesNotExist), core/v1 NodeSelector terms
 * (Gt and Lt too, and matchFields on metadata.name) and taint tolerations.
 */
import type {
  INode,
  INodeSelectorRequirement,
  INodeSelectorTerm,
  ITaint,
  IToleration,
} from "kubernetes-models/v1";
import type { ILabelSelector } from "@kubernetes-models/apimachinery/apis/meta/v1/LabelSelector";

export type Labels = Readonly<Record<string, string>>;

/** A nil selector matches nothing; an empty one matches everything (LabelSelectorAsSelector). */
export function matchesLabelSelector(selector: ILabelSelector | null | undefined, labels: Labels): boolean {
  if (selector === undefined || selector === null) return false;
  for (const [k, v] of Object.entries(selector.matchLabels ?? {})) if (labels[k] !== v) return false;
  for (const e of selector.matchExpressions ?? []) {
    const has = Object.hasOwn(labels, e.key);
    const value = labels[e.key];
    const values = e.values ?? [];
    switch (e.operator) {
      case "In":
        if (!has || !values.includes(value ?? "")) return false;
        break;
      case "NotIn":
        if (has && values.includes(value ?? "")) return false;
        break;
      case "Exists":
        if (!has) return false;
        break;
      case "DoesNotExist":
        if (has) return false;
        break;
      default:
        return false;
    }
  }
  return true;
}

function matchesNodeRequirement(r: INodeSelectorRequirement, value: string | undefined): boolean {
  const values = r.values ?? [];
  switch (r.operator) {
    case "In":
      return value !== undefined && values.includes(value);
    case "NotIn":
      return value === undefined || !values.includes(value);
    case "Exists":
      return value !== undefined;
    case "DoesNotExist":
      return value === undefined;
    case "Gt":
    case "Lt": {
      if (value === undefined || values.length !== 1) return false;
      const have = Number.parseInt(value, 10);
      const want = Number.parseInt(values[0] ?? "", 10);
      if (!Number.isInteger(have) || !Number.isInteger(want)) return false;
      return r.operator === "Gt" ? have > want : have < want;
    }
    default:
      return false;
  }
}

/** One NodeSelectorTerm: its requirements ANDed; an empty term matches no node. */
export function matchesNodeSelectorTerm(term: INodeSelectorTerm, node: INode): boolean {
  const expressions = term.matchExpressions ?? [];
  const fields = term.matchFields ?? [];
  if (expressions.length === 0 && fields.length === 0) return false;
  const labels = node.metadata?.labels ?? {};
  for (const r of expressions) if (!matchesNodeRequirement(r, labels[r.key])) return false;
  for (const r of fields) {
    if (r.key !== "metadata.name" || !matchesNodeRequirement(r, node.metadata?.name)) return false;
  }
  return true;
}

/** NodeSelectorTerms are ORed. */
export function matchesNodeSelectorTerms(terms: readonly INodeSelectorTerm[], node: INode): boolean {
  return terms.some((t) => matchesNodeSelectorTerm(t, node));
}

/** core/v1 helper ToleratesTaint. */
export function tolerates(t: IToleration, taint: ITaint): boolean {
  if (t.effect && t.effect !== taint.effect) return false;
  if (t.key && t.key !== taint.key) return false;
  const operator = t.operator ?? "Equal";
  if (operator === "Exists") return true;
  if (operator === "Equal") return (t.value ?? "") === (taint.value ?? "");
  return false;
}

export function toleratedBy(tolerations: readonly IToleration[], taint: ITaint): boolean {
  return tolerations.some((t) => tolerates(t, taint));
}
