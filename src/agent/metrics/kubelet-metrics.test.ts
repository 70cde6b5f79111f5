import { describe, expect, it } from "vitest";
import { KubeletMetrics } from "./kubelet-metrics.js";

describe("KubeletMetrics", () => {
  it("observes a pod's start from its worker's making to Running, once", () => {
    const m = new KubeletMetrics();
    m.workerStarted("u", 1_000, 1_250);
    m.podRunning("u", 4_000);
    m.podRunning("u", 9_000);
    m.podRunning("never-seen", 9_000);
    const text = m.render();
    expect(text).toMatch(/^kubelet_pod_worker_start_duration_seconds_sum 0\.25$/m);
    expect(text).toMatch(/^kubelet_pod_start_duration_seconds_sum 3$/m);
    expect(text).toMatch(/^kubelet_pod_start_duration_seconds_count 1$/m);
    expect(text).toMatch(/^kubelet_pod_start_duration_seconds_bucket\{le="3"\} 1$/m);
    expect(text).toMatch(/^kubelet_pod_start_duration_seconds_bucket\{le="2"\} 0$/m);
  });

  it("forgets a pod that never ran", () => {
    const m = new KubeletMetrics();
    m.workerStarted("u", 0, 0);
    m.podForgotten("u");
    m.podRunning("u", 5_000);
    expect(m.podStartDuration.count()).toBe(0);
  });

  it("observes relist durations, intervals between relist starts, and the last one seen", () => {
    const m = new KubeletMetrics();
    m.relisted(10_000, 20);
    m.relisted(11_000, 30);
    expect(m.plegRelistDuration.count()).toBe(2);
    expect(m.plegRelistInterval.count()).toBe(1);
    const text = m.render();
    expect(text).toMatch(/^kubelet_pleg_relist_interval_seconds_sum 1$/m);
    expect(text).toMatch(/^kubelet_pleg_last_seen_seconds 11$/m);
  });

  it("counts started pods and containers with their errors, and evictions by signal", () => {
    const m = new KubeletMetrics();
    m.sandboxStarted();
    m.sandboxStarted();
    m.sandboxFailed();
    m.containerStarted("init_container");
    m.containerStarted("container");
    m.containerStartFailed("container", "ErrImagePull");
    m.evicted("memory.available");
    const text = m.render();
    expect(text).toMatch(/^kubelet_started_pods_total 2$/m);
    expect(text).toMatch(/^kubelet_started_pods_errors_total 1$/m);
    expect(text).toMatch(/^kubelet_started_containers_total\{container_type="init_container"\} 1$/m);
    expect(text).toMatch(
      /^kubelet_started_containers_errors_total\{container_type="container",code="ErrImagePull"\} 1$/m,
    );
    expect(text).toMatch(/^kubelet_evictions\{eviction_signal="memory.available"\} 1$/m);
  });
});
