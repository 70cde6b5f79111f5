import type { IPod } from "kubernetes-models/v1";
import { describe, expect, it } from "vitest";
import type { Payload } from "./atomic-writer.js";
import {
  configMapPayload,
  downwardApiPayload,
  projectedPayload,
  secretPayload,
  type DataObject,
  type PayloadSources,
} from "./payloads.js";

const pod: IPod = {
  apiVersion: "v1",
  kind: "Pod",
  metadata: { name: "p", namespace: "ns", labels: { a: "1" } },
};

function obj(entries: Record<string, string>): DataObject {
  return { data: Object.fromEntries(Object.entries(entries).map(([k, v]) => [k, Buffer.from(v)])) };
}

const sources: PayloadSources = {
  configMap: async (name) => (name === "cm" ? obj({ k1: "v1", k2: "v2" }) : undefined),
  secret: async (name) => (name === "s" ? { data: { bin: Buffer.from([0, 1, 2]) } } : undefined),
  downward: (item) => {
    if (item.fieldRef?.fieldPath === "metadata.name") return "p";
    throw new Error(`unsupported fieldPath: ${item.fieldRef?.fieldPath ?? ""}`);
  },
};

function show(payload: Payload): Record<string, [string, string]> {
  return Object.fromEntries(
    [...payload].map(([path, f]) => [path, [f.data.toString("hex"), f.mode.toString(8)]]),
  );
}
const hex = (s: string): string => Buffer.from(s).toString("hex");

describe("configMap and secret payloads", () => {
  it("projects every key under its name with defaultMode 0644", async () => {
    expect(show(await configMapPayload({ name: "cm" }, sources))).toEqual({
      k1: [hex("v1"), "644"],
      k2: [hex("v2"), "644"],
    });
  });

  it("projects only the listed items, at their paths, with per-item mode over defaultMode", async () => {
    const payload = await configMapPayload(
      {
        name: "cm",
        defaultMode: 0o400,
        items: [
          { key: "k1", path: "dir/one" },
          { key: "k2", path: "two", mode: 0o600 },
        ],
      },
      sources,
    );
    expect(show(payload)).toEqual({ "dir/one": [hex("v1"), "400"], two: [hex("v2"), "600"] });
  });

  it("fails on a missing object or key with the kubelet's words, unless optional", async () => {
    await expect(configMapPayload({ name: "nope" }, sources)).rejects.toThrow('configmap "nope" not found');
    await expect(secretPayload({ secretName: "nope" }, sources)).rejects.toThrow('secret "nope" not found');
    await expect(configMapPayload({ name: "cm", items: [{ key: "x", path: "x" }] }, sources)).rejects.toThrow(
      "configmap references non-existent config key: x",
    );
    await expect(
      secretPayload({ secretName: "s", items: [{ key: "x", path: "x" }] }, sources),
    ).rejects.toThrow("references non-existent secret key: x");
    expect((await configMapPayload({ name: "nope", optional: true }, sources)).size).toBe(0);
    const partial = await configMapPayload(
      {
        name: "cm",
        optional: true,
        items: [
          { key: "x", path: "x" },
          { key: "k1", path: "k1" },
        ],
      },
      sources,
    );
    expect([...partial.keys()]).toEqual(["k1"]);
  });

  it("keeps binary secret data as bytes", async () => {
    expect(show(await secretPayload({ secretName: "s", defaultMode: 0o440 }, sources))).toEqual({
      bin: ["000102", "440"],
    });
  });
});

describe("downwardAPI and projected payloads", () => {
  it("writes each item, and reports every failing item together", () => {
    expect(
      show(
        downwardApiPayload([{ path: "name", fieldRef: { fieldPath: "metadata.name" } }], 0o644, pod, sources),
      ),
    ).toEqual({
      name: [hex("p"), "644"],
    });
    expect(() =>
      downwardApiPayload(
        [
          { path: "a", fieldRef: { fieldPath: "status.bad" } },
          { path: "b", fieldRef: { fieldPath: "spec.bad" } },
        ],
        0o644,
        pod,
        sources,
      ),
    ).toThrow("[unsupported fieldPath: status.bad, unsupported fieldPath: spec.bad]");
  });

  it("merges sources in order under one defaultMode; later paths win", async () => {
    const payload = await projectedPayload(
      {
        defaultMode: 0o440,
        sources: [
          { configMap: { name: "cm", items: [{ key: "k1", path: "same" }] } },
          { secret: { name: "s" } },
          { downwardAPI: { items: [{ path: "same", fieldRef: { fieldPath: "metadata.name" } }] } },
        ],
      },
      pod,
      sources,
    );
    expect(show(payload)).toEqual({ same: [hex("p"), "440"], bin: ["000102", "440"] });
  });

  it("reports a missing non-optional source and skips an optional one", async () => {
    await expect(
      projectedPayload(
        { sources: [{ configMap: { name: "gone" } }, { secret: { name: "s" } }] },
        pod,
        sources,
      ),
    ).rejects.toThrow('configmap "gone" not found');
    const payload = await projectedPayload(
      { sources: [{ configMap: { name: "gone", optional: true } }, { secret: { name: "s" } }] },
      pod,
      sources,
    );
    expect([...payload.keys()]).toEqual(["bin"]);
  });
});
