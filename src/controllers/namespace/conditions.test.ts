import { describe, expect, it } from "vitest";
import { namespaceConditions, type ContentTotals } from "./conditions.js";

const NONE: ContentTotals = { remaining: new Map(), finalizers: new Map(), deleteErrors: [] };
const T0 = "2026-12-03T10:00:00Z";
const T1 = "2026-12-03T10:00:05Z";

describe("namespaceConditions", () => {
  it("reports content and finalizers remaining, sorted, with upstream's reasons and messages", () => {
    const totals: ContentTotals = {
      remaining: new Map([
        ["pods.", 2],
        ["deployments.apps", 1],
        ["configmaps.", 0],
      ]),
      finalizers: new Map([["example.com/hold", 1]]),
      deleteErrors: [],
    };
    const { conditions, changed } = namespaceConditions([], totals, T0);
    expect(changed).toBe(true);
    expect(conditions).toEqual([
      {
        type: "NamespaceDeletionDiscoveryFailure",
        status: "False",
        reason: "ResourcesDiscovered",
        message: "All resources successfully discovered",
        lastTransitionTime: T0,
      },
      {
        type: "NamespaceDeletionGroupVersionParsingFailure",
        status: "False",
        reason: "ParsedGroupVersions",
        message: "All legacy kube types successfully parsed",
        lastTransitionTime: T0,
      },
      {
        type: "NamespaceDeletionContentFailure",
        status: "False",
        reason: "ContentDeleted",
        message: "All content successfully deleted, may be waiting on finalization",
        lastTransitionTime: T0,
      },
      {
        type: "NamespaceContentRemaining",
        status: "True",
        reason: "SomeResourcesRemain",
        message:
          "Some resources are remaining: deployments.apps has 1 resource instances, pods. has 2 resource instances",
        lastTransitionTime: T0,
      },
      {
        type: "NamespaceFinalizersRemaining",
        status: "True",
        reason: "SomeFinalizerRemain",
        message: "Some finalizers are remaining: example.com/hold in 1 resource instances",
        lastTransitionTime: T0,
      },
    ]);
  });

  it("reports failed deletions as ContentDeletionFailed", () => {
    const totals: ContentTotals = { ...NONE, deleteErrors: ["b failed", "a failed"] };
    const failure = namespaceConditions([], totals, T0).conditions.find(
      (c) => c.type === "NamespaceDeletionContentFailure",
    );
    expect(failure).toMatchObject({
      status: "True",
      reason: "ContentDeletionFailed",
      message: "Failed to delete all resource types, 2 remaining: a failed, b failed",
    });
  });

  it("moves lastTransitionTime only when the status flips, and reports no change for the same findings", () => {
    const first = namespaceConditions([], { ...NONE, remaining: new Map([["pods.", 2]]) }, T0).conditions;
    const fewer = namespaceConditions(first, { ...NONE, remaining: new Map([["pods.", 1]]) }, T1);
    const remaining = fewer.conditions.find((c) => c.type === "NamespaceContentRemaining");
    expect(fewer.changed).toBe(true);
    expect(remaining).toMatchObject({ status: "True", lastTransitionTime: T0 });
    expect(remaining?.message).toBe("Some resources are remaining: pods. has 1 resource instances");

    const again = namespaceConditions(fewer.conditions, { ...NONE, remaining: new Map([["pods.", 1]]) }, T1);
    expect(again.changed).toBe(false);

    const done = namespaceConditions(fewer.conditions, NONE, T1).conditions;
    expect(done.find((c) => c.type === "NamespaceContentRemaining")).toEqual({
      type: "NamespaceContentRemaining",
      status: "False",
      reason: "ContentRemoved",
      message: "All content successfully removed",
      lastTransitionTime: T1,
    });
  });
});
