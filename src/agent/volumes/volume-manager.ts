/**
 * The pod volumes of a node (kubelet: volumemanager, with the configmap and secret managers).
 * Each sync registers the ConfigMaps and Secrets the pod uses (volumes, env, envFrom) with the
 * watch-based caches and sets up every volume; setting up again is cheap and idempotent (the
 * atomic writer skips an unchanged payload), which is how updates reach running containers. A
 * volume that fails is reported by name with the plugin's message; the pod's containers wait
 * until every volume has been set up once. When a watched object appears or changes, the pods
 * that use it are told at once through `onPodChange`.
 */
import type { IDownwardAPIVolumeFile, IPod, IVolume } from "kubernetes-models/v1";
import type { ApiClient, KubeObject } from "../../api/index.js";
import { errorMessage, type Clock, type Logger } from "../../common/index.js";
import { apiVolumeDirectory, isApiVolume, setUpApiVolume } from "./api-volumes.js";
import { VolumeSetUpError } from "./errors.js";
import { hostMounter, type Mounter } from "./mounter.js";
import { ObjectCache } from "./object-cache.js";
import type { DataObject, PayloadSources } from "./payloads.js";
import { podDirectory } from "./pod-directory.js";
import { prepareLocalVolume } from "./pod-volumes.js";

interface ConfigMapObject extends KubeObject {
  data?: Record<string, string>;
  binaryData?: Record<string, string>;
}

interface SecretObject extends KubeObject {
  data?: Record<string, string>;
}

/** Reads a downwardAPI item of the pod (fieldRef, or resourceFieldRef naming its container). */
export type DownwardResolver = (item: IDownwardAPIVolumeFile, pod: IPod) => string;

export interface VolumeManagerOptions {
  readonly client: Pick<ApiClient, "list" | "watch">;
  /** root-dir/pods. */
  readonly podsDir: string;
  readonly clock: Clock;
  readonly log: Logger;
  readonly downward: DownwardResolver;
  /** Told the uid of every pod using a ConfigMap or Secret that appeared, changed or went. */
  readonly onPodChange?: (uid: string) => void;
  readonly mounter?: Mounter;
}

/** What setUp made: the host path of every volume it could set up, and the failures. */
export interface VolumeSetUp {
  readonly paths: ReadonlyMap<string, string>;
  readonly failures: readonly VolumeSetUpError[];
  /** Some volume has never been set up: the pod's containers must not start yet. */
  readonly blocked: boolean;
}

interface PodRefs {
  readonly namespace: string;
  readonly configMaps: ReadonlySet<string>;
  readonly secrets: ReadonlySet<string>;
}

/** The ConfigMaps and Secrets a pod uses, by volume, projection, env and envFrom. */
export function podObjectRefs(pod: IPod): { configMaps: Set<string>; secrets: Set<string> } {
  const configMaps = new Set<string>();
  const secrets = new Set<string>();
  const add = (set: Set<string>, name: string | undefined): void => {
    if (name) set.add(name);
  };
  for (const v of pod.spec?.volumes ?? []) {
    add(configMaps, v.configMap?.name);
    add(secrets, v.secret?.secretName);
    for (const s of v.projected?.sources ?? []) {
      add(configMaps, s.configMap?.name);
      add(secrets, s.secret?.name);
    }
  }
  for (const c of [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])]) {
    for (const e of c.env ?? []) {
      add(configMaps, e.valueFrom?.configMapKeyRef?.name);
      add(secrets, e.valueFrom?.secretKeyRef?.name);
    }
    for (const e of c.envFrom ?? []) {
      add(configMaps, e.configMapRef?.name);
      add(secrets, e.secretRef?.name);
    }
  }
  return { configMaps, secrets };
}

function decodeConfigMap(obj: ConfigMapObject): DataObject {
  const data: Record<string, Buffer> = {};
  for (const [k, v] of Object.entries(obj.data ?? {})) data[k] = Buffer.from(v, "utf8");
  for (const [k, v] of Object.entries(obj.binaryData ?? {})) data[k] = Buffer.from(v, "base64");
  return { data };
}

function decodeSecret(obj: SecretObject): DataObject {
  const data: Record<string, Buffer> = {};
  for (const [k, v] of Object.entries(obj.data ?? {})) data[k] = Buffer.from(v, "base64");
  return { data };
}

function textOf(obj: DataObject): Record<string, string> {
  return Object.fromEntries(Object.entries(obj.data).map(([k, v]) => [k, v.toString("utf8")]));
}

export class VolumeManager {
  readonly #o: VolumeManagerOptions;
  readonly #mounter: Mounter;
  readonly #configMaps: ObjectCache<ConfigMapObject>;
  readonly #secrets: ObjectCache<SecretObject>;
  readonly #refs = new Map<string, PodRefs>();
  /** "uid/volume" of every volume set up at least once by this process. */
  readonly #ready = new Set<string>();

