import { describe, expect, it } from "vitest";
import { ErrorCode } from "../../common/index.js";
import { checkImageRef, parseReference } from "./reference.js";

const DIGEST = `sha256:${"ab".repeat(32)}`;

describe("parseReference", () => {
  it("splits name, tag and digest", () => {
    expect(parseReference("busybox")).toEqual({ name: "busybox" });
    expect(parseReference("127.0.0.1:5000/berth/test:1.0")).toEqual({
      name: "127.0.0.1:5000/berth/test",
      tag: "1.0",
    });
    expect(parseReference(`registry.k8s.io/pause@${DIGEST}`)).toEqual({
      name: "registry.k8s.io/pause",
      digest: DIGEST,
    });
    expect(parseReference(`localhost/a_b/c__d/e--f:v1@${DIGEST}`)).toEqual({
      name: "localhost/a_b/c__d/e--f",
      tag: "v1",
      digest: DIGEST,
    });
    expect(parseReference("[::1]:5000/x")).toEqual({ name: "[::1]:5000/x" });
    expect(parseReference("Registry.Example.com/x")).toEqual({ name: "Registry.Example.com/x" });
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
      "a@sha256:zz",
      "a@sha256",
      "-lead",
      `a:${"t".repeat(129)}`,
      "a".repeat(256),
      "my_host.com:x/y",
    ]) {
      expect(() => parseReference(bad), bad).toThrow(
        expect.objectContaining({ code: ErrorCode.InvalidImageName }),
      );
    }
  });

  it("accepts image ids where images are looked up", () => {
    expect(() => checkImageRef(DIGEST)).not.toThrow();
    expect(() => checkImageRef("2a30817e4d0c")).not.toThrow();
    expect(() => checkImageRef("Bad Ref")).toThrow(/invalid image reference/);
  });
});
