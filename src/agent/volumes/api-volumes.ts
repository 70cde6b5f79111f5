/**
 * The volumes whose content comes from the API (kubelet: the configmap, secret, downwardapi and
 * projected volume plugins): each is a directory under <podsDir>/<uid>/volumes/<plugin>/<name>,
 * filled by the atomic writer on every sync, so that a changed ConfigMap, Secret, label or
 * annotation reaches the running containers. Secrets and projected volumes live on a tmpfs and
 * never touch the disk; configMap and downwardAPI volumes are plain directories. Read-only for
 * containers; fsGroup ownership applies.
 */
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import type { IPod, IVolume } from "kubernetes-models/v1";
import type { Clock } from "../../common/index.js";
import { AtomicWriter, type Payload } from "./atomic-writer.js";
import type { Mounter } from "./mounter.js";
import { setVolumeOwnership, type FsGroupChangePolicy } from "./ownership.js";
import {
  configMapPayload,
  DEFAULT_VOLUME_FILE_MODE,
  downwardApiPayload,
  projectedPayload,
  secretPayload,
  type PayloadSources,
} from "./payloads.js";

/** kubelet: the plugin names, escaped ("kubernetes.io/configmap" -> "kubernetes.io~configmap"). */
export const CONFIG_MAP_PLUGIN = "kubernetes.io~configmap";
export const SECRET_PLUGIN = "kubernetes.io~secret";
export const DOWNWARD_API_PLUGIN = "kubernetes.io~downward-api";
export const PROJECTED_PLUGIN = "kubernetes.io~projected";

interface ApiVolumeKind {
  readonly plugin: string;
  /** kubelet: the wrapped emptyDir's medium is Memory. */
  readonly tmpfs: boolean;
  payload(volume: IVolume, pod: IPod, sources: PayloadSources): Promise<Payload>;
}

function kindOf(volume: IVolume): ApiVolumeKind | undefined {
  if (volume.configMap !== undefined) {
    const source = volume.configMap;
    return { plugin: CONFIG_MAP_PLUGIN, tmpfs: false, payload: (_v, _p, s) => configMapPayload(source, s) };
  }
  if (volume.secret !== undefined) {
    const source = volume.secret;
    return { plugin: SECRET_PLUGIN, tmpfs: true, payload: (_v, _p, s) => secretPayload(source, s) };
  }
  if (volume.downwardAPI !== undefined) {
    const { items, defaultMode } = volume.downwardAPI;
    return {
      plugin: DOWNWARD_API_PLUGIN,
      tmpfs: false,
      payload: async (_v, pod, s) =>
        downwardApiPayload(items, defaultMode ?? DEFAULT_VOLUME_FILE_MODE, pod, s),
    };
  }
  if (volume.projected !== undefined) {
    const source = volume.projected;
    return {
      plugin: PROJECTED_PLUGIN,
      tmpfs: true,
      payload: (_v, pod, s) => projectedPayload(source, pod, s),
    };
  }
  return undefined;
}

/** Whether the volume is one of the API-backed kinds. */
export function isApiVolume(volume: IVolume): boolean {
  return kindOf(volume) !== undefined;
}

/** The host directory of an API-backed volume; undefined for other kinds. */
export function apiVolumeDirectory(volume: IVolume, podDir: string): string | undefined {
  const kind = kindOf(volume);
  return kind === undefined ? undefined : join(podDir, "volumes", kind.plugin, volume.name);
}

export interface ApiVolumeOptions {
  readonly clock: Clock;
  readonly mounter: Mounter;
}

/**
 * Writes one API-backed volume of the pod into podDir and returns its host path. Throws the
 * plugin's error (MountError) when the content cannot be made.
 */
export async function setUpApiVolume(
  volume: IVolume,
  pod: IPod,
  podDir: string,
  sources: PayloadSources,
  options: ApiVolumeOptions,
): Promise<string> {
  const kind = kindOf(volume);
  if (kind === undefined) throw new TypeError(`volume ${volume.name} is not an API volume`);
  const payload = await kind.payload(volume, pod, sources);
  const dir = apiVolumeDirectory(volume, podDir) ?? "";
  await mkdir(dir, { recursive: true, mode: 0o750 });
  if (kind.tmpfs) await options.mounter.ensureTmpfs(dir);
  const fsGroup = pod.spec?.securityContext?.fsGroup;
  const policy = pod.spec?.securityContext?.fsGroupChangePolicy as FsGroupChangePolicy | undefined;
  const setPerms = fsGroup === undefined ? undefined : () => setVolumeOwnership(dir, fsGroup, true, policy);
  await new AtomicWriter(dir, { clock: options.clock }).write(payload, setPerms);
  return dir;
}