  constructor(options: VolumeManagerOptions) {
    this.#o = options;
    this.#mounter = options.mounter ?? hostMounter;
    const common = { client: options.client, clock: options.clock, log: options.log };
    this.#configMaps = new ObjectCache<ConfigMapObject>({
      ...common,
      resource: "configmaps",
      kind: "configmap",
      onChange: (ns, name) => this.#changed(ns, name, "configMaps"),
    });
    this.#secrets = new ObjectCache<SecretObject>({
      ...common,
      resource: "secrets",
      kind: "secret",
      onChange: (ns, name) => this.#changed(ns, name, "secrets"),
    });
  }

  /** The "namespace/name" of every ConfigMap and Secret being watched. */
  watched(): { configMaps: string[]; secrets: string[] } {
    return { configMaps: this.#configMaps.watched(), secrets: this.#secrets.watched() };
  }

  /** Watches what the pod uses (and stops watching what it no longer uses). */
  register(pod: IPod): void {
    const uid = pod.metadata?.uid ?? "";
    const namespace = pod.metadata?.namespace ?? "default";
    const { configMaps, secrets } = podObjectRefs(pod);
    this.#refs.set(uid, { namespace, configMaps, secrets });
    this.#configMaps.register(uid, namespace, configMaps);
    this.#secrets.register(uid, namespace, secrets);
  }

  /** Stops watching for a pod that is gone. */
  unregister(uid: string): void {
    this.#refs.delete(uid);
    this.#configMaps.unregister(uid);
    this.#secrets.unregister(uid);
    for (const key of [...this.#ready]) if (key.startsWith(`${uid}/`)) this.#ready.delete(key);
  }

  /** The pod's ConfigMaps and Secrets as text, for env and envFrom (absent: not found). */
  async envObjects(pod: IPod): Promise<{
    configMaps: Map<string, Readonly<Record<string, string>>>;
    secrets: Map<string, Readonly<Record<string, string>>>;
  }> {
    this.register(pod);
    const sources = this.#sources(pod);
    const { configMaps, secrets } = podObjectRefs(pod);
    const cmOut = new Map<string, Readonly<Record<string, string>>>();
    for (const name of configMaps) {
      const obj = await sources.configMap(name);
      if (obj !== undefined) cmOut.set(name, textOf(obj));
    }
    const secretOut = new Map<string, Readonly<Record<string, string>>>();
    for (const name of secrets) {
      const obj = await sources.secret(name);
      if (obj !== undefined) secretOut.set(name, textOf(obj));
    }
    return { configMaps: cmOut, secrets: secretOut };
  }

  /** Sets up every volume of the pod; never throws for one volume's failure (see VolumeSetUp). */
  async setUp(pod: IPod): Promise<VolumeSetUp> {
    this.register(pod);
    const uid = pod.metadata?.uid ?? "";
    const podDir = podDirectory(this.#o.podsDir, uid);
    const sources = this.#sources(pod);
    const paths = new Map<string, string>();
    const failures: VolumeSetUpError[] = [];
    let blocked = false;
    for (const volume of pod.spec?.volumes ?? []) {
      try {
        const path = await this.#setUpOne(volume, pod, podDir, sources);
        if (path === undefined) continue;
        paths.set(volume.name, path);
        this.#ready.add(`${uid}/${volume.name}`);
      } catch (err) {
        failures.push(new VolumeSetUpError(volume.name, errorMessage(err)));
        if (!this.#ready.has(`${uid}/${volume.name}`)) blocked = true;
        else {
          const dir = apiVolumeDirectory(volume, podDir);
          if (dir !== undefined) paths.set(volume.name, dir);
        }
      }
    }
    return { paths, failures, blocked };
  }

  /** Unmounts the pod's tmpfs volumes, so that its directory can be removed. */
  async tearDown(uid: string): Promise<void> {
    await this.#mounter.unmountUnder(podDirectory(this.#o.podsDir, uid));
  }

  async stop(): Promise<void> {
    await Promise.all([this.#configMaps.stop(), this.#secrets.stop()]);
  }

  async #setUpOne(
    volume: IVolume,
    pod: IPod,
    podDir: string,
    sources: PayloadSources,
  ): Promise<string | undefined> {
    if (isApiVolume(volume)) {
      return setUpApiVolume(volume, pod, podDir, sources, { clock: this.#o.clock, mounter: this.#mounter });
    }
    return prepareLocalVolume(volume, pod, podDir, this.#mounter);
  }

  #sources(pod: IPod): PayloadSources {
    const namespace = pod.metadata?.namespace ?? "default";
    return {
      configMap: async (name) => {
        const obj = await this.#configMaps.get(namespace, name);
        return obj === undefined ? undefined : decodeConfigMap(obj);
      },
      secret: async (name) => {
        const obj = await this.#secrets.get(namespace, name);
        return obj === undefined ? undefined : decodeSecret(obj);
      },
      downward: (item, p) => this.#o.downward(item, p),
    };
  }

  #changed(namespace: string, name: string, kind: "configMaps" | "secrets"): void {
    for (const [uid, refs] of this.#refs) {
      if (refs.namespace === namespace && refs[kind].has(name)) this.#o.onPodChange?.(uid);
    }
  }
}
