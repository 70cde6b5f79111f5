import { describe, expect, it } from "vitest";
import { BerthError, ErrorCode, ManualClock } from "../../common/index.js";
import type { ContainerRuntime } from "../../runtime/index.js";
import { FakeRuntime } from "../../runtime/fake/index.js";
import { instrumentRuntime } from "./instrumented-runtime.js";
import { KubeletMetrics } from "./kubelet-metrics.js";

/** The fake with some methods replaced (the others bound to it, whose fields are private). */
function withMethods(fake: FakeRuntime, methods: Partial<ContainerRuntime>): ContainerRuntime {
  return new Proxy(fake, {
    get(target, key) {
      const own = (methods as Record<string | symbol, unknown>)[key];
      if (own !== undefined) return own;
      const value: unknown = Reflect.get(target, key, target);
      return typeof value === "function" ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}

describe("instrumentRuntime", () => {
  it("records each call under the kubelet's operation name, with its duration and errors", async () => {
    const clock = new ManualClock(1_000);
    const metrics = new KubeletMetrics();
    const fake = new FakeRuntime({ clock });
    // A slow version: the clock moves while the call is in flight.
    const slow = withMethods(fake, {
      version: async () => {
        await clock.advance(300);
        return fake.version();
      },
    });
    const runtime = instrumentRuntime(slow, metrics, clock);
    expect(runtime.name).toBe(fake.name);
    await runtime.version();
    await runtime.listContainers();
    await runtime.listPodSandboxes();
    await expect(runtime.containerStatus("missing")).rejects.toBeInstanceOf(BerthError);
    expect(metrics.runtimeOperations.value("version")).toBe(1);
    expect(metrics.runtimeOperations.value("list_containers")).toBe(1);
    expect(metrics.runtimeOperations.value("list_podsandbox")).toBe(1);
    expect(metrics.runtimeOperations.value("container_status")).toBe(1);
    expect(metrics.runtimeOperationsErrors.value("container_status")).toBe(1);
    expect(metrics.runtimeOperationsErrors.value("version")).toBe(0);
    const text = metrics.render();
    expect(text).toMatch(
      /^kubelet_runtime_operations_duration_seconds_sum\{operation_type="version"\} 0\.3$/m,
    );
    expect(text).toMatch(
      /^kubelet_runtime_operations_duration_seconds_bucket\{operation_type="version",le="0\.1953125"\} 0$/m,
    );
    expect(text).toMatch(
      /^kubelet_runtime_operations_duration_seconds_bucket\{operation_type="version",le="0\.48828125"\} 1$/m,
    );
  });

  it("records RunPodSandbox by runtime handler too, and passes errors through unchanged", async () => {
    const clock = new ManualClock(0);
    const metrics = new KubeletMetrics();
    const fake = new FakeRuntime({ clock });
    const failing = withMethods(fake, {
      runPodSandbox: () => Promise.reject(new BerthError(ErrorCode.RuntimeUnavailable, "down")),
    });
    const runtime = instrumentRuntime(failing, metrics, clock);
    const config = {
      metadata: { name: "p", namespace: "ns", uid: "u", attempt: 0 },
      runtimeHandler: "kata",
    } as Parameters<typeof runtime.runPodSandbox>[0];
    await expect(runtime.runPodSandbox(config)).rejects.toMatchObject({ code: ErrorCode.RuntimeUnavailable });
    expect(metrics.runtimeOperationsErrors.value("run_podsandbox")).toBe(1);
    expect(metrics.runPodSandboxErrors.value("kata")).toBe(1);
    expect(metrics.runPodSandboxDuration.count("kata")).toBe(1);
  });
});
