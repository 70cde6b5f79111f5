/**
 * The node's heartbeat Lease (kubelet: pkg/kubelet/nodelease and component-helpers' lease
 * controller): coordination.k8s.io/v1 in kube-node-lease, named after the node, held by it, owned by
 * the Node object. Renewal updates the cached copy (one PUT); a conflict or a missing lease
 * falls back to a fresh read or a create.
 */
import type { ILease } from "kubernetes-models/coordination.k8s.io/v1";
import { resourcePath, type ApiClient } from "../../api/index.js";
import type { Clock } from "../../common/clock.js";
import { isAlreadyExists, isConflict, isNotFound } from "../../common/errors.js";
import { NODE_LEASE_NAMESPACE } from "./constants.js";
import { microTime } from "./micro-time.js";

const LEASE_GROUP = { group: "coordination.k8s.io", version: "v1", resource: "leases" } as const;

export class NodeLease {
  #cached: ILease | undefined;

  constructor(
    private readonly client: ApiClient,
    private readonly nodeName: string,
    private readonly durationSeconds: number,
    private readonly clock: Clock,
  ) {}

  #path(name?: string): string {
    return resourcePath({ ...LEASE_GROUP, namespace: NODE_LEASE_NAMESPACE, ...(name ? { name } : {}) });
  }

  #desired(base: ILease | undefined, nodeUid: string): ILease {
    return {
      ...(base ?? {}),
      apiVersion: "coordination.k8s.io/v1",
      kind: "Lease",
      metadata: {
        ...(base?.metadata ?? {}),
        name: this.nodeName,
        namespace: NODE_LEASE_NAMESPACE,
        ownerReferences: [{ apiVersion: "v1", kind: "Node", name: this.nodeName, uid: nodeUid }],
      },
      spec: {
        ...(base?.spec ?? {}),
        holderIdentity: this.nodeName,
        leaseDurationSeconds: this.durationSeconds,
        renewTime: microTime(this.clock.nowNanos()),
      },
    };
  }

  /** Renews (creating the lease when missing); throws the API error when the server refuses. */
  async renew(nodeUid: string, signal?: AbortSignal): Promise<ILease> {
    const opts = signal ? { signal } : {};
    if (this.#cached !== undefined) {
      try {
        this.#cached = await this.client.update(
          this.#path(this.nodeName),
          this.#desired(this.#cached, nodeUid),
          opts,
        );
        return this.#cached;
      } catch (err) {
        this.#cached = undefined;
        if (!isConflict(err) && !isNotFound(err)) throw err;
      }
    }
    let current: ILease | undefined;
    try {
      current = await this.client.get<ILease>(this.#path(this.nodeName), opts);
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    if (current === undefined) {
      try {
        this.#cached = await this.client.create(this.#path(), this.#desired(undefined, nodeUid), opts);
        return this.#cached;
      } catch (err) {
        if (!isAlreadyExists(err)) throw err;
        current = await this.client.get<ILease>(this.#path(this.nodeName), opts);
      }
    }
    this.#cached = await this.client.update(this.#path(this.nodeName), this.#desired(current, nodeUid), opts);
    return this.#cached;
  }
}
