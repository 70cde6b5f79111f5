import { describe, expect, it } from "vitest";
import { ManualClock, silentLogger } from "../../common/index.js";
import { FakeRuntime, FAKE_IMAGE_FS, fixtureSandboxConfig } from "../../runtime/fake/index.js";
import { containerLabels } from "../../runtime/index.js";
import { MemoryEventRecorder } from "../events/index.js";
import {
  EVENT_FREE_DISK_SPACE_FAILED,
  EVENT_IMAGE_GC_FAILED,
  EVENT_INVALID_DISK_CAPACITY,
} from "./constants.js";
import type { FsStatsReader } from "./image-fs.js";
import { ImageGarbageCollector, type ImageGcPolicy } from "./image-gc-manager.js";

const PAUSE = "registry.test/pause:3.10";
const APP = "registry.test/app:1";
const OLD = "registry.test/old:1";
const MIDDLE = "registry.test/middle:1";
const NEW = "registry.test/new:1";
const MINUTE = 60_000;
/** A 1000-byte disk where the images are all that is written besides `base` bytes. */
const CAPACITY = 1000;

const POLICY: ImageGcPolicy = {
  highThresholdPercent: 85,
  lowThresholdPercent: 80,
  minAgeMs: 2 * MINUTE,
  maxAgeMs: 0,
};

interface Setup {
  readonly clock: ManualClock;
  readonly runtime: FakeRuntime;
  readonly recorder: MemoryEventRecorder;
  readonly gc: ImageGarbageCollector;
  readonly statted: string[];
}

function setup(policy: Partial<ImageGcPolicy> = {}, base = 500, fsStats?: FsStatsReader): Setup {
  const clock = new ManualClock();
  const runtime = new FakeRuntime({ clock });
  const recorder = new MemoryEventRecorder();
  const statted: string[] = [];
  const disk: FsStatsReader = async (path) => {
    statted.push(path);
    const { usedBytes } = await runtime.imageFsInfo();
    return { capacityBytes: CAPACITY, availableBytes: CAPACITY - base - usedBytes };
  };
  const gc = new ImageGarbageCollector({
    runtime,
    policy: { ...POLICY, ...policy },
    periodMs: 5 * MINUTE,
    pinnedImages: [PAUSE],
    nodeName: "node-1",
    recorder,
    clock,
    logger: silentLogger(),
    fsStats: fsStats ?? disk,
  });
  return { clock, runtime, recorder, gc, statted };
}

/** A container made from `image`; `running` false leaves it created, never started. */
async function containerOf(
  runtime: FakeRuntime,
  image: string,
  uid: string,
  running = true,
): Promise<string> {
  const config = fixtureSandboxConfig(uid);
  const sandbox = await runtime.runPodSandbox(config);
  const id = await runtime.createContainer(
    sandbox,
    {
      metadata: { name: "app", attempt: 0 },
      image: { image },
      command: ["sleep"],
      args: ["3600"],
      envs: [],
      mounts: [],
      labels: containerLabels(config.metadata, "app"),
      annotations: {},
      logPath: "app/0.log",
    },
    config,
  );
  if (running) await runtime.startContainer(id);
  return id;
}

async function present(runtime: FakeRuntime): Promise<string[]> {
  return (await runtime.listImages()).map((i) => i.repoTags[0] ?? i.id).sort();
}

