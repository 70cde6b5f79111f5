import { describe, expect, it } from "vitest";
import { BerthError, ErrorCode } from "../../common/index.js";
import { patchSchemaFor } from "./patch-schema.js";
import { applyStrategicMergePatch } from "./strategic-merge.js";

const podSchema = patchSchemaFor("v1", "Pod");

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
  apiVersion: "v1",
  kind: "Pod",
  metadata: { name: "p", labels: { app: "web", tier: "front" }, finalizers: ["a"] },
  spec: {
    containers: [
      { name: "app", image: "app:1", env: [{ name: "A", value: "1" }], ports: [{ containerPort: 80 }] },
      { name: "side", image: "side:1" },
    ],
    volumes: [{ name: "data", emptyDir: {} }],
    tolerations: [{ key: "a", operator: "Exists" }],
  },
  status: { conditions: [{ type: "Ready", status: "False" }] },
};

describe("patch schema", () => {
  it("knows the kinds berth serves", () => {
    for (const [v, k] of [
      ["v1", "Pod"],
      ["v1", "Node"],
      ["v1", "Namespace"],
      ["v1", "Event"],
      ["v1", "ConfigMap"],
      ["v1", "Secret"],
      ["coordination.k8s.io/v1", "Lease"],
    ] as const) {
      expect(patchSchemaFor(v, k)).toBeDefined();
    }
    expect(patchSchemaFor("example.com/v1", "Widget")).toBeUndefined();
    expect(podSchema?.fields?.["spec"]?.fields?.["containers"]).toMatchObject({
      strategy: "merge",
      mergeKey: "name",
    });
  });
});

