/**
 * Writes a pod's status to pods/status only when it changed (kubelet: status manager). The
 * agent owns phase, its conditions, container statuses, IPs and startTime; conditions it does not
 * produce (PodScheduled, readiness gates' conditions) are kept as the server has them.
 */
import type { IPod, IPodCondition, IPodStatus } from "kubernetes-models/v1";
import type { ApiClient } from "../../../api/index.js";
import { resourcePath } from "../../../api/index.js";
import { FIELD_MANAGER } from "../constants.js";
import { writtenByAgent } from "./conditions.js";

export type StatusClient = Pick<ApiClient, "patch">;

/** The computed status with every condition of the current one that it does not itself set. */
export function withForeignConditions(current: IPodStatus | undefined, computed: IPodStatus): IPodStatus {
  const own = new Set((computed.conditions ?? []).map((c) => c.type));
  const foreign: IPodCondition[] = (current?.conditions ?? []).filter((c) => !own.has(c.type));
  if (foreign.length === 0) return computed;
  return { ...computed, conditions: [...(computed.conditions ?? []), ...foreign] };
}

export class PodStatusWriter {
  readonly #client: StatusClient;

  constructor(client: StatusClient) {
    this.#client = client;
  }

  /**
   * Patches pods/status with a strategic merge patch: conditions merge by type and only the
   * agent's own are sent, so a condition another writer set meanwhile (a readiness gate's) is never
   * overwritten or lost, even when the agent's copy of the pod predates it; the address lists are
   * replaced whole; every other field the status has is set as computed.
   */
  async write(pod: IPod, status: IPodStatus): Promise<IPod> {
    const path = resourcePath({
      resource: "pods",
      namespace: pod.metadata?.namespace ?? "default",
      name: pod.metadata?.name ?? "",
      subresource: "status",
    });
    // The uid guards against writing into a pod recreated under the same name.
    const patch = { metadata: { uid: pod.metadata?.uid }, status: statusPatch(status) };
    return this.#client.patch<IPod>(path, patch, "strategic", { fieldManager: FIELD_MANAGER });
  }
}

const REPLACE_LIST = { $patch: "replace" } as const;

function statusPatch(status: IPodStatus): Record<string, unknown> {
  const patch: Record<string, unknown> = { ...status };
  if (status.conditions !== undefined) {
    patch["conditions"] = status.conditions.filter(writtenByAgent);
  }
  for (const key of ["podIPs", "hostIPs"] as const) {
    const list = status[key];
    if (list !== undefined) patch[key] = [...list, REPLACE_LIST];
  }
  return patch;
}
