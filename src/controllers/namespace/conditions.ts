/**
 * The status conditions a terminating namespace carries while its content goes (kube-controller-
 * manager: namespace/deletion/status_condition_utils.go): each of the five types is True with the
 * failure's reason and message, or False with its "ok" reason and message; lastTransitionTime
 * moves only when the status flips.
 */
import type { INamespaceCondition } from "kubernetes-models/v1";

export type NamespaceConditionType =
  | "NamespaceDeletionDiscoveryFailure"
  | "NamespaceDeletionGroupVersionParsingFailure"
  | "NamespaceDeletionContentFailure"
  | "NamespaceContentRemaining"
  | "NamespaceFinalizersRemaining";

const OK: Record<NamespaceConditionType, { readonly reason: string; readonly message: string }> = {
  NamespaceDeletionDiscoveryFailure: {
    reason: "ResourcesDiscovered",
    message: "All resources successfully discovered",
  },
  NamespaceDeletionGroupVersionParsingFailure: {
    reason: "ParsedGroupVersions",
    message: "All legacy kube types successfully parsed",
  },
  NamespaceDeletionContentFailure: {
    reason: "ContentDeleted",
    message: "All content successfully deleted, may be waiting on finalization",
  },
  NamespaceContentRemaining: { reason: "ContentRemoved", message: "All content successfully removed" },
  NamespaceFinalizersRemaining: { reason: "ContentRemoved", message: "All content successfully removed" },
};

/** What one pass over the namespace's content found. */
export interface ContentTotals {
  /** Objects still there, by "resource.group" (core resources end in "."). */
  readonly remaining: ReadonlyMap<string, number>;
  /** Objects still there, by each finalizer they carry. */
  readonly finalizers: ReadonlyMap<string, number>;
  /** Messages of the deletions that failed. */
  readonly deleteErrors: readonly string[];
}

function failures(totals: ContentTotals): Map<NamespaceConditionType, { reason: string; message: string }> {
  const out = new Map<NamespaceConditionType, { reason: string; message: string }>();
  const counted = (m: ReadonlyMap<string, number>, text: (key: string, n: number) => string): string[] =>
    [...m]
      .filter(([, n]) => n > 0)
      .map(([key, n]) => text(key, n))
      .sort();
  const resources = counted(totals.remaining, (r, n) => `${r} has ${n} resource instances`);
  if (resources.length > 0) {
    out.set("NamespaceContentRemaining", {
      reason: "SomeResourcesRemain",
      message: `Some resources are remaining: ${resources.join(", ")}`,
    });
  }
  const finalizers = counted(totals.finalizers, (f, n) => `${f} in ${n} resource instances`);
  if (finalizers.length > 0) {
    out.set("NamespaceFinalizersRemaining", {
      reason: "SomeFinalizerRemain",
      message: `Some finalizers are remaining: ${finalizers.join(", ")}`,
    });
  }
  if (totals.deleteErrors.length > 0) {
    const messages = [...totals.deleteErrors].sort();
    out.set("NamespaceDeletionContentFailure", {
      reason: "ContentDeletionFailed",
      message: `Failed to delete all resource types, ${messages.length} remaining: ${messages.join(", ")}`,
    });
  }
  return out;
}

/** The conditions after a pass, and whether they differ from the ones the namespace has. */
export function namespaceConditions(
  current: readonly INamespaceCondition[],
  totals: ContentTotals,
  now: string,
): { conditions: INamespaceCondition[]; changed: boolean } {
  const failed = failures(totals);
  const conditions = current.map((c) => ({ ...c }));
  let changed = false;
  for (const type of Object.keys(OK) as NamespaceConditionType[]) {
    const failure = failed.get(type);
    const next = { type, status: failure ? "True" : "False", ...(failure ?? OK[type]) };
    const old = conditions.find((c) => c.type === type);
    if (old === undefined) {
      conditions.push({ ...next, lastTransitionTime: now });
      changed = true;
    } else if (old.status !== next.status || old.reason !== next.reason || old.message !== next.message) {
      if (old.status !== next.status) old.lastTransitionTime = now;
      Object.assign(old, next);
      changed = true;
    }
  }
  return { conditions, changed };
}