describe("ImageGarbageCollector", () => {
  it("below the high threshold removes nothing", async () => {
    const { clock, runtime, gc, recorder, statted } = setup();
    runtime.addImage(OLD, { size: 100 });
    runtime.addImage(NEW, { size: 100 });
    await clock.advance(10 * MINUTE);
    // 500 + 200 of 1000: 70%.
    await gc.garbageCollect();
    expect(await present(runtime)).toEqual([NEW, OLD]);
    expect(recorder.events).toEqual([]);
    expect(statted).toEqual([FAKE_IMAGE_FS]);
  });

  it("above the high threshold frees down to the low one, least recently used first, keeping images in use and the pause image", async () => {
    const { clock, runtime, gc, recorder } = setup();
    runtime.addImage(PAUSE, { size: 50 });
    runtime.addImage(APP, { size: 100 });
    runtime.addImage(OLD, { size: 60 });
    runtime.addImage(MIDDLE, { size: 60 });
    runtime.addImage(NEW, { size: 60 });
    await containerOf(runtime, APP, "u-app");
    // OLD and NEW were never used; MIDDLE was used by a container that is gone since.
    await gc.garbageCollect();
    await clock.advance(MINUTE);
    const middle = await containerOf(runtime, MIDDLE, "u-middle");
    await gc.garbageCollect();
    await runtime.removeContainer(middle);
    await clock.advance(5 * MINUTE);
    // 500 + 330 of 1000 = 83%: under 85, nothing yet.
    await gc.garbageCollect();
    expect(await present(runtime)).toHaveLength(5);
    runtime.addImage("registry.test/pushed:1", { size: 30 });
    await clock.advance(5 * MINUTE);
    // 86% >= 85: free 1000*20/100 - 140 = 60 bytes. LRU: the never-used images first (OLD was
    // detected before "pushed"), so OLD (60 bytes) alone is enough.
    await gc.garbageCollect();
    expect(await present(runtime)).toEqual([APP, MIDDLE, NEW, PAUSE, "registry.test/pushed:1"].sort());
    expect(recorder.events).toEqual([]);

    // Push usage up again: 500 + 300 + 80 = 88%, free 200 - 120 = 80 bytes: NEW (60, never
    // used, detected before "pushed") then "pushed" (30); "late" is younger than the minimum age
    // and MIDDLE, used most recently, would have come last.
    runtime.addImage("registry.test/late:1", { size: 80 });
    await clock.advance(3 * MINUTE);
    await gc.garbageCollect();
    expect(await present(runtime)).toEqual([APP, MIDDLE, PAUSE, "registry.test/late:1"].sort());
  });

  it("the runtime's own sandbox image (verbose status) is kept like the pause image", async () => {
    const { clock, runtime, gc } = setup({}, 0);
    const sandboxImage = "registry.test/runtime-sandbox:3.6";
    const status = runtime.status.bind(runtime);
    runtime.status = async () => ({ ...(await status()), sandboxImage });
    runtime.addImage(sandboxImage, { size: 10 });
    runtime.addImage(OLD, { size: 10 });
    await gc.garbageCollect();
    await clock.advance(5 * MINUTE);
    expect(await gc.deleteUnusedImages()).toBe(10);
    expect(await present(runtime)).toEqual([sandboxImage]);
  });

  it("an image used by a container that is not running is in use", async () => {
    const { clock, runtime, gc } = setup({}, 800);
    runtime.addImage(APP, { size: 100 });
    await containerOf(runtime, APP, "u-created", false);
    await clock.advance(10 * MINUTE);
    await expect(gc.garbageCollect()).rejects.toThrow(/only found 0 bytes eligible/);
    expect(await present(runtime)).toEqual([APP]);
  });

  it("images younger than imageMinimumGCAge stay, and not freeing enough is a FreeDiskSpaceFailed event", async () => {
    const { clock, runtime, gc, recorder } = setup({}, 700);
    runtime.addImage(OLD, { size: 100 });
    await gc.garbageCollect().catch(() => undefined);
    await clock.advance(3 * MINUTE);
    runtime.addImage(NEW, { size: 100 });
    // 900 of 1000: free 200 - 100 = 100 bytes; OLD (100) is old enough and NEW is not.
    recorder.events.length = 0;
    await gc.garbageCollect();
    expect(await present(runtime)).toEqual([NEW]);
    runtime.addImage(MIDDLE, { size: 100 });
    // 900 again, free 100: NEW was first seen one minute ago and MIDDLE now, both too young.
    await clock.advance(MINUTE);
    const err = await gc.garbageCollect().catch((e: unknown) => e);
    expect(String(err)).toContain(
      "Failed to garbage collect required amount of images. Attempted to free 100 bytes, but only found 0 bytes eligible to free.",
    );
    expect(recorder.events).toEqual([
      {
        object: { kind: "Node", name: "node-1", uid: "node-1" },
        type: "Warning",
        reason: EVENT_FREE_DISK_SPACE_FAILED,
        message:
          "Failed to garbage collect required amount of images. Attempted to free 100 bytes, but only found 0 bytes eligible to free.",
      },
    ]);
    expect(await present(runtime)).toEqual([MIDDLE, NEW].sort());
  });

  it("imageMaximumGCAge removes images unused for longer, without disk pressure, once that long has passed since start", async () => {
    const { clock, runtime, gc } = setup({ maxAgeMs: 30 * MINUTE }, 0);
    runtime.addImage(OLD, { size: 10 });
    runtime.addImage(APP, { size: 10 });
    runtime.addImage(PAUSE, { size: 10 });
    const app = await containerOf(runtime, APP, "u-app");
    gc.start(new AbortController().signal);
    await gc.ready;
    await clock.advance(25 * MINUTE);
    await runtime.removeContainer(app);
    // 30 minutes since start: not yet past maxAge.
    await clock.advance(5 * MINUTE);
    expect(await present(runtime)).toEqual([APP, OLD, PAUSE].sort());
    // 35 minutes: OLD (never used) goes; APP was last used at 25 minutes; the pause image stays.
    await clock.advance(5 * MINUTE);
    expect(await present(runtime)).toEqual([APP, PAUSE].sort());
    await clock.advance(25 * MINUTE);
    expect(await present(runtime)).toEqual([PAUSE]);
    await gc.stop();
  });

  it("deleteUnusedImages removes every unused image old enough and returns the bytes freed", async () => {
    const { clock, runtime, gc } = setup({}, 0);
    runtime.addImage(PAUSE, { size: 50 });
    runtime.addImage(APP, { size: 100 });
    runtime.addImage(OLD, { size: 60 });
    runtime.addImage(MIDDLE, { size: 70 });
    await containerOf(runtime, APP, "u-app");
    await gc.garbageCollect();
    await clock.advance(3 * MINUTE);
    runtime.addImage(NEW, { size: 80 });
    expect(await gc.deleteUnusedImages()).toBe(130);
    expect(await present(runtime)).toEqual([APP, NEW, PAUSE].sort());
  });

  it("the periodic loop records ImageGCFailed only when collection fails twice in a row", async () => {
    let fail = true;
    const { clock, gc, recorder } = setup({}, 0, async () => {
      if (fail) throw new Error("statfs /fake-runtime/images: ENOENT");
      return { capacityBytes: CAPACITY, availableBytes: CAPACITY };
    });
    gc.start(new AbortController().signal);
    await gc.ready;
    expect(recorder.reasons()).toEqual([]);
    await clock.advance(5 * MINUTE);
    expect(recorder.events.map((e) => [e.reason, e.message])).toEqual([
      [EVENT_IMAGE_GC_FAILED, "statfs /fake-runtime/images: ENOENT"],
    ]);
    fail = false;
    await clock.advance(5 * MINUTE);
    fail = true;
    await clock.advance(5 * MINUTE);
    expect(recorder.reasons()).toEqual([EVENT_IMAGE_GC_FAILED]);
    await gc.stop();
  });

  it("a zero capacity is an InvalidDiskCapacity event", async () => {
    const { gc, recorder } = setup({}, 0, async () => ({ capacityBytes: 0, availableBytes: 0 }));
    await expect(gc.garbageCollect()).rejects.toThrow("invalid capacity 0 on image filesystem");
    expect(recorder.reasons()).toEqual([EVENT_INVALID_DISK_CAPACITY]);
  });

  it("a high threshold of 100 turns collection off", async () => {
    const { clock, runtime, gc } = setup({ highThresholdPercent: 100, maxAgeMs: MINUTE, minAgeMs: 0 }, 990);
    runtime.addImage(OLD, { size: 10 });
    gc.start(new AbortController().signal);
    await gc.ready;
    await clock.advance(60 * MINUTE);
    expect(await present(runtime)).toEqual([OLD]);
    await gc.stop();
  });

  it("refuses a policy whose low threshold is above the high one", () => {
    expect(() => setup({ highThresholdPercent: 50, lowThresholdPercent: 60 })).toThrow(
      /above the high threshold/,
    );
  });
});
