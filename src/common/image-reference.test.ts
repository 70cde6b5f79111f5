import { describe, expect, it } from "vitest";
import { ErrorCode } from "./errors.js";
import {
  defaultPullPolicy,
  effectiveTag,
  isImageId,
  normalizedImage,
  parseImageReference,
} from "./image-reference.js";

const DIGEST = `sha256:${"ab".repeat(32)}`;

describe("parseImageReference", () => {
  it("splits and normalises name, registry, path, tag and digest", () => {
    expect(parseImageReference("busybox")).toEqual({
      name: "busybox",
      domain: "docker.io",
      path: "library/busybox",
      repository: "docker.io/library/busybox",
    });
    expect(parseImageReference("127.0.0.1:5000/berth/test:1.0")).toEqual({
      name: "127.0.0.1:5000/berth/test",
      domain: "127.0.0.1:5000",
      path: "berth/test",
      repository: "127.0.0.1:5000/berth/test",
      tag: "1.0",
    });
    expect(parseImageReference(`registry.k8s.io/pause@${DIGEST}`)).toMatchObject({
      name: "registry.k8s.io/pause",
      domain: "registry.k8s.io",
      digest: DIGEST,
    });
    expect(parseImageReference(`localhost/a_b/c__d/e--f:v1@${DIGEST}`)).toMatchObject({
      name: "localhost/a_b/c__d/e--f",
      domain: "localhost",
      path: "a_b/c__d/e--f",
      tag: "v1",
      digest: DIGEST,
    });
    expect(parseImageReference("[::1]:5000/x")).toMatchObject({ domain: "[::1]:5000", path: "x" });
    expect(parseImageReference("Registry.Example.com/x")).toMatchObject({ domain: "Registry.Example.com" });
    expect(parseImageReference("user/app:1").repository).toBe("docker.io/user/app");
    expect(parseImageReference("index.docker.io/library/busybox").repository).toBe(
      "docker.io/library/busybox",
    );
  });

  it("refuses malformed references with InvalidImageName", () => {
    for (const bad of [
      "",
      "a::b",
      "Not A//Valid::Reference",
      "UPPER:1",
      "x/UPPER",
      "a//b",
      "a/",
      ":tag",
      "a:-bad",
      "x:tag:tag",
      "a@sha256:zz",
      "a@sha256",
      "-lead",
      `a:${"t".repeat(129)}`,
      "a".repeat(256),
      "my_host.com:x/y",
    ]) {
      expect(() => parseImageReference(bad), bad).toThrow(
        expect.objectContaining({ code: ErrorCode.InvalidImageName }),
      );
    }
  });
});

describe("normalizedImage and effectiveTag", () => {
  it("fill in the default tag unless the reference is pinned by digest", () => {
    expect(normalizedImage(parseImageReference("busybox"))).toBe("docker.io/library/busybox:latest");
    expect(normalizedImage(parseImageReference("localhost/app"))).toBe("localhost/app:latest");
    expect(normalizedImage(parseImageReference(`quay.io/x/y@${DIGEST}`))).toBe(`quay.io/x/y@${DIGEST}`);
    expect(effectiveTag(parseImageReference(`quay.io/x/y@${DIGEST}`))).toBeUndefined();
    expect(effectiveTag(parseImageReference(`quay.io/x/y:2@${DIGEST}`))).toBe("2");
  });
});

describe("defaultPullPolicy", () => {
  it.each([
    ["busybox", "Always"],
    ["busybox:latest", "Always"],
    ["127.0.0.1:5000/berth/test:1.0", "IfNotPresent"],
    [`busybox@${DIGEST}`, "IfNotPresent"],
    [`busybox:latest@${DIGEST}`, "Always"],
    ["localhost:5000/app", "Always"],
    ["Not A//Valid::Reference", "IfNotPresent"],
  ])("%s -> %s", (image, policy) => {
    expect(defaultPullPolicy(image)).toBe(policy);
  });
});

describe("isImageId", () => {
  it("tells image ids from references", () => {
    expect(isImageId(DIGEST)).toBe(true);
    expect(isImageId("2a30817e4d0c")).toBe(true);
    expect(isImageId("busybox")).toBe(false);
  });
});
