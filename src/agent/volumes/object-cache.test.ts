import { describe, expect, it } from "vitest";
import type { KubeList, KubeObject, WatchEvent } from "../../api/index.js";
import { ManualClock, silentLogger } from "../../common/index.js";
import { ObjectCache } from "./object-cache.js";

interface ConfigMap extends KubeObject {
  data?: Record<string, string>;
}

/** An in-memory API: list and watch of configmaps by namespace and metadata.name. */
class FakeApi {
  readonly objects = new Map<string, ConfigMap>();
  readonly requests: string[] = [];
  #rv = 1;
  #watchers = new Set<{ ns: string; name: string; push: (e: WatchEvent<ConfigMap>) => void }>();

  put(ns: string, name: string, data: Record<string, string>, immutable?: boolean): void {
    const type = this.objects.has(`${ns}/${name}`) ? "MODIFIED" : "ADDED";
    const obj = {
      metadata: { namespace: ns, name, resourceVersion: String(++this.#rv) },
      data,
      ...(immutable === undefined ? {} : { immutable }),
    };
    this.objects.set(`${ns}/${name}`, obj);
    for (const w of this.#watchers) if (w.ns === ns && w.name === name) w.push({ type, object: obj });
  }

  get activeWatches(): number {
    return this.#watchers.size;
  }

  list = async <T>(path: string, options: { fieldSelector?: string } = {}): Promise<KubeList<T>> => {
    this.requests.push(`list ${path}?${options.fieldSelector ?? ""}`);
    const { ns, name } = this.#parse(path, options.fieldSelector);
    const items = [...this.objects.values()].filter(
      (o) => o.metadata?.namespace === ns && o.metadata.name === name,
    );
    return { metadata: { resourceVersion: String(this.#rv) }, items: items as T[] };
  };

  watch = <T>(
    path: string,
    options: { fieldSelector?: string; signal?: AbortSignal } = {},
  ): AsyncGenerator<WatchEvent<T>> => {
    const { ns, name } = this.#parse(path, options.fieldSelector);
    const queue: WatchEvent<ConfigMap>[] = [];
    let wake: (() => void) | undefined;
    const watcher = {
      ns,
      name,
      push: (e: WatchEvent<ConfigMap>) => {
        queue.push(e);
        wake?.();
      },
    };
    this.#watchers.add(watcher);
    const watchers = this.#watchers;
    const signal = options.signal;
    return (async function* () {
      try {
        while (!signal?.aborted) {
          const next = queue.shift();
          if (next !== undefined) {
            yield next as WatchEvent<T>;
            continue;
          }
          await new Promise<void>((resolve) => {
            wake = resolve;
            signal?.addEventListener("abort", () => resolve(), { once: true });
          });
        }
      } finally {
        watchers.delete(watcher);
      }
    })();
  };

  #parse(path: string, selector: string | undefined): { ns: string; name: string } {
    const ns = path.split("/")[4] ?? "";
    return { ns, name: (selector ?? "").replace("metadata.name=", "") };
  }
}

async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await new Promise<void>((r) => setImmediate(r));
}

function setup(): { api: FakeApi; cache: ObjectCache<ConfigMap>; changes: string[] } {
  const api = new FakeApi();
  const changes: string[] = [];
  const cache = new ObjectCache<ConfigMap>({
    client: api,
    resource: "configmaps",
    kind: "configmap",
    clock: new ManualClock(),
    log: silentLogger(),
    onChange: (ns, name) => changes.push(`${ns}/${name}`),
  });
  return { api, cache, changes };
}

describe("ObjectCache", () => {
  it("watches exactly the names pods registered, by metadata.name", async () => {
    const { api, cache } = setup();
    api.put("ns", "a", { k: "1" });
    api.put("ns", "other", { k: "x" });
    cache.register("pod1", "ns", ["a"]);
    expect((await cache.get("ns", "a"))?.data).toEqual({ k: "1" });
    expect(api.requests).toEqual(["list /api/v1/namespaces/ns/configmaps?metadata.name=a"]);
    expect(cache.watched()).toEqual(["ns/a"]);
    await cache.stop();
  });

  it("answers undefined for a missing object and tells when it appears or changes", async () => {
    const { api, cache, changes } = setup();
    cache.register("pod1", "ns", ["late"]);
    expect(await cache.get("ns", "late")).toBeUndefined();
    await settle();
    api.put("ns", "late", { k: "1" });
    await settle();
    expect(changes).toEqual(["ns/late"]);
    expect((await cache.get("ns", "late"))?.data).toEqual({ k: "1" });
    api.put("ns", "late", { k: "2" });
    await settle();
    expect(changes).toEqual(["ns/late", "ns/late"]);
    expect((await cache.get("ns", "late"))?.data).toEqual({ k: "2" });
    await cache.stop();
  });

  it("keeps a watch while any pod uses the name and stops it after the last", async () => {
    const { api, cache } = setup();
    cache.register("pod1", "ns", ["shared", "only1"]);
    cache.register("pod2", "ns", ["shared"]);
    await cache.get("ns", "shared");
    await settle();
    expect(api.activeWatches).toBe(2);
    cache.unregister("pod1");
    await settle();
    expect(cache.watched()).toEqual(["ns/shared"]);
    expect(api.activeWatches).toBe(1);
    cache.register("pod2", "ns", []);
    await settle();
    expect(cache.watched()).toEqual([]);
    expect(api.activeWatches).toBe(0);
    await expect(cache.get("ns", "shared")).rejects.toThrow('configmap "ns/shared" not registered');
    await cache.stop();
  });

  it("stops watching an immutable object once seen and keeps answering with it", async () => {
    const { api, cache } = setup();
    api.put("ns", "frozen", { k: "1" }, true);
    cache.register("pod1", "ns", ["frozen"]);
    expect((await cache.get("ns", "frozen"))?.data).toEqual({ k: "1" });
    await settle();
    expect(api.activeWatches).toBe(0);
    expect(cache.watched()).toEqual(["ns/frozen"]);
    expect((await cache.get("ns", "frozen"))?.data).toEqual({ k: "1" });
    await cache.stop();
  });
});
