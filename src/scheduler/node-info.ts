/**
 * NodeInfo (scheduler framework types.go): a node with the pods the scheduler counts on it,
 * assumed ones included, and their sums: requested resources, the non-zero cpu and memory used
 * for scoring, host ports in use, and the images the node reports.
 */
import type { INode, ITaint } from "kubernetes-models/v1";
import { ANY_HOST_IP, type HostPort, type PodInfo } from "./pod-info.js";
import { addResources, CPU, MEMORY, nodeAllocatable, type Resources } from "./resources.js";

export class NodeInfo {
  #node: INode | undefined;
  #allocatable: Resources = {};
  readonly pods = new Map<string, PodInfo>();
  readonly requested: Resources = {};
  nonZeroCpu = 0;
  nonZeroMemory = 0;
  /** Pods with required or preferred (anti-)affinity terms, for InterPodAffinity. */
  podsWithAffinity = 0;
  podsWithRequiredAntiAffinity = 0;
  /** Image name -> size in bytes, from node.status.images. */
  images = new Map<string, number>();

  constructor(readonly name: string) {}

  get node(): INode | undefined {
    return this.#node;
  }

  set node(node: INode | undefined) {
    this.#node = node;
    this.#allocatable = node === undefined ? {} : nodeAllocatable(node);
    this.images = new Map();
    for (const image of node?.status?.images ?? []) {
      for (const name of image.names ?? []) this.images.set(name, image.sizeBytes ?? 0);
    }
  }

  get allocatable(): Readonly<Resources> {
    return this.#allocatable;
  }

  get labels(): Readonly<Record<string, string>> {
    return this.#node?.metadata?.labels ?? {};
  }

  get taints(): readonly ITaint[] {
    return this.#node?.spec?.taints ?? [];
  }

  addPod(info: PodInfo): void {
    if (this.pods.has(info.key)) this.removePod(info.key);
    this.pods.set(info.key, info);
    this.#account(info, 1);
  }

  removePod(key: string): PodInfo | undefined {
    const info = this.pods.get(key);
    if (info === undefined) return undefined;
    this.pods.delete(key);
    this.#account(info, -1);
    return info;
  }

  #account(info: PodInfo, sign: 1 | -1): void {
    addResources(this.requested, info.requests, sign);
    this.nonZeroCpu += sign * info.nonZeroCpu;
    this.nonZeroMemory += sign * info.nonZeroMemory;
    if (
      info.requiredAffinity.length +
        info.requiredAntiAffinity.length +
        info.preferredAffinity.length +
        info.preferredAntiAffinity.length >
      0
    ) {
      this.podsWithAffinity += sign;
    }
    if (info.requiredAntiAffinity.length > 0) this.podsWithRequiredAntiAffinity += sign;
  }

  /** HostPortInfo.CheckConflict: 0.0.0.0 conflicts with every address of the same protocol and port. */
  portConflicts(wanted: HostPort): boolean {
    for (const info of this.pods.values()) {
      for (const used of info.hostPorts) {
        if (used.port !== wanted.port || used.protocol !== wanted.protocol) continue;
        if (used.ip === wanted.ip || used.ip === ANY_HOST_IP || wanted.ip === ANY_HOST_IP) return true;
      }
    }
    return false;
  }

  /** Requested plus the non-zero scoring figures, for the resource scorers. */
  nonZeroRequested(resource: string): number {
    if (resource === CPU) return this.nonZeroCpu;
    if (resource === MEMORY) return this.nonZeroMemory;
    return this.requested[resource] ?? 0;
  }
}
