import { describe, expect, it } from "vitest";
import { decodeMessage } from "./codec.js";
import { containerFromWire } from "./convert-container.js";
import { imageFromWire } from "./convert-image.js";
import { containerStatsFromWire } from "./convert-stats.js";
import { berthMethod, referenceMethod } from "./proto-reference.test-support.js";
import type { WireContainer, WireContainerStats, WireImage } from "./wire.js";

/** A response encoded by protobufjs, as a runtime's library would, and decoded as the adapter does. */
function roundTrip<T>(method: string, response: object): T {
  const bytes = referenceMethod(method).responseSerialize(response);
  return decodeMessage(berthMethod(method).response, bytes) as T;
}

describe("int64s read from the wire", () => {
  it("come out of a decoded response exact: timestamps, stats and image sizes", () => {
    const { containers } = roundTrip<{ containers: WireContainer[] }>("ListContainers", {
      containers: [{ id: "c1", state: "CONTAINER_RUNNING", created_at: "1795320106850730043" }],
    });
    const container = containerFromWire(containers[0] as WireContainer);
    expect(container).toMatchObject({ id: "c1", state: "running", createdAt: 1795320106850730043n });

    const { stats } = roundTrip<{ stats: WireContainerStats[] }>("ListContainerStats", {
      stats: [
        {
          attributes: { id: "c1" },
          cpu: {
            timestamp: "1795320106850730099",
            usage_core_nano_seconds: { value: "18446744073709551615" },
          },
          memory: { timestamp: "1795320106850730001", working_set_bytes: { value: "6000000000" } },
        },
      ],
    });
    const s = containerStatsFromWire(stats[0] as WireContainerStats);
    expect(s).toMatchObject({
      timestamp: 1795320106850730099n,
      cpuUsageCoreNanoSeconds: 2n ** 64n - 1n,
      memoryWorkingSetBytes: 6_000_000_000,
    });

    const { images } = roundTrip<{ images: WireImage[] }>("ListImages", {
      images: [{ id: "sha256:abc", size: "5000000000", uid: { value: "1000" } }],
    });
    expect(imageFromWire(images[0] as WireImage)).toMatchObject({
      size: 5_000_000_000,
      uid: 1000,
      user: "1000",
    });

    // Absent int64s (proto3 zeros) are 0, never undefined.
    const empty = roundTrip<{ containers: WireContainer[] }>("ListContainers", {
      containers: [{ id: "c2" }],
    });
    expect(containerFromWire(empty.containers[0] as WireContainer).createdAt).toBe(0n);
  });
});
