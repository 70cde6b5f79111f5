/**
 * The pods bound to this node (kubelet: the API pod source): a Reflector on
 * /api/v1/pods?fieldSelector=spec.nodeName=NODE over all namespaces, indexed by uid. It resumes
 * and re-lists on its own (see Reflector); every add, update and delete wakes that pod's worker.
 * Mirror pods (kubernetes.io/config.mirror) are kept apart by full name: they stand for static
 * pods and are never run themselves.
 */
import type { IPod } from "kubernetes-models/v1";
import { Reflector, type ApiClient, type KubeObject } from "../../../api/index.js";
import type { Clock, Logger } from "../../../common/index.js";
import type { PodSourceMetrics } from "../../metrics/index.js";

/** IPod as the reflector stores it. */
type PodObject = IPod & KubeObject;

export interface PodSourceOptions {
  readonly client: Pick<ApiClient, "list" | "watch">;
  readonly nodeName: string;
  readonly clock: Clock;
  readonly log: Logger;
  /** Called with the uid of every pod that was added, changed or deleted. */
  readonly onChange: (uid: string) => void;
  /** Called with "namespace/name" of every mirror pod that was added, changed or deleted. */
  readonly onMirrorChange?: (fullName: string) => void;
  /** Hears of every pod the watch delivers, status-only updates too (pod_start_sli_duration_seconds). */
  readonly metrics?: PodSourceMetrics;
}

/** kubelet: kubetypes.ConfigMirrorAnnotationKey; a pod with it mirrors a static pod and is not run. */
const ANNOTATION_CONFIG_MIRROR = "kubernetes.io/config.mirror";

function isMirror(pod: IPod): boolean {
  return pod.metadata?.annotations?.[ANNOTATION_CONFIG_MIRROR] !== undefined;
}

function fullNameOf(pod: IPod): string {
  return `${pod.metadata?.namespace ?? "default"}/${pod.metadata?.name ?? ""}`;
}

/** What the agent acts on: the spec, the deletion, and labels and annotations. */
function desiredState(pod: IPod): string {
  const m = pod.metadata ?? {};
  return JSON.stringify([
    pod.spec,
    m.deletionTimestamp,
    m.deletionGracePeriodSeconds,
    m.labels,
    m.annotations,
  ]);
}

function desiredChanged(old: IPod, pod: IPod): boolean {
  return desiredState(old) !== desiredState(pod);
}

/**
 * The conditions the pod's readiness gates name, as another writer sets them through pods/status
 * (kubelet: NeedToReconcilePodReadiness): a change there must flip Ready now, not at the resync.
 */
function gateConditions(pod: IPod): string {
  const gates = new Set((pod.spec?.readinessGates ?? []).map((g) => g.conditionType));
  if (gates.size === 0) return "";
  const conditions = (pod.status?.conditions ?? []).filter((c) => gates.has(c.type));
  return JSON.stringify(conditions.map((c) => [c.type, c.status]).sort());
}

export class PodSource {
  readonly #reflector: Reflector<PodObject>;
  readonly #byUid = new Map<string, IPod>();
  /** Mirror pods by "namespace/name" (kubelet: the pod manager's mirror pod map). */
  readonly #mirrors = new Map<string, IPod>();

  constructor(options: PodSourceOptions) {
    const mirrorChanged = (pod: IPod, gone: boolean): void => {
      const name = fullNameOf(pod);
      if (gone) {
        if (this.#mirrors.get(name)?.metadata?.uid === pod.metadata?.uid) this.#mirrors.delete(name);
      } else this.#mirrors.set(name, pod);
      options.onMirrorChange?.(name);
    };
    const observed = (pod: IPod): void => options.metrics?.podObserved(pod, options.clock.now());
    const track = (pod: IPod): void => {
      if (isMirror(pod)) return mirrorChanged(pod, false);
      const uid = pod.metadata?.uid;
      if (!uid) return;
      this.#byUid.set(uid, pod);
      observed(pod);
      options.onChange(uid);
    };
    const forget = (pod: IPod): void => {
      if (isMirror(pod)) return mirrorChanged(pod, true);
      const uid = pod.metadata?.uid;
      if (!uid) return;
      this.#byUid.delete(uid);
      options.onChange(uid);
    };
    this.#reflector = new Reflector<PodObject>({
      client: options.client,
      path: "/api/v1/pods",
      fieldSelector: `spec.nodeName=${options.nodeName}`,
      clock: options.clock,
      log: options.log,
      handler: {
        onAdd: track,
        onUpdate: (old, pod) => {
          if (isMirror(old) || isMirror(pod)) {
            if (old.metadata?.uid !== pod.metadata?.uid || isMirror(old) !== isMirror(pod)) forget(old);
            return track(pod);
          }
          // A pod deleted and recreated under the same name while the watch was down.
          if (old.metadata?.uid !== pod.metadata?.uid) forget(old);
          else if (!desiredChanged(old, pod) && gateConditions(old) === gateConditions(pod)) {
            // Only the status (the agent's own writes, mostly) or bookkeeping changed: keep the
            // newest object for the next sync without waking one now (kubelet: the pod config
            // source ignores status-only updates).
            const uid = pod.metadata?.uid;
            if (uid) this.#byUid.set(uid, pod);
            observed(pod);
            return;
          }
          track(pod);
        },
        onDelete: forget,
      },
    });
  }

  /** Resolves once the first list is in. */
  get ready(): Promise<void> {
    return this.#reflector.ready;
  }

  get(uid: string): IPod | undefined {
    return this.#byUid.get(uid);
  }

  has(uid: string): boolean {
    return this.#byUid.has(uid);
  }

  pods(): IPod[] {
    return [...this.#byUid.values()];
  }

  /** The mirror pod named "namespace/name", as last seen. */
  mirror(fullName: string): IPod | undefined {
    return this.#mirrors.get(fullName);
  }

  mirrors(): IPod[] {
    return [...this.#mirrors.values()];
  }

  start(signal: AbortSignal): void {
    this.#reflector.start(signal);
  }

  stop(): Promise<void> {
    return this.#reflector.stop();
  }
}