describe("applyStrategicMergePatch", () => {
  it("merges containers by name and keeps the others", () => {
    const out = applyStrategicMergePatch(
      pod,
      { spec: { containers: [{ name: "app", image: "app:2" }] } },
      podSchema,
    );
    expect(out).toMatchObject({
      spec: {
        containers: [
          { name: "app", image: "app:2", env: [{ name: "A", value: "1" }], ports: [{ containerPort: 80 }] },
          { name: "side", image: "side:1" },
        ],
      },
    });
    expect(pod.spec.containers[0]?.image).toBe("app:1");
  });

  it("appends new items and merges nested env and ports by their keys", () => {
    const out = applyStrategicMergePatch(
      pod,
      {
        spec: {
          containers: [
            {
              name: "app",
              env: [
                { name: "B", value: "2" },
                { name: "A", value: "9" },
              ],
              ports: [{ containerPort: 443 }],
            },
            { name: "new", image: "new:1" },
          ],
        },
      },
      podSchema,
    ) as { spec: { containers: Array<Record<string, unknown>> } };
    expect(out.spec.containers.map((c) => c["name"])).toEqual(["app", "side", "new"]);
    expect(out.spec.containers[0]?.["env"]).toEqual([
      { name: "A", value: "9" },
      { name: "B", value: "2" },
    ]);
    expect(out.spec.containers[0]?.["ports"]).toEqual([{ containerPort: 80 }, { containerPort: 443 }]);
  });

  it("replaces lists without a merge strategy", () => {
    const out = applyStrategicMergePatch(
      pod,
      { spec: { tolerations: [{ key: "b", operator: "Exists" }] } },
      podSchema,
    );
    expect(out).toMatchObject({ spec: { tolerations: [{ key: "b", operator: "Exists" }] } });
  });

  it("merges status conditions by type", () => {
    const out = applyStrategicMergePatch(
      pod,
      {
        status: {
          conditions: [
            { type: "Ready", status: "True" },
            { type: "PodScheduled", status: "True" },
          ],
        },
      },
      podSchema,
    );
    expect(out).toMatchObject({
      status: {
        conditions: [
          { type: "Ready", status: "True" },
          { type: "PodScheduled", status: "True" },
        ],
      },
    });
  });

  it("deletes map keys with null and list items with $patch: delete", () => {
    const out = applyStrategicMergePatch(
      pod,
      { metadata: { labels: { tier: null } }, spec: { containers: [{ name: "side", $patch: "delete" }] } },
      podSchema,
    ) as { metadata: { labels: object }; spec: { containers: unknown[] } };
    expect(out.metadata.labels).toEqual({ app: "web" });
    expect(out.spec.containers).toHaveLength(1);
  });

  it("replaces a whole list with a $patch: replace element", () => {
    const out = applyStrategicMergePatch(
      pod,
      { spec: { containers: [{ $patch: "replace" }, { name: "only", image: "o:1" }] } },
      podSchema,
    );
    expect(out).toMatchObject({ spec: { containers: [{ name: "only", image: "o:1" }] } });
  });

  it("replaces a map with $patch: replace and empties it with $patch: delete", () => {
    const replaced = applyStrategicMergePatch(
      pod,
      { metadata: { labels: { $patch: "replace", x: "y" } } },
      podSchema,
    );
    expect(replaced).toMatchObject({ metadata: { labels: { x: "y" } } });
    expect((replaced as { metadata: { labels: object } }).metadata.labels).toEqual({ x: "y" });
    const deleted = applyStrategicMergePatch(pod, { metadata: { labels: { $patch: "delete" } } }, podSchema);
    expect((deleted as { metadata: { labels: object } }).metadata.labels).toEqual({});
    const merged = applyStrategicMergePatch(
      pod,
      { metadata: { labels: { $patch: "merge", x: "y" } } },
      podSchema,
    );
    expect((merged as { metadata: { labels: object } }).metadata.labels).toEqual({
      app: "web",
      tier: "front",
      x: "y",
    });
  });

  it("orders items with $setElementOrder", () => {
    const out = applyStrategicMergePatch(
      pod,
      {
        spec: {
          "$setElementOrder/containers": [{ name: "side" }, { name: "app" }],
          containers: [{ name: "app", image: "app:3" }],
        },
      },
      podSchema,
    ) as { spec: { containers: Array<{ name: string; image: string }> } };
    expect(out.spec.containers.map((c) => `${c.name}=${c.image}`)).toEqual(["side=side:1", "app=app:3"]);
  });

  it("interleaves items the order list leaves out by the server's order, as normalizeElementOrder", () => {
    const three = {
      spec: {
        containers: [
          { name: "a", image: "a" },
          { name: "b", image: "b" },
          { name: "c", image: "c" },
        ],
      },
    };
    const names = (out: unknown) =>
      (out as { spec: { containers: Array<{ name: string }> } }).spec.containers.map((c) => c.name);
    const reordered = applyStrategicMergePatch(
      three,
      {
        spec: {
          "$setElementOrder/containers": [{ name: "c" }, { name: "a" }],
          containers: [{ name: "c", image: "c2" }],
        },
      },
      podSchema,
    );
    expect(names(reordered)).toEqual(["b", "c", "a"]);
    const added = applyStrategicMergePatch(
      three,
      {
        spec: {
          "$setElementOrder/containers": [{ name: "a" }, { name: "d" }],
          containers: [{ name: "d", image: "d" }],
        },
      },
      podSchema,
    );
    expect(names(added)).toEqual(["a", "b", "c", "d"]);
    const primitives = applyStrategicMergePatch(
      { metadata: { finalizers: ["x", "y", "z"] } },
      { metadata: { "$setElementOrder/finalizers": ["z", "x"] } },
      podSchema,
    );
    expect(primitives).toEqual({ metadata: { finalizers: ["y", "z", "x"] } });
  });

  it("unions merge lists of primitives and removes with $deleteFromPrimitiveList", () => {
    const added = applyStrategicMergePatch(pod, { metadata: { finalizers: ["b", "a"] } }, podSchema);
    expect(added).toMatchObject({ metadata: { finalizers: ["a", "b"] } });
    const removed = applyStrategicMergePatch(
      { metadata: { finalizers: ["a", "b", "c"] } },
      { metadata: { "$deleteFromPrimitiveList/finalizers": ["b"] } },
      podSchema,
    );
    expect(removed).toEqual({ metadata: { finalizers: ["a", "c"] } });
  });

  it("clears other union members with $retainKeys", () => {
    const out = applyStrategicMergePatch(
      pod,
      { spec: { volumes: [{ name: "data", $retainKeys: ["name", "hostPath"], hostPath: { path: "/x" } }] } },
      podSchema,
    );
    expect(out).toMatchObject({ spec: { volumes: [{ name: "data", hostPath: { path: "/x" } }] } });
    expect(JSON.stringify(out)).not.toContain("emptyDir");
    expect(
      badRequestMessage(() =>
        applyStrategicMergePatch(
          pod,
          { spec: { volumes: [{ name: "data", $retainKeys: ["name"], hostPath: { path: "/x" } }] } },
          podSchema,
        ),
      ),
    ).toBe("invalid patch format of retainKeys");
  });

  it("creates missing fields with directives stripped", () => {
    const out = applyStrategicMergePatch(
      { metadata: { name: "x" } },
      { spec: { containers: [{ name: "c", image: "i", env: [{ name: "A", value: "1" }] }] } },
      podSchema,
    );
    expect(out).toEqual({
      metadata: { name: "x" },
      spec: { containers: [{ name: "c", image: "i", env: [{ name: "A", value: "1" }] }] },
    });
  });

  it("treats every list as atomic without a schema", () => {
    const out = applyStrategicMergePatch(pod, { spec: { containers: [{ name: "app" }] } }, undefined);
    expect(out).toMatchObject({ spec: { containers: [{ name: "app" }] } });
  });

  it("rejects bad directives and items without the merge key", () => {
    expect(
      badRequestMessage(() => applyStrategicMergePatch(pod, { metadata: { $patch: "explode" } }, podSchema)),
    ).toBe("unknown patch type: explode in map: map[$patch:explode]");
    expect(
      badRequestMessage(() =>
        applyStrategicMergePatch(pod, { spec: { containers: [{ image: "x" }] } }, podSchema),
      ),
    ).toBe("map: map[image:x] does not contain declared merge key: name");
    expect(
      badRequestMessage(() =>
        applyStrategicMergePatch(
          pod,
          { spec: { containers: [{ name: "app", $patch: "merge" }] } },
          podSchema,
        ),
      ),
    ).toBe("merging lists cannot yet be specified in the patch");
    expect(badRequestMessage(() => applyStrategicMergePatch(pod, [], podSchema))).toBe(
      "strategic merge patch must be a JSON object",
    );
    expect(badRequestMessage(() => applyStrategicMergePatch(pod, { $bogus: 1 }, podSchema))).toBe(
      'unknown directive "$bogus" in strategic merge patch',
    );
  });
});

