import { describe, expect, it } from "vitest";
import { BerthError, ErrorCode } from "../../common/index.js";
import { applyJsonPatch, escapeJsonPointerToken, parseJsonPointer } from "./json-patch.js";

function errorOf(fn: () => unknown): BerthError {
  try {
    fn();
  } catch (err) {
    if (err instanceof BerthError) return err;
    throw err;
  }
  throw new Error("expected a BerthError");
}

describe("JSON pointers", () => {
  it("unescapes ~1 and ~0", () => {
    expect(parseJsonPointer("/metadata/labels/example.com~1app~0x")).toEqual([
      "metadata",
      "labels",
      "example.com/app~x",
    ]);
    expect(parseJsonPointer("")).toEqual([]);
    expect(escapeJsonPointerToken("a/b~c")).toBe("a~1b~0c");
  });

  it("rejects malformed pointers as BadRequest", () => {
    expect(errorOf(() => parseJsonPointer("a")).code).toBe(ErrorCode.BadRequest);
    expect(errorOf(() => parseJsonPointer("/a~2")).code).toBe(ErrorCode.BadRequest);
  });
});

describe("applyJsonPatch (RFC 6902)", () => {
  const pod = {
    metadata: { name: "p", labels: { app: "web" } },
    spec: { containers: [{ name: "a" }, { name: "b" }] },
  };

  it("adds, including at an index and at the end", () => {
    expect(
      applyJsonPatch(pod, [
        { op: "add", path: "/metadata/labels/tier", value: "front" },
        { op: "add", path: "/spec/containers/1", value: { name: "mid" } },
        { op: "add", path: "/spec/containers/-", value: { name: "last" } },
      ]),
    ).toEqual({
      metadata: { name: "p", labels: { app: "web", tier: "front" } },
      spec: { containers: [{ name: "a" }, { name: "mid" }, { name: "b" }, { name: "last" }] },
    });
  });

  it("removes, replaces, moves and copies", () => {
    const out = applyJsonPatch(pod, [
      { op: "remove", path: "/spec/containers/0" },
      { op: "replace", path: "/metadata/labels/app", value: "db" },
      { op: "copy", from: "/metadata/labels/app", path: "/metadata/labels/copy" },
      { op: "move", from: "/metadata/name", path: "/metadata/renamed" },
    ]);
    expect(out).toEqual({
      metadata: { renamed: "p", labels: { app: "db", copy: "db" } },
      spec: { containers: [{ name: "b" }] },
    });
    expect(pod.spec.containers).toHaveLength(2);
  });

  it("handles escaped keys", () => {
    const out = applyJsonPatch({ metadata: { labels: {} } }, [
      { op: "add", path: "/metadata/labels/example.com~1app", value: "x" },
    ]);
    expect(out).toEqual({ metadata: { labels: { "example.com/app": "x" } } });
  });

  it("passes a matching test and fails a mismatching one with 422", () => {
    expect(applyJsonPatch(pod, [{ op: "test", path: "/metadata/labels", value: { app: "web" } }])).toEqual(
      pod,
    );
    const err = errorOf(() => applyJsonPatch(pod, [{ op: "test", path: "/metadata/name", value: "q" }]));
    expect(err.code).toBe(ErrorCode.Invalid);
    expect(err.message).toBe("testing value /metadata/name failed: test failed");
  });

  it("answers 422 for paths that do not apply", () => {
    const missing = errorOf(() =>
      applyJsonPatch(pod, [{ op: "replace", path: "/spec/nodeName", value: "n" }]),
    );
    expect(missing.code).toBe(ErrorCode.Invalid);
    expect(missing.message).toBe(
      "replace operation does not apply: doc is missing key: /spec/nodeName: missing value",
    );
    const deep = errorOf(() => applyJsonPatch(pod, [{ op: "add", path: "/status/phase", value: "x" }]));
    expect(deep.message).toBe(
      'add operation does not apply: doc is missing path: "/status/phase": missing value',
    );
    const bounds = errorOf(() => applyJsonPatch(pod, [{ op: "add", path: "/spec/containers/5", value: {} }]));
    expect(bounds.message).toBe(
      'add operation does not apply: index out of bounds 5 in "/spec/containers/5"',
    );
    const parent = errorOf(() => applyJsonPatch(pod, [{ op: "replace", path: "/status/phase", value: "x" }]));
    expect(parent.message).toBe(
      "replace operation does not apply: doc is missing path: /status/phase: missing value",
    );
    const from = errorOf(() => applyJsonPatch(pod, [{ op: "copy", from: "/status/phase", path: "/x" }]));
    expect(from.message).toBe(
      "copy operation does not apply: doc is missing from path: /status/phase: missing value",
    );
    const test = errorOf(() => applyJsonPatch(pod, [{ op: "test", path: "/status/phase", value: "x" }]));
    expect(test.message).toBe("test operation does not apply: is missing path: /status/phase: missing value");
    const remove = errorOf(() => applyJsonPatch(pod, [{ op: "remove", path: "/metadata/nope" }]));
    expect(remove.message).toBe(
      'remove operation does not apply: doc is missing path: "/metadata/nope": missing value',
    );
    expect(remove.code).toBe(ErrorCode.Invalid);
    const move = errorOf(() => applyJsonPatch(pod, [{ op: "move", from: "/metadata", path: "/metadata/x" }]));
    expect(move.code).toBe(ErrorCode.Invalid);
  });

  it("answers 400 for a patch that does not decode", () => {
    expect(errorOf(() => applyJsonPatch(pod, { op: "add" })).code).toBe(ErrorCode.BadRequest);
    expect(errorOf(() => applyJsonPatch(pod, [{ op: "frobnicate", path: "/a" }])).message).toBe(
      "Unexpected kind: frobnicate",
    );
    expect(errorOf(() => applyJsonPatch(pod, [{ op: "add", path: "/a" }])).code).toBe(ErrorCode.BadRequest);
    expect(errorOf(() => applyJsonPatch(pod, [{ op: "move", path: "/a" }])).code).toBe(ErrorCode.BadRequest);
  });

  it("treats a missing member as null for test", () => {
    expect(applyJsonPatch(pod, [{ op: "test", path: "/metadata/nope", value: null }])).toEqual(pod);
    expect(applyJsonPatch(pod, [{ op: "test", path: "", value: pod }])).toEqual(pod);
  });

  it("replaces the whole document at the root pointer", () => {
    expect(applyJsonPatch(pod, [{ op: "replace", path: "", value: { x: 1 } }])).toEqual({ x: 1 });
  });
});
