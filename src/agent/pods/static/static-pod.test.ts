import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ManualClock, silentLogger } from "../../../common/index.js";
import { mirrorPodOf } from "./mirror-pods.js";
import { decodeManifest, isMirrorPodOf, podsOf, staticPod } from "./static-pod.js";
import { StaticPodSources } from "./static-sources.js";

const MANIFEST = `
apiVersion: v1
kind: Pod
metadata:
  name: web
  labels: { app: web }
spec:
  containers:
    - name: app
      image: registry.local/web:1.0
`;

function parse(text: string): Record<string, unknown> {
  return podsOf(decodeManifest(text)[0], false)[0] as Record<string, unknown>;
}

describe("staticPod", () => {
  const options = { source: "file" as const, location: "/etc/manifests/web.yaml", nodeName: "Node-1" };

  it("names, binds, annotates and defaults the pod as the kubelet does", () => {
    const pod = staticPod(parse(MANIFEST), options);
    expect(pod.metadata?.name).toBe("web-node-1");
    expect(pod.metadata?.namespace).toBe("default");
    expect(pod.metadata?.uid).toMatch(/^[0-9a-f]{32}$/);
    expect(pod.metadata?.annotations).toEqual({
      "kubernetes.io/config.hash": pod.metadata?.uid,
      "kubernetes.io/config.source": "file",
    });
    expect(pod.spec?.nodeName).toBe("Node-1");
    expect(pod.spec?.restartPolicy).toBe("Always");
    expect(pod.spec?.tolerations).toEqual([{ operator: "Exists", effect: "NoExecute" }]);
    expect(pod.spec?.containers[0]).toMatchObject({
      terminationMessagePath: "/dev/termination-log",
      imagePullPolicy: "IfNotPresent",
    });
  });

  it("derives the uid from the node, the file and the content, not from key order", () => {
    const uid = staticPod(parse(MANIFEST), options).metadata?.uid;
    const reordered = `{"kind":"Pod","spec":{"containers":[{"image":"registry.local/web:1.0","name":"app"}]},"metadata":{"labels":{"app":"web"},"name":"web"},"apiVersion":"v1"}`;
    expect(staticPod(parse(reordered), options).metadata?.uid).toBe(uid);
    expect(staticPod(parse(MANIFEST.replace("1.0", "2.0")), options).metadata?.uid).not.toBe(uid);
    expect(staticPod(parse(MANIFEST), { ...options, location: "/other.yaml" }).metadata?.uid).not.toBe(uid);
    expect(staticPod(parse(MANIFEST), { ...options, nodeName: "n2" }).metadata?.uid).not.toBe(uid);
  });

  it("refuses what is not a pod, with the reason", () => {
    expect(() => decodeManifest("a: [")).toThrow("not valid YAML or JSON");
    expect(() => podsOf({ kind: "Service" }, false)).toThrow('kind "Service" is not Pod');
    expect(() => staticPod(parse("kind: Pod\nspec: {containers: [{name: a, image: b}]}"), options)).toThrow(
      "metadata.name: Required value",
    );
    expect(() => staticPod(parse("kind: Pod\nmetadata: {name: x}\nspec: {containers: []}"), options)).toThrow(
      "spec.containers: Required value",
    );
  });

  it("makes a mirror pod that is the mirror of its static pod only", () => {
    const pod = staticPod(parse(MANIFEST), options);
    const mirror = mirrorPodOf(pod, "Node-1", "node-uid");
    expect(mirror.metadata?.annotations?.["kubernetes.io/config.mirror"]).toBe(pod.metadata?.uid);
    expect(mirror.metadata?.ownerReferences).toEqual([
      { apiVersion: "v1", kind: "Node", name: "Node-1", uid: "node-uid", controller: true },
    ]);
    expect(mirror.metadata?.uid).toBeUndefined();
    expect(isMirrorPodOf(mirror, pod)).toBe(true);
    const edited = staticPod(parse(MANIFEST.replace("1.0", "2.0")), options);
    expect(isMirrorPodOf(mirror, edited)).toBe(false);
  });
});

describe("StaticPodSources from a directory", () => {
  it("reads every manifest, skips hidden files, and leaves a broken one out with its file name", async () => {
    const dir = await mkdtemp(join(tmpdir(), "static-pods-"));
    try {
      await writeFile(join(dir, "web.yaml"), MANIFEST);
      await writeFile(
        join(dir, "broken.yaml"),
        "kind: Pod\nmetadata: {name: broken}\nspec: {containers: [{name: a}]}",
      );
      await writeFile(join(dir, ".hidden.yaml"), MANIFEST.replace("web", "hidden"));
      const warnings: unknown[] = [];
      const log = silentLogger();
      const changes: string[] = [];
      const sources = new StaticPodSources({
        nodeName: "n1",
        staticPodPath: dir,
        staticPodURL: "",
        fileCheckFrequencyMs: 20_000,
        httpCheckFrequencyMs: 20_000,
        clock: new ManualClock(Date.UTC(2026, 11, 3, 17, 0, 0)),
        log: {
          ...log,
          child: () => ({ ...log, warn: (fields: unknown) => warnings.push(fields) }),
        } as unknown as typeof log,
        onChange: (uid) => changes.push(uid),
      });
      await sources.readDirectory();
      expect(sources.pods().map((p) => p.metadata?.name)).toEqual(["web-n1"]);
      const web = sources.pods()[0];
      expect(web?.metadata?.annotations?.["kubernetes.io/config.seen"]).toBe(
        "2026-12-03T17:00:00.000000000Z",
      );
      expect(changes).toEqual([web?.metadata?.uid]);
      expect(warnings).toEqual([
        { path: join(dir, "broken.yaml"), err: "invalid pod: spec.containers[0].image: Required value" },
      ]);

      await writeFile(join(dir, "web.yaml"), MANIFEST.replace("1.0", "2.0"));
      await sources.readDirectory();
      const edited = sources.pods()[0];
      expect(edited?.metadata?.uid).not.toBe(web?.metadata?.uid);
      expect(changes).toEqual([web?.metadata?.uid, web?.metadata?.uid, edited?.metadata?.uid]);
      await sources.stop();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe("StaticPodSources from a URL", () => {
  it("takes a PodList, and keeps the pods it had when a fetch fails", async () => {
    const list = {
      kind: "PodList",
      items: [parse(MANIFEST), parse(MANIFEST.replace("name: web", "name: api"))],
    };
    let answer: string | Error = JSON.stringify(list);
    const changes: string[] = [];
    const sources = new StaticPodSources({
      nodeName: "n1",
      staticPodPath: "",
      staticPodURL: "http://manifests.invalid/pods",
      fileCheckFrequencyMs: 20_000,
      httpCheckFrequencyMs: 20_000,
      clock: new ManualClock(),
      log: silentLogger(),
      onChange: (uid) => changes.push(uid),
      fetch: async () => {
        if (answer instanceof Error) throw answer;
        return answer;
      },
    });
    await sources.fetchURL();
    const pods = sources.pods();
    expect(pods.map((p) => p.metadata?.name).sort()).toEqual(["api-n1", "web-n1"]);
    expect(pods.map((p) => p.metadata?.annotations?.["kubernetes.io/config.source"])).toEqual([
      "http",
      "http",
    ]);
    answer = new Error("connection refused");
    await sources.fetchURL();
    expect(sources.pods()).toEqual(pods);
    answer = JSON.stringify(list.items[0]);
    await sources.fetchURL();
    expect(sources.pods().map((p) => p.metadata?.name)).toEqual(["web-n1"]);
    expect(changes).toHaveLength(3);
    await sources.stop();
  });
});
