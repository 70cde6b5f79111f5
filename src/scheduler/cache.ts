/**
 * The scheduler's cache (scheduler/backend/cache): nodes and the pods counted on them. A pod
 * the scheduler has chosen a node for is assumed at once, so that the next pod's cycle already
 * counts it, and stays assumed until the informer shows it bound (confirmed) or its binding fails
 * (forgotten). Pods that finished (Succeeded, Failed) count nowhere.
 */
import type { INode, IPod } from "kubernetes-models/v1";
import { NodeInfo } from "./node-info.js";
import { podInfo, podKey, type PodInfo } from "./pod-info.js";

interface PodState {
  readonly info: PodInfo;
  readonly nodeName: string;
  readonly assumed: boolean;
}

export function isTerminal(pod: IPod): boolean {
  const phase = pod.status?.phase;
  return phase === "Succeeded" || phase === "Failed";
}

export class SchedulerCache {
  readonly #nodes = new Map<string, NodeInfo>();
  readonly #pods = new Map<string, PodState>();

  /** NodeInfos of the nodes that exist, in name order (a stable order for ties and tests). */
  nodeInfos(): NodeInfo[] {
    return [...this.#nodes.values()]
      .filter((n) => n.node !== undefined)
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  nodeInfo(name: string): NodeInfo | undefined {
    const info = this.#nodes.get(name);
    return info?.node === undefined ? undefined : info;
  }

  get nodeCount(): number {
    return this.nodeInfos().length;
  }

  #infoFor(name: string): NodeInfo {
    let info = this.#nodes.get(name);
    if (info === undefined) {
      info = new NodeInfo(name);
      this.#nodes.set(name, info);
    }
    return info;
  }

  setNode(node: INode): void {
    const name = node.metadata?.name;
    if (name) this.#infoFor(name).node = node;
  }

  removeNode(node: INode): void {
    const name = node.metadata?.name ?? "";
    const info = this.#nodes.get(name);
    if (info === undefined) return;
    // Pods still bound to a deleted node stay counted until they go (the cache keeps a ghost).
    if (info.pods.size === 0) this.#nodes.delete(name);
    else info.node = undefined;
  }

  isAssumed(pod: IPod): boolean {
    return this.#pods.get(podKey(pod))?.assumed === true;
  }

  /** Counts the pod on `nodeName` before the binding is written (AssumePod). */
  assume(pod: IPod, nodeName: string): void {
    const bound: IPod = { ...pod, spec: { ...pod.spec, containers: pod.spec?.containers ?? [], nodeName } };
    this.#place(podInfo(bound), nodeName, true);
  }

  /** The binding failed: uncount the assumed pod (ForgetPod). */
  forget(pod: IPod): void {
    const state = this.#pods.get(podKey(pod));
    if (state?.assumed) this.#unplace(podKey(pod));
  }

  /** An informer add or update of a pod with spec.nodeName: counts it (confirming an assumed one). */
  setPod(pod: IPod): void {
    const nodeName = pod.spec?.nodeName;
    if (!nodeName || isTerminal(pod)) {
      this.removePod(pod);
      return;
    }
    this.#place(podInfo(pod), nodeName, false);
  }

  removePod(pod: IPod): void {
    this.#unplace(podKey(pod));
  }

  #place(info: PodInfo, nodeName: string, assumed: boolean): void {
    this.#unplace(info.key);
    this.#infoFor(nodeName).addPod(info);
    this.#pods.set(info.key, { info, nodeName, assumed });
  }

  #unplace(key: string): void {
    const state = this.#pods.get(key);
    if (state === undefined) return;
    this.#pods.delete(key);
    const node = this.#nodes.get(state.nodeName);
    node?.removePod(key);
    if (node !== undefined && node.node === undefined && node.pods.size === 0) {
      this.#nodes.delete(state.nodeName);
    }
  }
}
