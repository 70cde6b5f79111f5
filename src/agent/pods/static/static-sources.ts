/**
 * The static pod sources (kubelet: pkg/kubelet/config file.go and http.go): a directory of
 * manifests (staticPodPath), read at start, when the directory changes, and every
 * fileCheckFrequency; and a URL (staticPodURL) fetched every httpCheckFrequency. Each read gives the
 * whole set: pods that appeared, changed (a new uid) or went are told to `onChange`. A manifest
 * that cannot be read or is not a valid pod is logged with its file name and left out; every
 * other pod stays. A URL that cannot be fetched keeps the pods it gave last.
 *
 * Lifecycle: start(signal), ready (first read of each source done), stop().
 */
import { watch, type FSWatcher } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import type { IPod } from "kubernetes-models/v1";
import { errorMessage, type Clock, type Logger } from "../../../common/index.js";
import { fetchManifest, type ManifestFetch } from "./manifest-fetch.js";
import {
  ANNOTATION_CONFIG_SEEN,
  decodeManifest,
  fullName,
  ManifestError,
  podsOf,
  staticPod,
  type ConfigSource,
} from "./static-pod.js";

export interface StaticPodSourcesOptions {
  readonly nodeName: string;
  /** "" for none. */
  readonly staticPodPath: string;
  /** "" for none. */
  readonly staticPodURL: string;
  readonly fileCheckFrequencyMs: number;
  readonly httpCheckFrequencyMs: number;
  readonly clock: Clock;
  readonly log: Logger;
  /** Told the uid of every static pod that appeared or went. */
  readonly onChange: (uid: string) => void;
  /** Reads staticPodURL; fetchManifest (node:http, node:https) when absent. */
  readonly fetch?: ManifestFetch;
}

/** kubelet: the time format of config.seen (RFC 3339 with nanoseconds). */
function seenStamp(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, ".$1000000Z");
}

export class StaticPodSources {
  readonly ready: Promise<void>;
  readonly #o: StaticPodSourcesOptions;
  readonly #log: Logger;
  /** Per source, uid -> pod. */
  readonly #bySource = new Map<ConfigSource, Map<string, IPod>>();
  /** When each uid was first seen (config.seen). */
  readonly #seen = new Map<string, string>();
  readonly #controller = new AbortController();
  #loops: Promise<void>[] = [];
  #watcher: FSWatcher | undefined;
  #markReady: () => void = () => undefined;

