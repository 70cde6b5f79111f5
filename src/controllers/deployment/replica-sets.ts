/**
 * The ReplicaSets of one Deployment as a sync sees them (sync.go getAllReplicaSetsAndSyncRevision,
 * scaleReplicaSet, cleanupDeployment): finding or creating the new one, writing sizes and
 * annotations, deleting old ones beyond revisionHistoryLimit.
 */
import { resourcePath, type ApiClient } from "../../api/index.js";
import { isAlreadyExists, isNotFound } from "../../common/errors.js";
import type { EventRecorder } from "../../agent/events/index.js";
import { newControllerRef, timeOf, type Deployment, type ReplicaSet } from "../util/index.js";
import {
  DESIRED_REPLICAS_ANNOTATION,
  MAX_REPLICAS_ANNOTATION,
  POD_TEMPLATE_HASH_LABEL,
  REVISION_ANNOTATION,
  copiedAnnotations,
  revisionOf,
} from "./annotations.js";
import { PROGRESSING, Reason, newCondition, setCondition } from "./conditions.js";
import { desiredReplicas, maxSurge, newRSNewReplicas, specReplicas } from "./replicas.js";
import { computeHash, equalIgnoringHash } from "./template-hash.js";

export type Client = Pick<ApiClient, "create" | "delete" | "update" | "get" | "patch">;

export function rsPath(rs: ReplicaSet): string {
  return resourcePath({
    group: "apps",
    resource: "replicasets",
    namespace: rs.metadata.namespace ?? "",
    name: rs.metadata.name ?? "",
  });
}

export function involved(d: Deployment) {
  return {
    kind: "Deployment",
    apiVersion: "apps/v1",
    name: d.metadata.name ?? "",
    namespace: d.metadata.namespace ?? "",
    uid: d.metadata.uid ?? "",
  };
}

/** Oldest first, then by name (controller.ReplicaSetsByCreationTimestamp). */
export function byCreation(a: ReplicaSet, b: ReplicaSet): number {
  const d = timeOf(a.metadata.creationTimestamp) - timeOf(b.metadata.creationTimestamp);
  return d !== 0 ? d : (a.metadata.name ?? "").localeCompare(b.metadata.name ?? "");
}

/** FindNewReplicaSet: the oldest ReplicaSet whose template is the Deployment's. */
export function findNewReplicaSet(d: Deployment, rss: readonly ReplicaSet[]): ReplicaSet | undefined {
  return [...rss]
    .sort(byCreation)
    .find((rs) => equalIgnoringHash(rs.spec?.template, d.spec?.template, POD_TEMPLATE_HASH_LABEL));
}

/** Writes a ReplicaSet's size and replica annotations; an event when the size changed. */
export async function scaleReplicaSet(
  client: Client,
  recorder: EventRecorder,
  d: Deployment,
  rs: ReplicaSet,
  size: number,
): Promise<ReplicaSet> {
  const from = specReplicas(rs);
  const desired = String(desiredReplicas(d));
  const max = String(desiredReplicas(d) + maxSurge(d));
  const ann = rs.metadata.annotations ?? {};
  if (from === size && ann[DESIRED_REPLICAS_ANNOTATION] === desired && ann[MAX_REPLICAS_ANNOTATION] === max)
    return rs;
  const next: ReplicaSet = structuredClone(rs);
  next.spec = { ...next.spec, replicas: size } as NonNullable<ReplicaSet["spec"]>;
  next.metadata.annotations = {
    ...ann,
    [DESIRED_REPLICAS_ANNOTATION]: desired,
    [MAX_REPLICAS_ANNOTATION]: max,
  };
  const updated = await client.update<ReplicaSet>(rsPath(rs), next);
  if (from !== size) {
    const op = size > from ? "up" : "down";
    recorder.event(
      involved(d),
      "Normal",
      "ScalingReplicaSet",
      `Scaled ${op} replica set ${rs.metadata.name ?? ""} from ${from} to ${size}`,
    );
  }
  return updated;
}

export interface ReplicaSetsOfDeployment {
  readonly newRS: ReplicaSet | undefined;
  readonly oldRSs: ReplicaSet[];
  /** The Deployment with its revision annotation and Progressing condition brought up to date. */
  readonly deployment: Deployment;
}

/**
 * getAllReplicaSetsAndSyncRevision: splits the owned ReplicaSets into the new one and the old ones,
 * gives the new one the next revision, and creates it when asked and missing.
 */
