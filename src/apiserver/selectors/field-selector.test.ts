import { describe, expect, it } from "vitest";
import { BerthError, ErrorCode } from "../../common/index.js";
import { escapeFieldValue, formatFieldSelector, matchFields, parseFieldSelector } from "./field-selector.js";
import {
  EVENT_SELECTABLE_FIELDS,
  eventFields,
  metaFields,
  NODE_SELECTABLE_FIELDS,
  nodeFields,
  POD_SELECTABLE_FIELDS,
  podFields,
} from "./selectable-fields.js";

function badRequestMessage(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (err instanceof BerthError && err.code === ErrorCode.BadRequest) return err.message;
    throw err;
  }
  throw new Error("expected BadRequest");
}

const pod = {
  metadata: { name: "web-1", namespace: "default" },
  spec: { nodeName: "n1", restartPolicy: "Always", schedulerName: "default-scheduler", hostNetwork: true },
  status: { phase: "Running", podIP: "10.0.0.9", podIPs: [{ ip: "10.0.0.9" }, { ip: "fd00::9" }] },
};

describe("parseFieldSelector", () => {
  it("parses =, == and != joined by commas", () => {
    expect(
      parseFieldSelector("spec.nodeName=n1,status.phase!=Failed,metadata.name==x", POD_SELECTABLE_FIELDS),
    ).toEqual([
      { field: "spec.nodeName", operator: "=", value: "n1" },
      { field: "status.phase", operator: "!=", value: "Failed" },
      { field: "metadata.name", operator: "=", value: "x" },
    ]);
  });

  it("allows an empty value and an empty selector", () => {
    expect(parseFieldSelector("", POD_SELECTABLE_FIELDS)).toEqual([]);
    expect(parseFieldSelector("involvedObject.namespace=", EVENT_SELECTABLE_FIELDS)).toEqual([
      { field: "involvedObject.namespace", operator: "=", value: "" },
    ]);
  });

  it("unescapes values and round-trips", () => {
    const sel = parseFieldSelector("metadata.name=a\\,b\\=c\\\\d", POD_SELECTABLE_FIELDS);
    expect(sel[0]?.value).toBe("a,b=c\\d");
    expect(formatFieldSelector(sel)).toBe("metadata.name=a\\,b\\=c\\\\d");
    expect(escapeFieldValue("x,y")).toBe("x\\,y");
  });

  it("rejects unknown fields with upstream's message", () => {
    expect(badRequestMessage(() => parseFieldSelector("spec.foo=bar", POD_SELECTABLE_FIELDS))).toBe(
      "field label not supported: spec.foo",
    );
  });

  it("rejects terms without an operator", () => {
    expect(badRequestMessage(() => parseFieldSelector("a=b,metadata.name", POD_SELECTABLE_FIELDS))).toBe(
      "invalid selector: 'a=b,metadata.name'; can't understand 'metadata.name'",
    );
  });

  it("rejects bad escapes", () => {
    expect(badRequestMessage(() => parseFieldSelector("metadata.name=a\\x", POD_SELECTABLE_FIELDS))).toBe(
      "invalid field selector: invalid escape sequence: \\x",
    );
    expect(badRequestMessage(() => parseFieldSelector("metadata.name=a\\", POD_SELECTABLE_FIELDS))).toBe(
      "invalid field selector: invalid escape sequence: \\",
    );
    expect(badRequestMessage(() => parseFieldSelector("metadata.name=a=b", POD_SELECTABLE_FIELDS))).toBe(
      "invalid field selector: unescaped character in value: 61",
    );
  });
});

describe("matchFields", () => {
  it("matches pods as kubectl describe node asks", () => {
    const sel = parseFieldSelector(
      "spec.nodeName=n1,status.phase!=Succeeded,status.phase!=Failed",
      POD_SELECTABLE_FIELDS,
    );
    expect(matchFields(sel, podFields(pod))).toBe(true);
    expect(matchFields(sel, podFields({ ...pod, status: { phase: "Failed" } }))).toBe(false);
  });

  it("compares a missing field as empty", () => {
    const fields = podFields({ metadata: { name: "x" } });
    expect(matchFields(parseFieldSelector("spec.nodeName=", POD_SELECTABLE_FIELDS), fields)).toBe(true);
    expect(matchFields(parseFieldSelector("spec.nodeName!=", POD_SELECTABLE_FIELDS), fields)).toBe(false);
  });
});

describe("selectable fields", () => {
  it("extracts the pod fields", () => {
    expect(podFields(pod)).toEqual({
      "metadata.name": "web-1",
      "metadata.namespace": "default",
      "spec.nodeName": "n1",
      "spec.restartPolicy": "Always",
      "spec.schedulerName": "default-scheduler",
      "spec.serviceAccountName": "",
      "spec.hostNetwork": "true",
      "status.phase": "Running",
      "status.podIP": "10.0.0.9",
      "status.nominatedNodeName": "",
    });
    expect(Object.keys(podFields(pod)).sort()).toEqual([...POD_SELECTABLE_FIELDS].sort());
    expect(podFields({})["spec.hostNetwork"]).toBe("false");
  });

  it("extracts the event fields", () => {
    const fields = eventFields({
      metadata: { name: "e", namespace: "default" },
      involvedObject: {
        kind: "Pod",
        namespace: "default",
        name: "web-1",
        uid: "u",
        apiVersion: "v1",
        fieldPath: "spec",
      },
      reason: "Pulled",
      source: { component: "kubelet", host: "n1" },
      reportingController: "berth",
      type: "Normal",
    });
    expect(fields["involvedObject.uid"]).toBe("u");
    expect(fields["involvedObject.resourceVersion"]).toBe("");
    expect(fields["source"]).toBe("kubelet");
    expect(fields["reportingComponent"]).toBe("berth");
    expect(Object.keys(fields).sort()).toEqual([...EVENT_SELECTABLE_FIELDS].sort());
    expect(eventFields({ reportingController: "berth-agent" })["source"]).toBe("berth-agent");
    const sel = parseFieldSelector(
      "involvedObject.name=web-1,involvedObject.namespace=default,involvedObject.uid=u",
      EVENT_SELECTABLE_FIELDS,
    );
    expect(matchFields(sel, fields)).toBe(true);
  });

  it("extracts node and generic fields", () => {
    expect(nodeFields({ metadata: { name: "n1" }, spec: { unschedulable: true } })).toEqual({
      "metadata.name": "n1",
      "metadata.namespace": "",
      "spec.unschedulable": "true",
    });
    expect(NODE_SELECTABLE_FIELDS.has("spec.unschedulable")).toBe(true);
    expect(metaFields(null)).toEqual({ "metadata.name": "", "metadata.namespace": "" });
  });
});