describe("applyStrategicMergePatch on lists found through an index", () => {
  const envPod = (env: unknown[]): unknown => ({ spec: { containers: [{ name: "c", env }] } });
  const envOf = (value: unknown): unknown =>
    (value as { spec: { containers: { env: unknown }[] } }).spec.containers[0]?.env;

  it("merges into the first item of a repeated key, deletes it, and finds items the patch added", () => {
    const live = envPod([
      { name: "A", value: "1" },
      { name: "B", value: "2" },
      { name: "A", value: "3" },
    ]);
    const merged = applyStrategicMergePatch(
      live,
      envPod([
        { name: "A", value: "x" },
        { name: "N", value: "n" },
        { name: "N", valueFrom: null, value: "m" },
      ]),
      podSchema,
    );
    expect(envOf(merged)).toEqual([
      { name: "A", value: "x" },
      { name: "B", value: "2" },
      { name: "A", value: "3" },
      { name: "N", value: "m" },
    ]);
    const deleted = applyStrategicMergePatch(
      live,
      envPod([
        { name: "A", $patch: "delete" },
        { name: "A", value: "again" },
        { name: "B", $patch: "delete" },
      ]),
      podSchema,
    );
    expect(envOf(deleted)).toEqual([{ name: "A", value: "again" }]);
  });

  it("keys that are numbers and strings of the same digits stay apart", () => {
    const live = { spec: { containers: [{ name: "c", ports: [{ containerPort: 80, name: "n" }] }] } };
    const merged = applyStrategicMergePatch(
      live,
      { spec: { containers: [{ name: "c", ports: [{ containerPort: "80", name: "s" }] }] } },
      podSchema,
    ) as { spec: { containers: { ports: unknown }[] } };
    expect(merged.spec.containers[0]?.ports).toEqual([
      { containerPort: 80, name: "n" },
      { containerPort: "80", name: "s" },
    ]);
  });

  it("orders thousands of items by $setElementOrder, keeping server-only items where they were", () => {
    const names = Array.from({ length: 3000 }, (_, i) => `V${i}`);
    const live = envPod([{ name: "S", value: "server" }, ...names.map((name) => ({ name, value: "1" }))]);
    const reversed = [...names].reverse();
    const merged = applyStrategicMergePatch(
      live,
      {
        spec: {
          containers: [
            {
              name: "c",

              "$setElementOrder/env": reversed.map((name) => ({ name })),
            },
          ],
        },
      },
      podSchema,
    );
    const order = (envOf(merged) as { name: string }[]).map((e) => e.name);
    expect(order).toEqual(["S", ...reversed]);
  });
});
