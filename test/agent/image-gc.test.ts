/**
 * Image garbage collection on both runtimes. Each runtime is a daemon of the test's own whose
 * images live on a 64 MiB tmpfs (test/support/private-runtime.ts): on the shared daemons' 250 GB
 * disk three small images move usage by far less than the 1% steps of the kubelet's thresholds,
 * and a collection there would remove images other tests use. The thresholds are computed from
 * what the tmpfs holds at test time: the measured footprint of one test image (a 4 MiB random
 * layer, pushed under a unique tag to the loopback registry) puts the high threshold between two
 * and three such images, and the low one where freeing two images' sizes (as the runtime reports
 * them, which is what the kubelet counts) is enough and one is not. So once the third image lands
 * the agent removes exactly two: the least recently used (first seen) one, then one of the other
 * two; the pause image and the image of a running pod stay.
 */
import type { IPod } from "kubernetes-models/v1";
import { afterAll, beforeAll, describe, it } from "vitest";
import { resourcePath } from "../../src/api/index.js";
import { RUNTIMES, TestCluster } from "../support/cluster.js";
import { testEnv } from "../support/env.js";
import { PrivateRuntime, type DiskUsage } from "../support/private-runtime.js";
import { pushRandomImage } from "../support/registry-images.js";
import { FOREVER, phaseIs, pod, shell, type PodEvent } from "./pods.js";

const IMAGE_FS_MIB = 64;
const LAYER_BYTES = 4 * 1024 * 1024;
const GC_PERIOD = "1s";

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** The kubelet's usage: 100 - available*100/capacity in integer arithmetic. */
function usagePercent(u: DiskUsage): number {
  return 100 - Math.trunc(((u.capacityBytes - u.usedBytes) * 100) / u.capacityBytes);
}

describe.each(RUNTIMES)("image garbage collection on %s", (runtime) => {
  let rt: PrivateRuntime | undefined;
  let cluster: TestCluster | undefined;
  const gcImages: string[] = [];
  let thresholds = { high: 0, low: 0 };

  beforeAll(async () => {
    rt = await PrivateRuntime.start(runtime, IMAGE_FS_MIB);
    const tag = `${runtime}-${process.pid}-${Date.now()}`;
    for (let i = 1; i <= 3; i++) {
      gcImages.push(await pushRandomImage(testEnv.registry(), `berth/gc-test-${i}`, tag, LAYER_BYTES));
    }
    await rt.runtime.pullImage(testEnv.pauseImage());
    await rt.runtime.pullImage(testEnv.testImage());
    const before = await rt.usage();
    await rt.runtime.pullImage(gcImages[0] ?? "");
    const withOne = await rt.usage();
    const footprint = withOne.usedBytes - before.usedBytes;
    const size = (await rt.runtime.imageStatus(gcImages[0] ?? ""))?.size ?? 0;
    const capacity = withOne.capacityBytes;
    // High: one and a half more images; low: with all three in, freeing 1.5 images' sizes.
    const high = usagePercent({ capacityBytes: capacity, usedBytes: withOne.usedBytes + 1.5 * footprint });
    const low = Math.round(((withOne.usedBytes + 2 * footprint - 1.5 * size) * 100) / capacity);
    thresholds = { high, low };
    cluster = await TestCluster.start({
      runtime,
      runtimeEndpoint: rt.endpoint,
      agentConfig: {
        imageGCHighThresholdPercent: high,
        imageGCLowThresholdPercent: low,
        imageMinimumGCAge: "0s",
      },
      agentEnv: { BERTH_TEST_IMAGE_GC_PERIOD: GC_PERIOD },
    });
  }, 180_000);

  afterAll(async () => {
    const failures: unknown[] = [];
    await cluster?.stop().catch((err: unknown) => failures.push(err));
    await rt?.stop().catch((err: unknown) => failures.push(err));
    if (failures.length > 0) throw new Error(failures.map(String).join("\n"));
  }, 180_000);

  it.concurrent(
    "above the high threshold, unused images go least recently used first down to the low one; the pause image and an image in use stay",
    async ({ expect }) => {
      const c = cluster as TestCluster;
      const r = rt as PrivateRuntime;
      const [first, second, third] = gcImages as [string, string, string];
      await c.createPod(pod("in-use", { hostNetwork: true, containers: [shell("app", FOREVER)] }));
      await c.waitForPod("in-use", phaseIs("Running"), "Running");
      expect(usagePercent(await r.usage())).toBeLessThan(thresholds.high);

      // Two more: the third crosses the high threshold (the collector, every second, may act
      // before the test could look, so the crossing is read from the agent's log below).
      await r.runtime.pullImage(second);
      await r.runtime.pullImage(third);

      const tagsOf = async () => (await r.runtime.listImages()).flatMap((i) => i.repoTags);
      const deadline = Date.now() + 30_000;
      let tags = await tagsOf();
      while (tags.length > 3) {
        if (Date.now() > deadline) throw new Error(`no collection down to 3 images: ${tags.join(", ")}`);
        await sleep(250);
        tags = await tagsOf();
      }
      // Two collection periods more: nothing else goes.
      await sleep(2_500);
      tags = await tagsOf();
      expect(tags).toContain(testEnv.pauseImage());
      expect(tags).toContain(testEnv.testImage());
      expect(tags).not.toContain(first);
      expect(tags.filter((t) => t === second || t === third)).toHaveLength(1);
      expect(usagePercent(await r.usage())).toBeLessThanOrEqual(thresholds.low);
      const log = (await c.agent.tail(100_000)).split("\n");
      const removed = log
        .filter((line) => line.includes("removing image to free bytes"))
        .map((line) => (JSON.parse(line) as { image: string }).image);
      expect(removed).toHaveLength(2);
      expect(removed[0]).toBe(first);
      const collections = log
        .filter((line) => line.includes("over the high threshold"))
        .map((line) => JSON.parse(line) as { usage: number; highThreshold: number; lowThreshold: number });
      expect(collections).toHaveLength(1);
      expect(collections[0]?.usage).toBeGreaterThanOrEqual(thresholds.high);
      expect(collections[0]).toMatchObject({ highThreshold: thresholds.high, lowThreshold: thresholds.low });

      const events = JSON.parse(await c.kubectl("get", "events", "-o", "json")) as { items: PodEvent[] };
      // A pass that runs while the third pull is still writing its layers counts them as used but
      // cannot free them: it frees what it can and says FreeDiskSpaceFailed, as the kubelet does.
      // The outcome above (down to the low threshold, the right images) is what is asserted then.
      expect(events.items.filter((e) => e.reason === "ImageGCFailed")).toEqual([]);
      for (const e of events.items.filter((x) => x.reason === "FreeDiskSpaceFailed")) {
        expect(e.message).toMatch(
          /^Failed to garbage collect required amount of images\. Attempted to free \d+ bytes, but only found \d+ bytes eligible to free\.$/,
        );
      }
      const p = await c.api.get<IPod>(
        resourcePath({ resource: "pods", namespace: "default", name: "in-use" }),
      );
      expect(p.status?.phase).toBe("Running");
      await c.deletePod("in-use", { gracePeriodSeconds: 0 });
      await c.waitForPodGone("in-use");
    },
  );
});
