import { mkdtemp, readFile, readlink, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { IPod } from "kubernetes-models/v1";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { KubeList, KubeObject, WatchEvent } from "../../api/index.js";
import { ManualClock, silentLogger } from "../../common/index.js";
import type { Mounter } from "./mounter.js";
import { VolumeManager } from "./volume-manager.js";

/** A list/watch API over a fixed set of objects whose watches stay open until aborted. */
function fakeClient(objects: Record<string, KubeObject>) {
  const watches: string[] = [];
  return {
    watches,
    list: async <T>(path: string, options: { fieldSelector?: string } = {}): Promise<KubeList<T>> => {
      const name = (options.fieldSelector ?? "").replace("metadata.name=", "");
      const obj = objects[`${path}/${name}`];
      return { metadata: { resourceVersion: "1" }, items: (obj ? [obj] : []) as T[] };
    },
    watch: <T>(path: string, options: { fieldSelector?: string; signal?: AbortSignal } = {}) => {
      watches.push(`${path}?${options.fieldSelector ?? ""}`);
      const signal = options.signal;
      return (async function* (): AsyncGenerator<WatchEvent<T>> {
        await new Promise<void>((resolve) =>
          signal?.addEventListener("abort", () => resolve(), { once: true }),
        );
        yield* [];
      })();
    },
  };
}

const CM = "/api/v1/namespaces/ns/configmaps";
const SECRETS = "/api/v1/namespaces/ns/secrets";

function podWith(spec: Partial<NonNullable<IPod["spec"]>>, uid = "uid-1"): IPod {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "p", namespace: "ns", uid },
    spec: { containers: [{ name: "app", image: "i" }], ...spec },
  };
}

describe("VolumeManager", () => {
  let podsDir: string;
  const tmpfs: string[] = [];
  const mounter: Mounter = {
    ensureTmpfs: async (dir) => void tmpfs.push(dir),
    unmountUnder: async () => undefined,
  };
  beforeEach(async () => {
    podsDir = await mkdtemp(join(tmpdir(), "volume-manager-"));
    tmpfs.length = 0;
  });
  afterEach(() => rm(podsDir, { recursive: true, force: true }));

  function manager(objects: Record<string, KubeObject>) {
    const client = fakeClient(objects);
    const woken: string[] = [];
    const volumes = new VolumeManager({
      client,
      podsDir,
      clock: new ManualClock(),
      log: silentLogger(),
      downward: (item, pod) =>
        item.fieldRef?.fieldPath === "metadata.name" ? (pod.metadata?.name ?? "") : "?",
      onPodChange: (uid) => woken.push(uid),
      mounter,
    });
    return { volumes, client, woken };
  }

  it("watches exactly the ConfigMaps and Secrets the pod uses, and stops when it goes", async () => {
    const { volumes } = manager({});
    volumes.register(
      podWith({
        volumes: [
          { name: "a", configMap: { name: "vol-cm" } },
          { name: "b", projected: { sources: [{ secret: { name: "proj-secret" } }] } },
        ],
        containers: [
          {
            name: "app",
            image: "i",
            env: [{ name: "E", valueFrom: { configMapKeyRef: { name: "env-cm", key: "k" } } }],
            envFrom: [{ secretRef: { name: "from-secret" } }],
          },
        ],
      }),
    );
    expect(volumes.watched()).toEqual({
      configMaps: ["ns/env-cm", "ns/vol-cm"],
      secrets: ["ns/from-secret", "ns/proj-secret"],
    });
    volumes.unregister("uid-1");
    expect(volumes.watched()).toEqual({ configMaps: [], secrets: [] });
    await volumes.stop();
  });

  it("writes API volumes, secrets and projected volumes on tmpfs, and reports a missing object", async () => {
    const { volumes } = manager({
      [`${CM}/cm`]: {
        metadata: { name: "cm", namespace: "ns", resourceVersion: "1" },
        data: { k: "v" },
      } as KubeObject,
      [`${SECRETS}/s`]: {
        metadata: { name: "s", namespace: "ns", resourceVersion: "1" },
        data: { pw: Buffer.from("hunter2").toString("base64") },
      } as KubeObject,
    });
    const pod = podWith({
      volumes: [
        { name: "cfg", configMap: { name: "cm" } },
        { name: "sec", secret: { secretName: "s" } },
        {
          name: "info",
          downwardAPI: { items: [{ path: "name", fieldRef: { fieldPath: "metadata.name" } }] },
        },
        { name: "scratch", emptyDir: {} },
        { name: "gone", configMap: { name: "missing" } },
      ],
    });
    const result = await volumes.setUp(pod);
    const dir = (plugin: string, name: string) => join(podsDir, "uid-1", "volumes", plugin, name);
    expect(Object.fromEntries(result.paths)).toEqual({
      cfg: dir("kubernetes.io~configmap", "cfg"),
      sec: dir("kubernetes.io~secret", "sec"),
      info: dir("kubernetes.io~downward-api", "info"),
      scratch: dir("kubernetes.io~empty-dir", "scratch"),
    });
    expect(await readFile(join(dir("kubernetes.io~configmap", "cfg"), "k"), "utf8")).toBe("v");
    expect(await readFile(join(dir("kubernetes.io~secret", "sec"), "pw"), "utf8")).toBe("hunter2");
    expect(await readFile(join(dir("kubernetes.io~downward-api", "info"), "name"), "utf8")).toBe("p");
    expect(await readlink(join(dir("kubernetes.io~configmap", "cfg"), "k"))).toBe("..data/k");
    expect((await stat(dir("kubernetes.io~empty-dir", "scratch"))).mode & 0o777).toBe(0o777);
    expect(tmpfs).toEqual([dir("kubernetes.io~secret", "sec")]);
    expect(result.blocked).toBe(true);
    expect(result.failures.map((f) => f.message)).toEqual([
      'MountVolume.SetUp failed for volume "gone" : configmap "missing" not found',
    ]);
    await volumes.stop();
  });

  it("does not block a pod whose volume worked once and fails later", async () => {
    const objects: Record<string, KubeObject> = {
      [`${CM}/cm`]: {
        metadata: { name: "cm", namespace: "ns", resourceVersion: "1" },
        data: { k: "v" },
      } as KubeObject,
    };
    const { volumes } = manager(objects);
    const first = podWith({ volumes: [{ name: "cfg", configMap: { name: "cm" } }] });
    expect((await volumes.setUp(first)).blocked).toBe(false);
    const keyGone = podWith({
      volumes: [{ name: "cfg", configMap: { name: "cm", items: [{ key: "x", path: "x" }] } }],
    });
    const again = await volumes.setUp(keyGone);
    expect(again.blocked).toBe(false);
    expect(again.failures.map((f) => f.reason)).toEqual(["configmap references non-existent config key: x"]);
    expect(again.paths.get("cfg")).toBe(join(podsDir, "uid-1", "volumes", "kubernetes.io~configmap", "cfg"));
    await volumes.stop();
  });
});
