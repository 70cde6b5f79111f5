import { describe, expect, it } from "vitest";
import { resolveSchedulerConfig } from "./scheduler-config.js";

describe("resolveSchedulerConfig", () => {
  it("fills kube-scheduler's leader election defaults", () => {
    const config = resolveSchedulerConfig({ kubeconfig: "/k" });
    expect(config.leaderElection).toMatchObject({
      namespace: "kube-system",
      name: "kube-scheduler",
      leaseDurationMs: 15_000,
      renewDeadlineMs: 10_000,
      retryPeriodMs: 2_000,
    });
    expect(config.leaderElection?.identity).toMatch(/^.+_[0-9a-f-]{36}$/);
  });

  it("takes Go durations and --leader-elect=false", () => {
    expect(
      resolveSchedulerConfig({ kubeconfig: "/k", leaseDuration: "30s" }).leaderElection?.leaseDurationMs,
    ).toBe(30_000);
    expect(resolveSchedulerConfig({ kubeconfig: "/k", leaderElect: "false" }).leaderElection).toBeUndefined();
  });

  it("refuses what it cannot use", () => {
    expect(() => resolveSchedulerConfig({})).toThrow(/--kubeconfig is required/);
    expect(() => resolveSchedulerConfig({ kubeconfig: "/k", leaderElect: "yes" })).toThrow(/true or false/);
    expect(() => resolveSchedulerConfig({ kubeconfig: "/k", retryPeriod: "soon" })).toThrow(
      /leader-elect-retry-period/,
    );
  });
});
