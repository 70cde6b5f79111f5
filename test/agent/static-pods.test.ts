/**
 * Static pods from staticPodPath: the pod a manifest describes runs under the kubelet's name
 * (`<name>-<node>`) and shows up as a mirror pod with the config annotations; `kubectl delete` of
 * the mirror brings it back while the pod keeps running; an edited manifest replaces the pod; a
 * broken manifest is logged with its file name and leaves the others running; a removed manifest
 * takes its pod and mirror away; a pod served by staticPodURL runs and goes with the URL's list; a manifest written while the API server is down runs at once
 * and is mirrored when the API server returns; an agent restart leaves the static pod as it is.
 */
import { mkdir, rm, unlink, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { IPod } from "kubernetes-models/v1";
import { afterAll, beforeAll, describe, it } from "vitest";
import { LABEL_POD_NAME } from "../../src/runtime/index.js";
import { RUNTIMES } from "../support/cluster.js";
import { useCluster } from "../support/cluster-vitest.js";
import { containerStatus, FOREVER, runningAndReady, shell } from "./pods.js";

const HASH = "kubernetes.io/config.hash";
const MIRROR = "kubernetes.io/config.mirror";

function manifest(name: string, env = "1"): string {
  const pod: IPod = {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, labels: { e2e: "static" } },
    spec: {
      terminationGracePeriodSeconds: 2,
      containers: [shell("app", FOREVER, { env: [{ name: "VERSION", value: env }] })],
    },
  };
  return JSON.stringify(pod, null, 2);
}

