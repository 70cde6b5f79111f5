import { describe, expect, it } from "vitest";
import type { KubeObject } from "./object.js";
import { runtimeclasses } from "./runtimeclasses.js";
import { fieldErrorText } from "./validation.js";

function runtimeClass(fields: Record<string, unknown>): KubeObject {
  return { metadata: { name: "sandboxed" }, ...fields };
}

function errors(obj: KubeObject, old?: KubeObject): string[] {
  return (runtimeclasses.validate?.(obj, old) ?? []).map(fieldErrorText);
}

describe("node.k8s.io/v1 RuntimeClass validation", () => {
  it("accepts a handler with overhead and scheduling", () => {
    expect(
      errors(
        runtimeClass({
          handler: "runsc",
          overhead: { podFixed: { cpu: "250m", memory: "120Mi" } },
          scheduling: {
            nodeSelector: { sandbox: "gvisor" },
            tolerations: [{ key: "sandbox", operator: "Exists", effect: "NoSchedule" }],
          },
        }),
      ),
    ).toEqual([]);
  });

  it("requires a handler that is a DNS label", () => {
    expect(errors(runtimeClass({}))).toEqual(["handler: Required value"]);
    expect(errors(runtimeClass({ handler: "run.sc" }))[0]).toMatch(
      /^handler: Invalid value: "run.sc": a lowercase RFC 1123 label must consist of/,
    );
  });

  it("keeps the handler immutable", () => {
    const old = runtimeClass({ handler: "runsc" });
    expect(errors(runtimeClass({ handler: "kata" }), old)).toEqual([
      'handler: Invalid value: "kata": field is immutable',
    ]);
    expect(errors(runtimeClass({ handler: "runsc", overhead: { podFixed: { cpu: "1" } } }), old)).toEqual([]);
  });

  it("checks overhead quantities, node selector labels and tolerations", () => {
    expect(
      errors(
        runtimeClass({
          handler: "runsc",
          overhead: { podFixed: { cpu: "lots" } },
          scheduling: {
            nodeSelector: { "bad key!": "x" },
            tolerations: [
              { key: "a", operator: "Exists" },
              { key: "a", operator: "Exists" },
              { operator: "Equal", value: "x" },
            ],
          },
        }),
      ),
    ).toEqual([
      expect.stringMatching(/^overhead\.limits\[cpu\]: Invalid value: "lots"/),
      expect.stringMatching(/^scheduling\.nodeSelector: Invalid value: "bad key!"/),
      expect.stringMatching(/^scheduling\.tolerations\[1\]: Duplicate value/),
      expect.stringMatching(
        /^scheduling\.tolerations\[2\]\.operator: Invalid value: "Equal": operator must be Exists/,
      ),
    ]);
  });
});
