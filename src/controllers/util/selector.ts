/** metav1.LabelSelector matching on the controller side. */
import type { ILabelSelector } from "@kubernetes-models/apimachinery/apis/meta/v1/LabelSelector";

export function labelsOf(obj: { metadata?: { labels?: Record<string, string> } }): Record<string, string> {
  return obj.metadata?.labels ?? {};
}

/** metav1.LabelSelectorAsSelector(...).Matches: nil selects nothing, empty selects everything. */
export function selects(
  selector: ILabelSelector | undefined,
  labels: Readonly<Record<string, string>>,
): boolean {
  if (selector === undefined) return false;
  for (const [k, v] of Object.entries(selector.matchLabels ?? {})) if (labels[k] !== v) return false;
  for (const e of selector.matchExpressions ?? []) {
    const has = Object.hasOwn(labels, e.key);
    const value = labels[e.key] ?? "";
    const values = e.values ?? [];
    switch (e.operator) {
      case "In":
        if (!has || !values.includes(value)) return false;
        break;
      case "NotIn":
        if (has && values.includes(value)) return false;
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
