import { describe, expect, it } from "vitest";
import { kindSchema } from "./field-schema.js";
import { typeMismatch } from "./json-types.js";

const podSchema = () => {
  const s = kindSchema("", "v1", "Pod");
  if (s === undefined) throw new Error("no Pod schema");
  return s;
};

const pod = (container: Record<string, unknown>, spec: Record<string, unknown> = {}) => ({
  metadata: { name: "p", labels: { a: "b" } },
  spec: { containers: [{ name: "c", image: "busybox", ...container }], ...spec },
});

describe("JSON types against a kind's schema", () => {
  it("takes a well-typed pod, IntOrString ports and quantities", () => {
    const p = pod({
      command: ["sh"],
      ports: [{ containerPort: 80 }],
      resources: { limits: { cpu: "1", memory: 1024 } },
      livenessProbe: { httpGet: { port: "http" } },
    });
    expect(typeMismatch(p, podSchema())).toBeUndefined();
  });

  it.each([
    ["a number for a list", pod({}, { containers: 1.5 }), "spec.containers", "number", "array"],
    [
      "an object for a list of strings",
      pod({ command: { a: 1 } }),
      "spec.containers[0].command",
      "object",
      "array",
    ],
    ["a number for a string", pod({ image: 42 }), "spec.containers[0].image", "number", "string"],
    [
      "a fraction for an integer",
      pod({}, { terminationGracePeriodSeconds: 1.5 }),
      "spec.terminationGracePeriodSeconds",
      "number 1.5",
      "integer",
    ],
    [
      "a huge integer",
      pod({}, { activeDeadlineSeconds: 1e308 }),
      "spec.activeDeadlineSeconds",
      "number 1e+308",
      "integer",
    ],
    ["a list for a map", { metadata: { labels: ["a"] } }, "metadata.labels", "array", "map"],
    [
      "a number as a label value",
      { metadata: { labels: { a: 1 } } },
      "metadata.labels[a]",
      "number",
      "string",
    ],
  ])("refuses %s", (_what, value, path, found, want) => {
    expect(typeMismatch(value, podSchema())).toEqual({ path, found, want });
  });

  it("drops null fields as decoding does, and turns a null list item into an empty object", () => {
    const p = pod({ command: null, env: [null] }, { nodeName: null });
    expect(typeMismatch(p, podSchema())).toBeUndefined();
    expect(p.spec).toEqual({ containers: [{ name: "c", image: "busybox", env: [{}] }] });
  });
});
