import { describe, expect, it } from "vitest";
import type { Container, Image } from "../../runtime/index.js";
import { ImageRecords } from "./image-records.js";

function image(id: string, tag: string, extra: Partial<Image> = {}): Image {
  return {
    id,
    repoTags: [tag],
    repoDigests: [`${tag.split(":")[0]}@sha256:${id.slice(-4).padStart(64, "0")}`],
    size: 100,
    user: "",
    ...extra,
  };
}

function container(image: string, imageRef: string): Container {
  return {
    id: `c-${image}-${imageRef}`,
    podSandboxId: "s",
    metadata: { name: "app", attempt: 0 },
    image: { image },
    imageRef,
    state: "exited",
    createdAt: 0n,
    labels: {},
    annotations: {},
  };
}

const A = image("sha256:aaaa", "registry.test/a:1");
const B = image("sha256:bbbb", "registry.test/b:1");
const C = image("sha256:cccc", "registry.test/c:1");
const D = image("sha256:dddd", "docker.io/library/busybox:latest");

describe("ImageRecords", () => {
  it("counts an image in use by id, repo digest or tag, the tag as written or normalised", () => {
    const records = new ImageRecords();
    const inUse = records.detect(
      [A, B, C, D],
      [
        container("registry.test/a:1", "sha256:aaaa"),
        container("", `registry.test/b@sha256:${"bbbb".padStart(64, "0")}`),
        container("busybox", ""),
      ],
      [],
      1_000,
      1_000,
    );
    expect([...inUse].sort()).toEqual(["sha256:aaaa", "sha256:bbbb", "sha256:dddd"]);
    expect(records.evictionOrder(inUse).map((r) => r.id)).toEqual(["sha256:cccc"]);
  });

  it("keeps first detection across passes, moves last use while in use, forgets vanished images", () => {
    const records = new ImageRecords();
    records.detect([A, B], [container("registry.test/a:1", "sha256:aaaa")], [], 1_000, 1_000);
    records.detect([A, B], [], [], 2_000, 2_000);
    expect(records.get("sha256:aaaa")).toMatchObject({ firstDetected: 1_000, lastUsed: 1_000 });
    expect(records.get("sha256:bbbb")).toMatchObject({ firstDetected: 1_000, lastUsed: 0 });
    records.detect([A], [], [], 3_000, 3_000);
    expect(records.get("sha256:bbbb")).toBeUndefined();
  });

  it("orders least recently used first, ties by first detection; pinned images never listed", () => {
    const records = new ImageRecords();
    records.detect([A], [], [], 1_000, 1_000);
    records.detect([A, B, C], [container("registry.test/c:1", "")], [], 2_000, 2_000);
    const pinnedByRuntime = image("sha256:eeee", "registry.test/e:1", { pinned: true });
    const inUse = records.detect([A, B, C, D, pinnedByRuntime], [], ["busybox"], 3_000, 3_000);
    // A (never used, seen at 1 s), B (never used, seen at 2 s), C (used at 2 s); D pinned by
    // reference, E by the runtime.
    expect(records.evictionOrder(inUse).map((r) => r.id)).toEqual([
      "sha256:aaaa",
      "sha256:bbbb",
      "sha256:cccc",
    ]);
    expect(records.get("sha256:dddd")?.pinned).toBe(true);
    expect(records.get("sha256:eeee")?.pinned).toBe(true);
  });
});
