import { describe, expect, it } from "vitest";
import { computeHash, equalIgnoringHash } from "./template-hash.js";

describe("pod-template-hash", () => {
  const template = {
    metadata: { labels: { app: "web" } },
    spec: { containers: [{ name: "c", image: "busybox" }] },
  };

  it("is stable, in the generated-name alphabet, and changes with the template or the collision count", () => {
    const h = computeHash(template, undefined);
    expect(h).toMatch(/^[bcdfghjklmnpqrstvwxz2456789]+$/);
    expect(computeHash(structuredClone(template), undefined)).toBe(h);
    expect(computeHash(template, 1)).not.toBe(h);
    expect(
      computeHash({ ...template, spec: { containers: [{ name: "c", image: "busybox:2" }] } }, undefined),
    ).not.toBe(h);
  });

  it("compares templates without the hash label and without empty fields", () => {
    const stored = { metadata: { labels: { app: "web", "pod-template-hash": "abc" } }, spec: template.spec };
    const sent = {
      metadata: { creationTimestamp: null, labels: { app: "web" } },
      spec: { containers: [{ name: "c", image: "busybox", resources: {} }] },
    };
    expect(equalIgnoringHash(stored, sent, "pod-template-hash")).toBe(true);
    expect(equalIgnoringHash(stored, { ...sent, spec: { containers: [] } }, "pod-template-hash")).toBe(false);
  });
});
