import { describe, expect, it } from "vitest";
import { parseResourcePath } from "./request-info.js";

describe("parseResourcePath", () => {
  it("reads namespaced, cluster-scoped and grouped paths", () => {
    expect(parseResourcePath("/api/v1/namespaces/default/pods/web/status")).toEqual({
      group: "",
      version: "v1",
      namespace: "default",
      resource: "pods",
      name: "web",
      subresource: "status",
    });
    expect(parseResourcePath("/api/v1/pods")).toEqual({ group: "", version: "v1", resource: "pods" });
    expect(
      parseResourcePath("/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/n1"),
    ).toMatchObject({
      group: "coordination.k8s.io",
      namespace: "kube-node-lease",
      resource: "leases",
      name: "n1",
    });
  });

  it("treats /namespaces/{name} and its status as the namespace itself", () => {
    expect(parseResourcePath("/api/v1/namespaces/team")).toEqual({
      group: "",
      version: "v1",
      resource: "namespaces",
      name: "team",
    });
    expect(parseResourcePath("/api/v1/namespaces/team/status")).toMatchObject({
      resource: "namespaces",
      name: "team",
      subresource: "status",
    });
  });

  it("returns undefined for non-resource paths and too deep ones", () => {
    expect(parseResourcePath("/api")).toBeUndefined();
    expect(parseResourcePath("/healthz")).toBeUndefined();
    expect(parseResourcePath("/api/v1/namespaces/a/pods/b/c/d")).toBeUndefined();
  });
});
