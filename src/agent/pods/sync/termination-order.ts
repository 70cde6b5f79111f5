/**
 * The order a pod's containers stop in (kubelet: kuberuntime_termination_order.go): regular
 * containers (and init containers still running) all at once; then the sidecars, init containers
 * with restartPolicy Always, the last declared first, each once everything declared after it has
 * stopped, so that a sidecar outlives the containers it serves. A sidecar's grace is what is left
 * of the pod's after its wait, in whole seconds, and never under the kubelet's minimum.
 */
import type { IPod } from "kubernetes-models/v1";
import type { Clock } from "../../../common/index.js";
import type { ContainerStatus } from "../../../runtime/index.js";
import { isRestartableInitContainer } from "../../resources/index.js";
import { MINIMUM_GRACE_PERIOD_SECONDS } from "../constants.js";
import { containerName } from "./container-plan.js";

export interface StopInOrderOptions<T> {
  readonly pod: IPod;
  readonly targets: readonly T[];
  readonly graceSeconds: number;
  readonly clock: Clock;
  readonly statusOf: (target: T) => ContainerStatus;
  readonly stop: (target: T, graceSeconds: number) => Promise<void>;
}

export async function stopInTerminationOrder<T>(options: StopInOrderOptions<T>): Promise<void> {
  const { pod, targets, graceSeconds, clock, statusOf, stop } = options;
  const sidecarIndex = new Map<string, number>();
  (pod.spec?.initContainers ?? []).forEach((c, i) => {
    if (isRestartableInitContainer(c)) sidecarIndex.set(c.name, i);
  });
  const indexOf = (t: T): number | undefined => sidecarIndex.get(containerName(statusOf(t)));
  const started = clock.now();
  await Promise.all(targets.filter((t) => indexOf(t) === undefined).map((t) => stop(t, graceSeconds)));
  const sidecars = targets
    .filter((t) => indexOf(t) !== undefined)
    .sort((a, b) => (indexOf(b) ?? 0) - (indexOf(a) ?? 0));
  for (const sidecar of sidecars) {
    // kubelet: the time waited for its turn comes off the grace, truncated to whole seconds.
    const waited = Math.floor((clock.now() - started) / 1000);
    const left = graceSeconds === 0 ? 0 : Math.max(MINIMUM_GRACE_PERIOD_SECONDS, graceSeconds - waited);
    await stop(sidecar, left);
  }
}