describe.each(RUNTIMES)("static pods on %s", (runtime) => {
  // Made when the suite runs (not when it is collected), so that a filtered-out suite leaves nothing.
  const manifests = join(tmpdir(), `berth-static-${process.pid}-${runtime}`);
  beforeAll(() => mkdir(manifests, { recursive: true }));
  /** What staticPodURL serves: a Pod or a PodList, as JSON. */
  let served = JSON.stringify({ apiVersion: "v1", kind: "PodList", items: [] });
  let server: Server | undefined;
  const cluster = useCluster(runtime, async () => {
    server = createServer((_req, res) => res.end(served));
    await new Promise<void>((resolve) => server?.listen(0, "127.0.0.1", resolve));
    const port = (server.address() as AddressInfo).port;
    return {
      agentConfig: {
        staticPodPath: manifests,
        fileCheckFrequency: "2s",
        staticPodURL: `http://127.0.0.1:${port}/pods`,
        httpCheckFrequency: "2s",
        syncFrequency: "3s",
      },
    };
  });
  afterAll(async () => {
    server?.close();
    await rm(manifests, { recursive: true, force: true });
  });

  const mirrorName = (name: string): string => `${name}-${cluster().nodeName}`;
  const hashOf = (p: IPod): string => p.metadata?.annotations?.[HASH] ?? "";

  async function runningMirror(name: string, accept: (p: IPod) => boolean = () => true): Promise<IPod> {
    return cluster().waitForPod(
      mirrorName(name),
      (p) => runningAndReady(p) && accept(p),
      "a running mirror",
      60_000,
    );
  }

  describe("with the API server up", () => {
    it.concurrent(
      "runs the pod, mirrors it, and recreates the mirror after kubectl delete",
      async ({ expect }) => {
        await writeFile(join(manifests, "web.json"), manifest("web"));
        const mirror = await runningMirror("web");
        const annotations = mirror.metadata?.annotations ?? {};
        expect(annotations[MIRROR]).toBe(annotations[HASH]);
        expect(annotations[HASH]).toMatch(/^[0-9a-f]{32}$/);
        expect(annotations["kubernetes.io/config.source"]).toBe("file");
        expect(annotations["kubernetes.io/config.seen"]).toMatch(/^\d{4}-\d\d-\d\dT.*\.\d{9}Z$/);
        expect(mirror.metadata?.ownerReferences?.[0]).toMatchObject({
          kind: "Node",
          name: cluster().nodeName,
        });
        const containerId = containerStatus(mirror, "app")?.containerID;

        await cluster().kubectl("delete", "pod", mirrorName("web"), "--wait=false");
        const again = await runningMirror("web", (p) => p.metadata?.uid !== mirror.metadata?.uid);
        expect(hashOf(again)).toBe(hashOf(mirror));
        expect(containerStatus(again, "app")?.containerID).toBe(containerId);
        expect(containerStatus(again, "app")?.restartCount).toBe(0);
      },
    );

    it.concurrent(
      "replaces the pod when its manifest changes and removes it with the manifest",
      async ({ expect }) => {
        const file = join(manifests, "edit.json");
        await writeFile(file, manifest("edit", "1"));
        const first = await runningMirror("edit");
        await writeFile(file, manifest("edit", "2"));
        const second = await runningMirror("edit", (p) => hashOf(p) !== hashOf(first));
        expect(second.spec?.containers[0]?.env).toEqual([{ name: "VERSION", value: "2" }]);
        expect(containerStatus(second, "app")?.containerID).not.toBe(
          containerStatus(first, "app")?.containerID,
        );
        await expect
          .poll(() => cluster().leftoversOf([hashOf(first)]), { timeout: 30_000, interval: 500 })
          .toEqual({ sandboxes: [], containers: [] });

        await unlink(file);
        await cluster().waitForPodGone(mirrorName("edit"), 30_000);
        await expect
          .poll(() => cluster().leftoversOf([hashOf(second)]), { timeout: 30_000, interval: 500 })
          .toEqual({ sandboxes: [], containers: [] });
      },
    );

    it.concurrent(
      "runs the pod staticPodURL serves, mirrored with source http, until the URL stops listing it",
      async ({ expect }) => {
        served = manifest("from-url");
        const mirror = await runningMirror("from-url");
        expect(mirror.metadata?.annotations?.["kubernetes.io/config.source"]).toBe("http");
        expect(mirror.metadata?.annotations?.[MIRROR]).toBe(hashOf(mirror));
        served = JSON.stringify({ apiVersion: "v1", kind: "PodList", items: [] });
        await cluster().waitForPodGone(mirrorName("from-url"), 30_000);
        await expect
          .poll(() => cluster().leftoversOf([hashOf(mirror)]), { timeout: 30_000, interval: 500 })
          .toEqual({ sandboxes: [], containers: [] });
      },
    );

    it.concurrent(
      "logs a broken manifest with its file name and runs the one beside it",
      async ({ expect }) => {
        await writeFile(
          join(manifests, "broken.yaml"),
          "kind: Pod\nmetadata: {name: broken}\nspec: {containers: [{name: a}]}\n",
        );
        await writeFile(join(manifests, "good.json"), manifest("good"));
        await runningMirror("good");
        const log = await cluster().agent.tail(2000);
        expect(log).toContain(join(manifests, "broken.yaml"));
        expect(log).toContain("spec.containers[0].image: Required value");
        await unlink(join(manifests, "broken.yaml"));
      },
    );
  });

  describe("with the API server or the agent down", () => {
    it("runs a new manifest's pod at once and mirrors it when the API server returns", async ({ expect }) => {
      const name = mirrorName("offline");
      await cluster().apiserver.stop();
      try {
        await writeFile(join(manifests, "offline.json"), manifest("offline"));
        await expect
          .poll(
            async () =>
              (await cluster().runtime.listContainers({ labelSelector: { [LABEL_POD_NAME]: name } })).map(
                (c) => c.state,
              ),
            { timeout: 45_000, interval: 500 },
          )
          .toEqual(["running"]);
      } finally {
        await cluster().startApiServer();
      }
      const mirror = await runningMirror("offline");
      expect(mirror.metadata?.annotations?.[MIRROR]).toBe(hashOf(mirror));
    });

    it("keeps the static pod, its uid and its container across an agent restart", async ({ expect }) => {
      const before = await runningMirror("offline");
      await cluster().stopAgent();
      await cluster().startAgent();
      await cluster().waitForNodeReady();
      const after = await runningMirror("offline");
      expect(hashOf(after)).toBe(hashOf(before));
      expect(containerStatus(after, "app")?.containerID).toBe(containerStatus(before, "app")?.containerID);
      expect(containerStatus(after, "app")?.restartCount).toBe(0);
    });
  });
});
