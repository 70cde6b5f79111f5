import type { IPod, IPodStatus } from "kubernetes-models/v1";
import { describe, expect, it } from "vitest";
import { KubeletMetrics, RUNTIME_OPERATION_BUCKETS } from "./kubelet-metrics.js";

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

  describe("pod_start_sli_duration_seconds", () => {
    const CREATED = Date.UTC(2026, 0, 1);
    const waiting: IPodStatus = {
      phase: "Pending",
      startTime: new Date(CREATED + 200).toISOString(),
      containerStatuses: [
        { name: "a", image: "i", imageID: "", ready: false, restartCount: 0, state: { waiting: {} } },
      ],
    };
    const running = (names: string[]): IPodStatus => ({
      ...waiting,
      phase: "Running",
      containerStatuses: names.map((name) => ({
        name,
        image: "i",
        imageID: "",
        ready: true,
        restartCount: 0,
        state: { running: { startedAt: new Date(CREATED + 5_000).toISOString() } },
      })),
    });
    const pod = (status?: IPodStatus, uid = "u"): IPod => ({
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "p", namespace: "ns", uid, creationTimestamp: new Date(CREATED).toISOString() },
      ...(status === undefined ? {} : { status }),
    });

    it("observes from creation to the watch seeing every container running, less the pulls, once", () => {
      const m = new KubeletMetrics();
      m.podObserved(pod(), CREATED + 100);
      m.imagePullStarted("u", CREATED + 1_000);
      m.imagePullFinished("u", CREATED + 2_500);
      m.imagePullStarted("u", CREATED + 2_600);
      m.imagePullFinished("u", CREATED + 4_000);
      m.podStatusWritten("u", waiting, CREATED + 4_100);
      m.podObserved(pod(waiting), CREATED + 4_200);
      expect(m.podStartSliDuration.count()).toBe(0);
      m.podStatusWritten("u", running(["a"]), CREATED + 5_200);
      m.podObserved(pod(running(["a"])), CREATED + 5_500);
      m.podObserved(pod(running(["a"])), CREATED + 9_000);
      const text = m.render();
      // 5.5 s from creation, 3 s of it pulling (first start to last end).
      expect(text).toMatch(/^kubelet_pod_start_sli_duration_seconds_sum 2\.5$/m);
      expect(text).toMatch(/^kubelet_pod_start_sli_duration_seconds_count 1$/m);
      expect(text).toMatch(/^kubelet_pod_start_sli_duration_seconds_bucket\{le="3"\} 1$/m);
      expect(text).toMatch(/^kubelet_pod_start_sli_duration_seconds_bucket\{le="2"\} 0$/m);
      expect(text).toMatch(/^kubelet_pod_start_sli_duration_seconds_bucket\{le="3600"\} 1$/m);
      expect(text).toMatch(/^kubelet_pod_start_total_duration_seconds_sum 5\.5$/m);
      expect(text).toMatch(/^# TYPE kubelet_pod_start_sli_duration_seconds histogram$/m);
      expect(text).toMatch(
        /^# HELP kubelet_pod_start_sli_duration_seconds \[ALPHA\] Duration in seconds to start a pod, excluding time to pull images/m,
      );
      expect(m.startupTracked).toBe(0);
    });

    it("waits for a written status with every container running, then for the watch to show it", () => {
      const m = new KubeletMetrics();
      m.podObserved(pod(), CREATED);
      // Seen running on the watch before the agent's own write: not yet.
      m.podObserved(pod(running(["a"])), CREATED + 1_000);
      m.podStatusWritten(
        "u",
        {
          ...running(["a"]),
          containerStatuses: [
            ...(running(["a"]).containerStatuses ?? []),
            ...(waiting.containerStatuses ?? []).map((c) => ({ ...c, name: "b" })),
          ],
        },
        CREATED + 1_500,
      );
      m.podObserved(pod(running(["a"])), CREATED + 1_600);
      expect(m.podStartSliDuration.count()).toBe(0);
      m.podStatusWritten("u", running(["a", "b"]), CREATED + 2_000);
      m.podObserved(pod(running(["a", "b"])), CREATED + 2_250);
      expect(m.podStartSliDuration.count()).toBe(1);
      expect(m.render()).toMatch(/^kubelet_pod_start_sli_duration_seconds_sum 2\.25$/m);
    });

    it("leaves out pods first seen with a start time (adopted), terminal pods and forgotten pods", () => {
      const m = new KubeletMetrics();
      m.podObserved(pod(waiting, "adopted"), CREATED);
      m.podStatusWritten("adopted", running(["a"]), CREATED + 1_000);
      m.podObserved(pod(running(["a"]), "adopted"), CREATED + 1_000);
      m.podObserved(pod(undefined, "done"), CREATED);
      m.podObserved(pod({ phase: "Succeeded" }, "done"), CREATED + 500);
      m.podStatusWritten("done", running(["a"]), CREATED + 1_000);
      m.podObserved(pod(running(["a"]), "done"), CREATED + 1_000);
      m.podObserved(pod(undefined, "gone"), CREATED);
      m.podForgotten("gone");
      m.podStatusWritten("gone", running(["a"]), CREATED + 1_000);
      m.podObserved(pod(running(["a"]), "gone"), CREATED + 1_000);
      expect(m.podStartSliDuration.count()).toBe(0);
      expect(m.podStartTotalDuration.count()).toBe(0);
      expect(m.startupTracked).toBe(0);
    });
  });
});

describe("the kubelet's buckets", () => {
  it("runtime operations: 14 exponential buckets from 5 ms by 2.5", () => {
    expect(RUNTIME_OPERATION_BUCKETS).toHaveLength(14);
    expect(RUNTIME_OPERATION_BUCKETS.slice(0, 3)).toEqual([0.005, 0.0125, 0.03125]);
  });
});
