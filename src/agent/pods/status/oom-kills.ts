/**
 * OOMKilled where the runtime cannot say it: a container killed because its pod's cgroup, not its
 * own, reached the memory limit. The kubelet reports what the runtime says; berth goes further and
 * reads the pod cgroup's OOM count (agent/resources oom-count.ts).
 *
 * The count is read at the start of every sync, before the sync reads the runtime. A container the
 * sync first sees exited on SIGKILL (137) without the runtime's OOMKilled died after the read of
 * the sync before (it was seen running, or started, after it), so a count that moved since that
 * read means the pod cgroup overflowed in the window the container died in: it is reported
 * OOMKilled. A container the agent stopped itself, or one of a deleted pod, never is. The decision is kept per container
 * (an exited container never changes); after an agent restart, one already reported OOMKilled in
 * the pod's status stays so.
 */
import type { IContainerStatus, IPod } from "kubernetes-models/v1";
import type { Logger } from "../../../common/index.js";
import type { ContainerStatus } from "../../../runtime/index.js";
import type { RuntimePodView } from "./pod-status.js";
import { TERMINATED_OOM_KILLED } from "./containers.js";

/** The exit code of a process killed by SIGKILL, as the OOM killer does. */
export const EXIT_CODE_SIGKILL = 137;

/** Reads the pod cgroup's OOM count (PodCgroups.oomCount); undefined when it cannot. */
export type OomCounter = (pod: IPod) => Promise<number | undefined>;

/** Exited on SIGKILL without the runtime naming an OOM kill. */
export function unexplainedKill(container: ContainerStatus): boolean {
  return (
    container.state === "exited" &&
    container.exitCode === EXIT_CODE_SIGKILL &&
    container.reason !== TERMINATED_OOM_KILLED
  );
}

/** Whether the pod's status already reports this container's termination as OOMKilled. */
export function reportedOomKilled(pod: IPod, containerId: string): boolean {
  const statuses: IContainerStatus[] = [
    ...(pod.status?.initContainerStatuses ?? []),
    ...(pod.status?.containerStatuses ?? []),
  ];
  const suffix = `://${containerId}`;
  for (const s of statuses) {
    for (const terminated of [s.state?.terminated, s.lastState?.terminated]) {
      if (terminated?.containerID?.endsWith(suffix) === true) {
        return terminated.reason === TERMINATED_OOM_KILLED;
      }
    }
  }
  return false;
}

/** The count moved between the window's start and now (both known). */
export function countMoved(since: number | undefined, now: number | undefined): boolean {
  return since !== undefined && now !== undefined && now > since;
}

export class PodOomKills {
  readonly #count: OomCounter;
  readonly #log: Logger;
  /** The count read at the start of the latest sync, by pod uid. */
  readonly #latest = new Map<string, number>();
  /** The count read at the start of the sync before it: where the window of a death seen now starts. */
  readonly #windowStart = new Map<string, number>();
  /** Decisions by container id: killed by the pod cgroup's OOM killer or not. */
  readonly #decided = new Map<string, boolean>();

  constructor(count: OomCounter, log: Logger) {
    this.#count = count;
    this.#log = log;
  }

  /** Call at the start of a sync, before it reads the runtime. */
  async beginSync(pod: IPod): Promise<void> {
    const uid = pod.metadata?.uid ?? "";
    const now = await this.#read(pod);
    const latest = this.#latest.get(uid);
    if (latest === undefined) this.#windowStart.delete(uid);
    else this.#windowStart.set(uid, latest);
    if (now === undefined) this.#latest.delete(uid);
    else this.#latest.set(uid, now);
  }

  /** The agent stops this container itself: its SIGKILL is never an OOM kill. */
  stoppedByAgent(containerId: string): void {
    this.#decided.set(containerId, false);
  }

  /** The view with the reason OOMKilled on each container the pod cgroup's OOM killer took. */
  async attribute(pod: IPod, view: RuntimePodView): Promise<RuntimePodView> {
    const undecided = view.containers.filter((c) => unexplainedKill(c) && !this.#decided.has(c.id));
    if (undecided.length > 0) {
      const uid = pod.metadata?.uid ?? "";
      // A pod's first sync has no earlier read: its own start-of-sync read opens the window.
      const since = this.#windowStart.get(uid) ?? this.#latest.get(uid);
      // A deleted pod's containers die by the agent's stop: only what the status already said stands.
      const deleted = pod.metadata?.deletionTimestamp !== undefined;
      const moved = !deleted && countMoved(since, await this.#read(pod));
      for (const c of undecided) {
        const killed = moved || reportedOomKilled(pod, c.id);
        this.#decided.set(c.id, killed);
        if (moved) {
          this.#log.info(
            { pod: `${pod.metadata?.namespace ?? ""}/${pod.metadata?.name ?? ""}`, container: c.id },
            "container killed when its pod's cgroup reached the memory limit: reporting OOMKilled",
          );
        }
      }
    }
    if (!view.containers.some((c) => unexplainedKill(c) && this.#decided.get(c.id) === true)) return view;
    return {
      sandboxes: view.sandboxes,
      containers: view.containers.map((c) =>
        unexplainedKill(c) && this.#decided.get(c.id) === true ? { ...c, reason: TERMINATED_OOM_KILLED } : c,
      ),
    };
  }

  /** Forgets a pod that is gone. */
  forget(uid: string, containerIds: readonly string[]): void {
    this.#latest.delete(uid);
    this.#windowStart.delete(uid);
    for (const id of containerIds) this.#decided.delete(id);
  }

  async #read(pod: IPod): Promise<number | undefined> {
    try {
      return await this.#count(pod);
    } catch (err) {
      this.#log.debug({ pod: pod.metadata?.uid, err: String(err) }, "pod cgroup OOM count unreadable");
      return undefined;
    }
  }
}
