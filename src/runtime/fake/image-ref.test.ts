import { describe, expect, it } from "vitest";
import { hasCode } from "../../common/index.js";
import { parseImageRef, registryOf } from "./image-ref.js";

describe("parseImageRef", () => {
  it("normalises short names the way Docker does", () => {
    expect(parseImageRef("busybox").normalized).toBe("docker.io/library/busybox:latest");
    expect(parseImageRef("user/app:1").normalized).toBe("docker.io/user/app:1");
    expect(parseImageRef("localhost/app").normalized).toBe("localhost/app:latest");
  });

  it("keeps a registry with a port, tags and digests", () => {
    const ref = parseImageRef("127.0.0.1:5000/berth/test:1.0");
    expect(ref).toMatchObject({ repository: "127.0.0.1:5000/berth/test", tag: "1.0" });
    expect(registryOf(ref)).toBe("127.0.0.1:5000");
    const digest = `sha256:${"a".repeat(64)}`;
    expect(parseImageRef(`quay.io/x/y@${digest}`).normalized).toBe(`quay.io/x/y@${digest}`);
  });

  it.each(["", "repo/UPPER", "a//b", "Not A//Valid::Reference", "x:tag:tag", "x@sha256:zz"])(
    "refuses %j with InvalidImageName",
    (image) => {
      let caught: unknown;
      try {
        parseImageRef(image);
      } catch (err) {
        caught = err;
      }
      expect(hasCode(caught, "InvalidImageName")).toBe(true);
    },
  );
});
