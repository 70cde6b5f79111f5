/**
 * What a configMap, secret, downwardAPI or projected volume shows: relative path -> file (kubelet:
 * configmap.MakePayload, secret.MakePayload, downwardapi.CollectData, projected collectData). Pure:
 * the objects and the downward API values come from the caller.
 */
import type {
  IConfigMapVolumeSource,
  IDownwardAPIVolumeFile,
  IKeyToPath,
  IPod,
  IProjectedVolumeSource,
  ISecretVolumeSource,
} from "kubernetes-models/v1";
import type { FileProjection, Payload } from "./atomic-writer.js";
import { MountError } from "./errors.js";

/** core/v1: ConfigMapVolumeSourceDefaultMode, SecretVolumeSourceDefaultMode, DownwardAPIVolumeSourceDefaultMode, ProjectedVolumeSourceDefaultMode. */
export const DEFAULT_VOLUME_FILE_MODE = 0o644;

/** A ConfigMap's or Secret's content, decoded: text keys and binary keys. */
export interface DataObject {
  readonly data: Readonly<Record<string, Buffer>>;
}

/** Reads the pod's ConfigMaps and Secrets (undefined: not found) and the downward API. */
export interface PayloadSources {
  configMap(name: string): Promise<DataObject | undefined>;
  secret(name: string): Promise<DataObject | undefined>;
  /** The value of a downwardAPI item (fieldRef or resourceFieldRef); throws MountError on a bad one. */
  downward(item: IDownwardAPIVolumeFile, pod: IPod): string;
}

type Kind = "configmap" | "secret";

/** kubelet: the NotFound the watch-based object manager returns ("configmap \"c\" not found"). */
export function notFoundMessage(kind: Kind, name: string): string {
  return `${kind} "${name}" not found`;
}

function missingKeyMessage(kind: Kind, key: string): string {
  return kind === "configmap"
    ? `configmap references non-existent config key: ${key}`
    : `references non-existent secret key: ${key}`;
}

/** Items of a configMap or secret source (kubelet: MakePayload); no items means every key under its own name. */
export function keyToPathPayload(
  kind: Kind,
  items: readonly IKeyToPath[] | undefined,
  object: DataObject,
  defaultMode: number,
  optional: boolean,
): Map<string, FileProjection> {
  const payload = new Map<string, FileProjection>();
  if (items === undefined || items.length === 0) {
    for (const [key, data] of Object.entries(object.data)) payload.set(key, { data, mode: defaultMode });
    return payload;
  }
  for (const item of items) {
    const data = object.data[item.key];
    if (data === undefined) {
      if (optional) continue;
      throw new MountError(missingKeyMessage(kind, item.key));
    }
    payload.set(item.path || item.key, { data, mode: item.mode ?? defaultMode });
  }
  return payload;
}

/** A configMap or secret source: the object, or an empty one when it is optional and missing. */
async function objectPayload(
  kind: Kind,
  name: string,
  items: readonly IKeyToPath[] | undefined,
  optional: boolean,
  defaultMode: number,
  sources: PayloadSources,
): Promise<Map<string, FileProjection>> {
  const object = kind === "configmap" ? await sources.configMap(name) : await sources.secret(name);
  if (object === undefined) {
    if (optional) return new Map();
    throw new MountError(notFoundMessage(kind, name));
  }
  return keyToPathPayload(kind, items, object, defaultMode, optional);
}

export function configMapPayload(
  source: IConfigMapVolumeSource,
  sources: PayloadSources,
): Promise<Map<string, FileProjection>> {
  const mode = source.defaultMode ?? DEFAULT_VOLUME_FILE_MODE;
  return objectPayload("configmap", source.name ?? "", source.items, source.optional === true, mode, sources);
}

export function secretPayload(
  source: ISecretVolumeSource,
  sources: PayloadSources,
): Promise<Map<string, FileProjection>> {
  const mode = source.defaultMode ?? DEFAULT_VOLUME_FILE_MODE;
  const name = source.secretName ?? "";
  return objectPayload("secret", name, source.items, source.optional === true, mode, sources);
}

/** kubelet: downwardapi.CollectData; every failing item is reported, joined as an aggregate. */
export function downwardApiPayload(
  items: readonly IDownwardAPIVolumeFile[] | undefined,
  defaultMode: number,
  pod: IPod,
  sources: PayloadSources,
): Map<string, FileProjection> {
  const payload = new Map<string, FileProjection>();
  const errors: string[] = [];
  for (const item of items ?? []) {
    try {
      const value = sources.downward(item, pod);
      payload.set(item.path, { data: Buffer.from(value), mode: item.mode ?? defaultMode });
    } catch (err) {
      errors.push(err instanceof Error ? err.message : String(err));
    }
  }
  if (errors.length > 0) throw new MountError(aggregate(errors));
  return payload;
}

/** k8s.io/apimachinery utilerrors.Aggregate's message. */
export function aggregate(messages: readonly string[]): string {
  return messages.length === 1 ? (messages[0] ?? "") : `[${messages.join(", ")}]`;
}

/** kubelet: projected collectData; sources merge in order, each failing source is reported. */
export async function projectedPayload(
  source: IProjectedVolumeSource,
  pod: IPod,
  sources: PayloadSources,
): Promise<Payload> {
  const defaultMode = source.defaultMode ?? DEFAULT_VOLUME_FILE_MODE;
  const payload = new Map<string, FileProjection>();
  const errors: string[] = [];
  const merge = async (part: () => Promise<Map<string, FileProjection>> | Map<string, FileProjection>) => {
    try {
      for (const [path, file] of await part()) payload.set(path, file);
    } catch (err) {
      errors.push(err instanceof Error ? err.message : String(err));
    }
  };
  for (const s of source.sources ?? []) {
    if (s.configMap !== undefined) {
      const { name = "", items, optional } = s.configMap;
      await merge(() => objectPayload("configmap", name, items, optional === true, defaultMode, sources));
    } else if (s.secret !== undefined) {
      const { name = "", items, optional } = s.secret;
      await merge(() => objectPayload("secret", name, items, optional === true, defaultMode, sources));
    } else if (s.downwardAPI !== undefined) {
      const items = s.downwardAPI.items;
      await merge(() => downwardApiPayload(items, defaultMode, pod, sources));
    } else if (s.serviceAccountToken !== undefined) {
      errors.push(
        `serviceAccountToken projection of ${s.serviceAccountToken.path} is not supported: the API server issues no tokens`,
      );
    } else {
      errors.push("unknown projected volume source");
    }
  }
  if (errors.length > 0) throw new MountError(aggregate(errors));
  return payload;
}
