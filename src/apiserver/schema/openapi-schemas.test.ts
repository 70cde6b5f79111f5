import { describe, expect, it } from "vitest";
import { componentSchemas, definitionName } from "./openapi-schemas.js";

describe("OpenAPI v3 component schemas from kubernetes-models", () => {
  it("names definitions as upstream does", () => {
    expect(definitionName("IIoK8sApiCoreV1PodSpec")).toBe("io.k8s.api.core.v1.PodSpec");
    expect(definitionName("IIoK8sApimachineryPkgApisMetaV1ObjectMeta")).toBe(
      "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta",
    );
    expect(definitionName("IIoK8sApimachineryPkgUtilIntstrIntOrString")).toBe(
      "io.k8s.apimachinery.pkg.util.intstr.IntOrString",
    );
    expect(definitionName("IIoK8sApiAppsV1DeploymentSpec")).toBe("io.k8s.api.apps.v1.DeploymentSpec");
  });

  it("describes a kind and everything it references, with integer formats, enums and references", () => {
    const schemas = componentSchemas([
      { group: "", version: "v1", kind: "Pod" },
      { group: "apps", version: "v1", kind: "Deployment" },
    ]);
    expect(schemas["io.k8s.api.core.v1.Pod"]).toMatchObject({
      type: "object",
      "x-kubernetes-group-version-kind": [{ group: "", kind: "Pod", version: "v1" }],
      properties: { spec: { allOf: [{ $ref: "#/components/schemas/io.k8s.api.core.v1.PodSpec" }] } },
    });
    const podSpec = schemas["io.k8s.api.core.v1.PodSpec"] as {
      properties: Record<string, unknown>;
      required: string[];
    };
    expect(podSpec.required).toEqual(["containers"]);
    expect(podSpec.properties["containers"]).toMatchObject({
      type: "array",
      items: { allOf: [{ $ref: "#/components/schemas/io.k8s.api.core.v1.Container" }] },
    });
    expect(podSpec.properties["activeDeadlineSeconds"]).toMatchObject({ type: "integer", format: "int64" });
    expect(podSpec.properties["dnsPolicy"]).toMatchObject({
      type: "string",
      enum: ["ClusterFirst", "ClusterFirstWithHostNet", "Default", "None"],
    });
    expect(podSpec.properties["nodeSelector"]).toMatchObject({
      type: "object",
      additionalProperties: { type: "string" },
    });
    expect(schemas["io.k8s.api.apps.v1.DeploymentSpec"]).toMatchObject({
      properties: { replicas: { type: "integer", format: "int32" } },
    });
    expect(schemas["io.k8s.apimachinery.pkg.apis.meta.v1.Time"]).toMatchObject({
      type: "string",
      format: "date-time",
    });
    expect(Object.keys(schemas)).toContain("io.k8s.api.core.v1.SecurityContext");
  });
});
