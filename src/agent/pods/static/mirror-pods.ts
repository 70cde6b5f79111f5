/**
 * Mirror pods: the API server's view of the node's static pods (kubelet: pkg/kubelet/pod
 * mirror_client.go). A mirror pod is the static pod with kubernetes.io/config.mirror set to its
 * config.hash and the Node as its owner; the agent creates it, deletes and recreates it when it is
 * being deleted or belongs to an older manifest, and deletes mirrors whose static pod is gone.
 * Deletes carry the mirror's uid as a precondition and no grace period.
 */
import type { IPod } from "kubernetes-models/v1";
import { resourcePath, type ApiClient } from "../../../api/index.js";
import { errorMessage, isAlreadyExists, isConflict, isNotFound, type Logger } from "../../../common/index.js";
import { ANNOTATION_CONFIG_HASH, ANNOTATION_CONFIG_MIRROR, isMirrorPodOf } from "./static-pod.js";

export interface MirrorPodsOptions {
  readonly client: Pick<ApiClient, "get" | "create" | "delete">;
  readonly nodeName: string;
  readonly log: Logger;
}

/** The mirror pod of a static pod, as it is created (kubelet: CreateMirrorPod). */
export function mirrorPodOf(pod: IPod, nodeName: string, nodeUid: string): IPod {
  const meta = pod.metadata ?? {};
  const annotations = {
    ...meta.annotations,
    [ANNOTATION_CONFIG_MIRROR]: meta.annotations?.[ANNOTATION_CONFIG_HASH] ?? "",
  };
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name: meta.name ?? "",
      namespace: meta.namespace ?? "default",
      ...(meta.labels === undefined ? {} : { labels: meta.labels }),
      annotations,
      ownerReferences: [{ apiVersion: "v1", kind: "Node", name: nodeName, uid: nodeUid, controller: true }],
    },
    ...(pod.spec === undefined ? {} : { spec: pod.spec }),
  };
}

export class MirrorPods {
  readonly #o: MirrorPodsOptions;
  #nodeUid: string | undefined;

  constructor(options: MirrorPodsOptions) {
    this.#o = options;
  }

  /**
   * Makes the API hold the right mirror for the static pod, given the mirror the watch shows
   * (kubelet: syncPod's mirror handling). Throws when the API cannot be reached.
   */
  async sync(pod: IPod, mirror: IPod | undefined): Promise<void> {
    if (mirror !== undefined && (mirror.metadata?.deletionTimestamp || !isMirrorPodOf(mirror, pod))) {
      this.#o.log.info({ pod: pod.metadata?.name, mirror: mirror.metadata?.uid }, "deleting mirror pod");
      await this.delete(mirror);
      mirror = undefined;
    }
    if (mirror !== undefined) return;
    const nodeUid = await this.#nodeUidOf();
    try {
      await this.#o.client.create(
        resourcePath({ resource: "pods", namespace: pod.metadata?.namespace ?? "default" }),
        mirrorPodOf(pod, this.#o.nodeName, nodeUid),
      );
      this.#o.log.info({ pod: pod.metadata?.name }, "mirror pod created");
    } catch (err) {
      // A mirror the watch has not delivered yet; the next sync compares it.
      if (!isAlreadyExists(err)) throw err;
    }
  }

  /** Deletes a mirror pod at once (kubelet: DeleteMirrorPod); one already gone or replaced is fine. */
  async delete(mirror: IPod): Promise<void> {
    try {
      await this.#o.client.delete(
        resourcePath({
          resource: "pods",
          namespace: mirror.metadata?.namespace ?? "default",
          name: mirror.metadata?.name ?? "",
        }),
        { gracePeriodSeconds: 0, preconditions: { uid: mirror.metadata?.uid ?? "" } },
      );
    } catch (err) {
      if (isNotFound(err) || isConflict(err)) return;
      this.#o.log.info({ mirror: mirror.metadata?.name, err: errorMessage(err) }, "mirror pod not deleted");
      throw err;
    }
  }

  async #nodeUidOf(): Promise<string> {
    if (this.#nodeUid === undefined) {
      const node = await this.#o.client.get<{ metadata?: { uid?: string } }>(
        resourcePath({ resource: "nodes", name: this.#o.nodeName }),
      );
      this.#nodeUid = node.metadata?.uid ?? "";
    }
    return this.#nodeUid;
  }
}