export async function replicaSetsAndRevision(
  client: Client,
  recorder: EventRecorder,
  d: Deployment,
  owned: readonly ReplicaSet[],
  create: boolean,
  now: number,
): Promise<ReplicaSetsOfDeployment> {
  const existing = findNewReplicaSet(d, owned);
  const oldRSs = owned.filter((rs) => rs !== existing);
  const maxOld = Math.max(0, ...oldRSs.map(revisionOf));
  const revision = String(maxOld + 1);
  let deployment = d;
  let newRS = existing;
  if (newRS !== undefined) {
    const ann = newRS.metadata.annotations ?? {};
    const wanted = {
      ...copiedAnnotations(d.metadata.annotations),
      [REVISION_ANNOTATION]:
        revisionOf(newRS) < maxOld + 1 ? revision : (ann[REVISION_ANNOTATION] ?? revision),
      [DESIRED_REPLICAS_ANNOTATION]: String(desiredReplicas(d)),
      [MAX_REPLICAS_ANNOTATION]: String(desiredReplicas(d) + maxSurge(d)),
    };
    const minReady = d.spec?.minReadySeconds ?? 0;
    const changed =
      Object.entries(wanted).some(([k, v]) => ann[k] !== v) ||
      (newRS.spec?.minReadySeconds ?? 0) !== minReady;
    if (changed) {
      const next = structuredClone(newRS);
      next.metadata.annotations = { ...ann, ...wanted };
      next.spec = { ...next.spec, minReadySeconds: minReady } as NonNullable<ReplicaSet["spec"]>;
      newRS = await client.update<ReplicaSet>(rsPath(newRS), next);
    }
    deployment = withRevision(d, newRS.metadata.annotations?.[REVISION_ANNOTATION] ?? revision);
    if (deployment.status !== undefined && !hasProgressing(deployment)) {
      const status = structuredClone(deployment.status);
      setCondition(
        status,
        newCondition(
          PROGRESSING,
          "True",
          Reason.FoundNewReplicaSet,
          `Found new replica set "${newRS.metadata.name ?? ""}"`,
          now,
        ),
      );
      deployment = { ...deployment, status };
    }
    return { newRS, oldRSs, deployment };
  }
  if (!create) return { newRS: undefined, oldRSs, deployment };
  newRS = await createNewReplicaSet(client, recorder, d, owned, revision, now);
  deployment = withRevision(d, revision);
  const status = structuredClone(d.status ?? {});
  setCondition(
    status,
    newCondition(
      PROGRESSING,
      "True",
      Reason.NewReplicaSet,
      `Created new replica set "${newRS.metadata.name ?? ""}"`,
      now,
    ),
  );
  deployment = { ...deployment, status };
  return { newRS, oldRSs, deployment };
}

function hasProgressing(d: Deployment): boolean {
  return (d.status?.conditions ?? []).some((c) => c.type === PROGRESSING);
}

function withRevision(d: Deployment, revision: string): Deployment {
  if (d.metadata.annotations?.[REVISION_ANNOTATION] === revision) return d;
  return {
    ...d,
    metadata: { ...d.metadata, annotations: { ...d.metadata.annotations, [REVISION_ANNOTATION]: revision } },
  };
}

async function createNewReplicaSet(
  client: Client,
  recorder: EventRecorder,
  d: Deployment,
  owned: readonly ReplicaSet[],
  revision: string,
  now: number,
): Promise<ReplicaSet> {
  void now;
  const template = structuredClone(d.spec?.template ?? {});
  const hash = computeHash(template, d.status?.collisionCount);
  template.metadata = {
    ...template.metadata,
    labels: { ...template.metadata?.labels, [POD_TEMPLATE_HASH_LABEL]: hash },
  };
  const selector = structuredClone(d.spec?.selector ?? {});
  selector.matchLabels = { ...selector.matchLabels, [POD_TEMPLATE_HASH_LABEL]: hash };
  const namespace = d.metadata.namespace ?? "";
  const name = `${d.metadata.name ?? ""}-${hash}`;
  const size = newRSNewReplicas(d, owned, undefined);
  const rs: ReplicaSet = {
    apiVersion: "apps/v1",
    kind: "ReplicaSet",
    metadata: {
      name,
      namespace,
      labels: { ...template.metadata.labels },
      annotations: {
        ...copiedAnnotations(d.metadata.annotations),
        [REVISION_ANNOTATION]: revision,
        [DESIRED_REPLICAS_ANNOTATION]: String(desiredReplicas(d)),
        [MAX_REPLICAS_ANNOTATION]: String(desiredReplicas(d) + maxSurge(d)),
      },
      ownerReferences: [newControllerRef(d, "apps/v1", "Deployment")],
    },
    spec: {
      replicas: 0,
      minReadySeconds: d.spec?.minReadySeconds ?? 0,
      selector,
      template,
    },
  };
  // created at 0, then scaled, so that the ScalingReplicaSet event says where it went
  rs.spec = { ...rs.spec, replicas: size } as NonNullable<ReplicaSet["spec"]>;
  try {
    const created = await client.create<ReplicaSet>(
      resourcePath({ group: "apps", resource: "replicasets", namespace }),
      rs,
    );
    if (size > 0) {
      recorder.event(
        involved(d),
        "Normal",
        "ScalingReplicaSet",
        `Scaled up replica set ${name} from 0 to ${size}`,
      );
    }
    return created;
  } catch (err) {
    if (!isAlreadyExists(err)) throw err;
    // a ReplicaSet of that name exists: ours from an earlier sync (informer behind), or a hash
    // collision, which bumps collisionCount so that the next sync picks another name
    const other = await client.get<ReplicaSet>(rsPath(rs));
    const ours = (other.metadata.ownerReferences ?? []).some((r) => r.uid === d.metadata.uid);
    if (ours && equalIgnoringHash(other.spec?.template, d.spec?.template, POD_TEMPLATE_HASH_LABEL))
      return other;
    const status = { ...(d.status ?? {}), collisionCount: (d.status?.collisionCount ?? 0) + 1 };
    await client.update(
      resourcePath({
        group: "apps",
        resource: "deployments",
        namespace,
        name: d.metadata.name ?? "",
        subresource: "status",
      }),
      { ...d, status },
    );
    throw err;
  }
}

/** cleanupDeployment: old, empty ReplicaSets beyond revisionHistoryLimit are deleted, oldest first. */
export async function cleanupOldReplicaSets(
  client: Client,
  d: Deployment,
  oldRSs: readonly ReplicaSet[],
): Promise<void> {
  const limit = d.spec?.revisionHistoryLimit;
  if (limit === undefined) return;
  const candidates = oldRSs.filter((rs) => rs.metadata.deletionTimestamp === undefined).sort(byCreation);
  let excess = candidates.length - limit;
  for (const rs of candidates) {
    if (excess <= 0) break;
    if (specReplicas(rs) !== 0 || (rs.status?.replicas ?? 0) !== 0) continue;
    try {
      await client.delete(rsPath(rs), { preconditions: { uid: rs.metadata.uid ?? "" } });
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    excess--;
  }
}