  constructor(options: StaticPodSourcesOptions) {
    this.#o = options;
    this.#log = options.log.child({ component: "static-pods" });
    this.ready = new Promise((resolve) => (this.#markReady = resolve));
  }

  /** Whether any source is configured. */
  get enabled(): boolean {
    return this.#o.staticPodPath !== "" || this.#o.staticPodURL !== "";
  }

  get(uid: string): IPod | undefined {
    for (const pods of this.#bySource.values()) {
      const pod = pods.get(uid);
      if (pod !== undefined) return pod;
    }
    return undefined;
  }

  has(uid: string): boolean {
    return this.get(uid) !== undefined;
  }

  pods(): IPod[] {
    return [...this.#bySource.values()].flatMap((m) => [...m.values()]);
  }

  /** The static pod named "namespace/name", if any. */
  byFullName(name: string): IPod | undefined {
    return this.pods().find((p) => fullName(p) === name);
  }

  start(signal?: AbortSignal): void {
    signal?.addEventListener("abort", () => this.#controller.abort(), { once: true });
    const first: Promise<void>[] = [];
    if (this.#o.staticPodPath !== "") {
      first.push(this.readDirectory());
      this.#watchDirectory();
      this.#loops.push(this.#every(this.#o.fileCheckFrequencyMs, () => this.readDirectory()));
    }
    if (this.#o.staticPodURL !== "") {
      first.push(this.fetchURL());
      this.#loops.push(this.#every(this.#o.httpCheckFrequencyMs, () => this.fetchURL()));
    }
    void Promise.allSettled(first).then(() => this.#markReady());
  }

  async stop(): Promise<void> {
    this.#controller.abort();
    this.#watcher?.close();
    await Promise.allSettled(this.#loops);
  }

  /** One read of staticPodPath (kubelet: sourceFile.listConfig). */
  async readDirectory(): Promise<void> {
    const dir = this.#o.staticPodPath;
    let names: string[];
    try {
      names = (await readdir(dir, { withFileTypes: true }))
        // kubelet: hidden files are ignored; directories are not descended into.
        .filter((e) => e.isFile() && !e.name.startsWith("."))
        .map((e) => e.name)
        .sort();
    } catch (err) {
      this.#log.warn({ path: dir, err: errorMessage(err) }, "unable to read static pod path");
      return;
    }
    const pods = new Map<string, IPod>();
    for (const name of names) {
      const file = join(dir, name);
      try {
        const docs = decodeManifest(await readFile(file, "utf8"));
        if (docs.length !== 1) throw new ManifestError(`expected one pod, found ${docs.length} documents`);
        for (const manifest of podsOf(docs[0], false)) {
          const pod = staticPod(manifest, { source: "file", location: file, nodeName: this.#o.nodeName });
          pods.set(pod.metadata?.uid ?? "", pod);
        }
      } catch (err) {
        // kubelet: "Could not process manifest file"; the other manifests are unaffected.
        this.#log.warn({ path: file, err: errorMessage(err) }, "could not process manifest file");
      }
    }
    this.#replace("file", pods);
  }

  /** One fetch of staticPodURL (kubelet: sourceURL.extractFromURL). */
  async fetchURL(): Promise<void> {
    const url = this.#o.staticPodURL;
    const doFetch = this.#o.fetch ?? fetchManifest;
    try {
      const text = await doFetch(url, this.#controller.signal);
      const pods = new Map<string, IPod>();
      for (const doc of decodeManifest(text)) {
        for (const manifest of podsOf(doc, true)) {
          const pod = staticPod(manifest, { source: "http", location: url, nodeName: this.#o.nodeName });
          pods.set(pod.metadata?.uid ?? "", pod);
        }
      }
      this.#replace("http", pods);
    } catch (err) {
      if (!this.#controller.signal.aborted)
        this.#log.warn({ url, err: errorMessage(err) }, "unable to read static pods from URL");
    }
  }

  #replace(source: ConfigSource, fresh: Map<string, IPod>): void {
    const before = this.#bySource.get(source) ?? new Map<string, IPod>();
    const stamped = new Map<string, IPod>();
    for (const [uid, pod] of fresh) {
      let seen = this.#seen.get(uid);
      if (seen === undefined) this.#seen.set(uid, (seen = seenStamp(this.#o.clock.now())));
      const meta = pod.metadata ?? {};
      stamped.set(uid, {
        ...pod,
        metadata: { ...meta, annotations: { ...meta.annotations, [ANNOTATION_CONFIG_SEEN]: seen } },
      });
    }
    this.#bySource.set(source, stamped);
    for (const uid of before.keys()) {
      if (!stamped.has(uid)) {
        this.#seen.delete(uid);
        this.#o.onChange(uid);
      }
    }
    for (const uid of stamped.keys()) if (!before.has(uid)) this.#o.onChange(uid);
  }

  #watchDirectory(): void {
    try {
      let pending = false;
      this.#watcher = watch(this.#o.staticPodPath, () => {
        if (pending) return;
        pending = true;
        // Several events arrive for one edit: read once they have settled.
        void this.#o.clock.sleep(100, this.#controller.signal).then(
          () => {
            pending = false;
            return this.readDirectory();
          },
          () => undefined,
        );
      });
      this.#watcher.on("error", () => undefined);
    } catch (err) {
      this.#log.info(
        { path: this.#o.staticPodPath, err: errorMessage(err) },
        "static pod path not watched; read periodically",
      );
    }
  }

  async #every(periodMs: number, fn: () => Promise<void>): Promise<void> {
    const signal = this.#controller.signal;
    while (!signal.aborted) {
      try {
        await this.#o.clock.sleep(periodMs, signal);
      } catch {
        return;
      }
      await fn();
    }
  }
}
