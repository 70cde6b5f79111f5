import { describe, expect, it } from "vitest";
import { TAINT_UNREACHABLE, mergeTaints, toleratedSeconds, wantedTaints } from "./taints.js";

describe("node taints", () => {
  it("wants unreachable taints for Unknown, not-ready for False, none for True", () => {
    expect(wantedTaints("Unknown", "t").map((t) => `${t.key}:${t.effect}`)).toEqual([
      `${TAINT_UNREACHABLE}:NoSchedule`,
      `${TAINT_UNREACHABLE}:NoExecute`,
    ]);
    expect(wantedTaints("False", "t")[0]?.key).toBe("node.kubernetes.io/not-ready");
    expect(wantedTaints("True", "t")).toEqual([]);
  });

  it("replaces only the managed taints, and reports no change when they are already there", () => {
    const own = { key: "dedicated", effect: "NoSchedule" as const };
    const merged = mergeTaints([own], wantedTaints("Unknown", "t"));
    expect(merged).toHaveLength(3);
    expect(mergeTaints(merged ?? [], wantedTaints("Unknown", "later"))).toBeUndefined();
    expect(mergeTaints(merged ?? [], [])).toEqual([own]);
  });

  it("keeps a pod for the shortest matching tolerationSeconds, forever without a bound, 0 without a toleration", () => {
    const taints = [{ key: TAINT_UNREACHABLE, effect: "NoExecute" as const }];
    expect(toleratedSeconds([], taints)).toBe(0);
    expect(toleratedSeconds([{ operator: "Exists" }], taints)).toBe(Number.POSITIVE_INFINITY);
    expect(
      toleratedSeconds(
        [
          { key: TAINT_UNREACHABLE, operator: "Exists", effect: "NoExecute", tolerationSeconds: 300 },
          { key: TAINT_UNREACHABLE, operator: "Exists", tolerationSeconds: 2 },
        ],
        taints,
      ),
    ).toBe(2);
  });
});
