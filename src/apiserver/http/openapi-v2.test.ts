import { describe, expect, it } from "vitest";
import { RESOURCES } from "../registry/index.js";
import { openapiV2Document } from "./openapi-v2.js";
import { encodeOpenapiV2 } from "./openapi-v2-protobuf.js";

type Json = Record<string, unknown>;

/** Every $ref in a document, with where it was found. */
function refs(value: unknown, at: string, out: [string, string][]): [string, string][] {
  if (Array.isArray(value)) value.forEach((v, i) => refs(v, `${at}[${i}]`, out));
  else if (typeof value === "object" && value !== null) {
    for (const [k, v] of Object.entries(value)) {
      if (k === "$ref" && typeof v === "string") out.push([at, v]);
      else if (!k.startsWith("x-")) refs(v, `${at}.${k}`, out);
    }
  }
  return out;
}

/** A protobuf wire-format reader: the length-delimited fields of a message, by field number. */
function fields(buf: Buffer): Map<number, Buffer[]> {
  const out = new Map<number, Buffer[]>();
  let at = 0;
  const varint = () => {
    let n = 0;
    let shift = 0;
    for (;;) {
      const b = buf[at++] ?? 0;
      n += (b & 0x7f) * 2 ** shift;
      shift += 7;
      if (b < 0x80) return n;
    }
  };
  while (at < buf.length) {
    const tag = varint();
    if ((tag & 7) === 0) {
      varint();
      continue;
    }
    const length = varint();
    const list = out.get(tag >>> 3) ?? [];
    list.push(buf.subarray(at, at + length));
    out.set(tag >>> 3, list);
    at += length;
  }
  return out;
}

describe("/openapi/v2", () => {
  const doc = openapiV2Document(RESOURCES);
  const definitions = doc["definitions"] as Record<string, Json>;

  it("defines every served kind that has a schema, tagged with its group, version and kind", () => {
    const tagged = Object.values(definitions).flatMap(
      (d) => (d["x-kubernetes-group-version-kind"] as Json[] | undefined) ?? [],
    );
    for (const kind of ["Pod", "Node", "Namespace", "ConfigMap", "Secret", "Event"]) {
      expect(tagged).toContainEqual({ group: "", version: "v1", kind });
    }
    expect(tagged).toContainEqual({ group: "apps", version: "v1", kind: "Deployment" });
    expect(tagged).toContainEqual({ group: "coordination.k8s.io", version: "v1", kind: "Lease" });
    expect(tagged).toContainEqual({ group: "node.k8s.io", version: "v1", kind: "RuntimeClass" });
    expect(tagged).toContainEqual({
      group: "certificates.k8s.io",
      version: "v1",
      kind: "CertificateSigningRequest",
    });
  });

  it("refers only to its own definitions, with Swagger's plain $ref", () => {
    const found = refs(definitions, "definitions", []);
    expect(found.length).toBeGreaterThan(100);
    for (const [at, ref] of found) {
      expect(ref, at).toMatch(/^#\/definitions\//);
      expect(definitions[ref.slice("#/definitions/".length)], at).toBeDefined();
    }
    expect(JSON.stringify(definitions)).not.toContain("allOf");
  });

  it("carries the patch extensions kubectl's three-way merge reads", () => {
    const podSpec = definitions["io.k8s.api.core.v1.PodSpec"]?.["properties"] as Record<string, Json>;
    expect(podSpec["containers"]).toMatchObject({
      type: "array",
      items: { $ref: "#/definitions/io.k8s.api.core.v1.Container" },
      "x-kubernetes-patch-merge-key": "name",
      "x-kubernetes-patch-strategy": "merge",
      "x-kubernetes-list-type": "map",
      "x-kubernetes-list-map-keys": ["name"],
    });
    expect(podSpec["volumes"]).toMatchObject({ "x-kubernetes-patch-strategy": "merge,retainKeys" });
    const container = definitions["io.k8s.api.core.v1.Container"]?.["properties"] as Record<string, Json>;
    expect(container["ports"]).toMatchObject({
      "x-kubernetes-patch-merge-key": "containerPort",
      "x-kubernetes-list-map-keys": ["containerPort", "protocol"],
    });
    expect(container["args"]).toMatchObject({ "x-kubernetes-list-type": "atomic" });
    expect(container["args"]).not.toHaveProperty("x-kubernetes-patch-strategy");
  });

  it("has a PATCH operation per kind naming the patch types it consumes", () => {
    const paths = doc["paths"] as Record<string, { patch: Json }>;
    const op = paths["/apis/apps/v1/namespaces/{namespace}/deployments/{name}"]?.patch;
    expect(op).toMatchObject({
      consumes: expect.arrayContaining(["application/strategic-merge-patch+json"]),
      "x-kubernetes-group-version-kind": { group: "apps", version: "v1", kind: "Deployment" },
    });
    expect((op?.["parameters"] as Json[]).map((p) => p["name"])).toContain("fieldValidation");
  });

  it("encodes as gnostic's openapi_v2.Document", () => {
    const doc2 = fields(encodeOpenapiV2(doc));
    expect(doc2.get(1)?.[0]?.toString()).toBe("2.0"); // swagger
    // definitions (9) -> NamedSchema (1) -> name (1), value (2: Schema)
    const named = fields(doc2.get(9)?.[0] ?? Buffer.alloc(0)).get(1) ?? [];
    expect(named).toHaveLength(Object.keys(definitions).length);
    const byName = new Map(named.map((n) => [fields(n).get(1)?.[0]?.toString(), fields(n).get(2)?.[0]]));
    const deployment = fields(byName.get("io.k8s.api.apps.v1.Deployment") ?? Buffer.alloc(0));
    expect(
      fields(deployment.get(22)?.[0] ?? Buffer.alloc(0))
        .get(1)?.[0]
        ?.toString(),
    ).toBe("object"); // type
    // vendor_extension (31) -> NamedAny { name 1, value 2: Any { yaml 2 } }
    const ext = fields(deployment.get(31)?.[0] ?? Buffer.alloc(0));
    expect(ext.get(1)?.[0]?.toString()).toBe("x-kubernetes-group-version-kind");
    const yaml =
      fields(ext.get(2)?.[0] ?? Buffer.alloc(0))
        .get(2)?.[0]
        ?.toString() ?? "";
    expect(JSON.parse(yaml)).toEqual([{ group: "apps", kind: "Deployment", version: "v1" }]);
    // paths (8) -> NamedPathItem (2)
    expect(fields(doc2.get(8)?.[0] ?? Buffer.alloc(0)).get(2)?.length).toBe(RESOURCES.length);
  });
});
