import { describe, expect, it } from "vitest";
import { ErrorCode } from "../../common/index.js";
import {
  decodeLabels,
  decodeNamespaces,
  encodeLabels,
  encodeNamespaces,
  internalKey,
} from "./docker-labels.js";

describe("docker labels", () => {
  it("round-trips labels, annotations and bookkeeping separately", () => {
    const labels = { "io.kubernetes.pod.name": "web", app: "x", "annotation.a": "not an annotation" };
    const annotations = { "kubernetes.io/config.seen": "2026-01-01", app: "same key as a label", empty: "" };
    const docker = encodeLabels(labels, annotations, { type: "container", sandboxId: "abc" });
    expect(docker["io.berth.docker/sandbox-id"]).toBe("abc");
    expect(docker[internalKey("sandboxId")]).toBe("abc");
    expect(decodeLabels(docker)).toEqual({
      labels,
      annotations,
      internal: { type: "container", sandboxId: "abc" },
    });
  });

  it("refuses CRI labels under the reserved prefix", () => {
    expect(() => encodeLabels({ "io.berth.docker/type": "x" }, {}, {})).toThrow(
      expect.objectContaining({ code: ErrorCode.Invalid }),
    );
  });

  it("drops reserved keys it does not know and tolerates no labels at all", () => {
    expect(decodeLabels({ "io.berth.docker/unknown": "1", "io.berth.dockerX": "2", a: "b" })).toEqual({
      labels: { a: "b" },
      annotations: {},
      internal: {},
    });
    expect(decodeLabels(null)).toEqual({ labels: {}, annotations: {}, internal: {} });
  });

  it("round-trips namespace modes", () => {
    const options = { network: "NODE", pid: "CONTAINER", ipc: "POD" } as const;
    expect(decodeNamespaces(encodeNamespaces(options))).toEqual(options);
    expect(decodeNamespaces(undefined)).toEqual({ network: "POD", pid: "POD", ipc: "POD" });
    expect(decodeNamespaces("pid=BOGUS")).toEqual({ network: "POD", pid: "POD", ipc: "POD" });
  });
});
