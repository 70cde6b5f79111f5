import { describe, expect, it } from "vitest";
import { BerthError, ErrorCode } from "../../common/index.js";
import { applyServerSideApply, type ManagedFieldsEntry } from "./server-side-apply.js";

const now = new Date("2026-01-02T03:04:05.678Z");

function conflictOf(fn: () => unknown): BerthError {
  try {
    fn();
  } catch (err) {
    if (err instanceof BerthError && err.code === ErrorCode.Conflict) return err;
    throw err;
  }
  throw new Error("expected Conflict");
}

const config = {
  apiVersion: "v1",
  kind: "Pod",
  metadata: { name: "p", namespace: "default", labels: { app: "web" } },
  spec: { containers: [{ name: "c", image: "img:1" }] },
};

function managed(obj: unknown): ManagedFieldsEntry[] {
  return (obj as { metadata: { managedFields: ManagedFieldsEntry[] } }).metadata.managedFields;
}

describe("applyServerSideApply", () => {
  it("creates the object and records the manager's fields", () => {
    const out = applyServerSideApply(undefined, config, { fieldManager: "kubectl", force: false, now });
    expect(out).toMatchObject(config);
    expect(managed(out)).toEqual([
      {
        manager: "kubectl",
        operation: "Apply",
        apiVersion: "v1",
        time: "2026-01-02T03:04:05Z",
        fieldsType: "FieldsV1",
        fieldsV1: {
          "f:metadata": { "f:labels": { "f:app": {} } },
          "f:spec": { "f:containers": { 'k:{"name":"c"}': { ".": {}, "f:name": {}, "f:image": {} } } },
        },
      },
    ]);
  });

  it("merges into a live object and keeps fields it does not mention", () => {
    const live = { ...config, spec: { ...config.spec, nodeName: "n1" }, status: { phase: "Running" } };
    const out = applyServerSideApply(
      live,
      { ...config, spec: { containers: [{ name: "c", image: "img:2" }] } },
      { fieldManager: "kubectl", force: false, now },
    );
    expect(out).toMatchObject({
      spec: { nodeName: "n1", containers: [{ name: "c", image: "img:2" }] },
      status: { phase: "Running" },
    });
  });

  it("reports a conflict with another manager's differing field", () => {
    const first = applyServerSideApply(undefined, config, { fieldManager: "alice", force: false, now });
    const changed = { ...config, spec: { containers: [{ name: "c", image: "img:2" }] } };
    const err = conflictOf(() =>
      applyServerSideApply(first, changed, { fieldManager: "bob", force: false, now }),
    );
    expect(err.message).toBe(
      'Apply failed with 1 conflict: conflict with "alice": .spec.containers[name="c"].image',
    );
    expect(err.causes).toEqual([
      {
        reason: "FieldManagerConflict",
        message: 'conflict with "alice"',
        field: '.spec.containers[name="c"].image',
      },
    ]);
  });

  it("lists several conflicts by manager and names Update managers with their version", () => {
    const live = {
      ...config,
      metadata: {
        ...config.metadata,
        managedFields: [
          {
            manager: "kubectl-edit",
            operation: "Update",
            apiVersion: "v1",
            time: "2026-01-01T00:00:00Z",
            fieldsType: "FieldsV1",
            fieldsV1: {
              "f:metadata": { "f:labels": { "f:app": {} } },
              "f:spec": { "f:containers": { 'k:{"name":"c"}': { "f:image": {} } } },
            },
          },
        ],
      },
    };
    const err = conflictOf(() =>
      applyServerSideApply(
        live,
        {
          ...config,
          metadata: { name: "p", labels: { app: "db" } },
          spec: { containers: [{ name: "c", image: "img:9" }] },
        },
        { fieldManager: "bob", force: false, now },
      ),
    );
    expect(err.message).toBe(
      'Apply failed with 2 conflicts: conflicts with "kubectl-edit" using v1:\n- .metadata.labels.app\n- .spec.containers[name="c"].image',
    );
    expect(err.causes).toHaveLength(2);
  });

  it("shares fields set to the same value without conflict", () => {
    const first = applyServerSideApply(undefined, config, { fieldManager: "alice", force: false, now });
    const out = applyServerSideApply(first, config, { fieldManager: "bob", force: false, now });
    expect(managed(out).map((e) => e.manager)).toEqual(["alice", "bob"]);
  });

  it("takes ownership with force", () => {
    const first = applyServerSideApply(undefined, config, { fieldManager: "alice", force: false, now });
    const changed = { ...config, spec: { containers: [{ name: "c", image: "img:2" }] } };
    const out = applyServerSideApply(first, changed, { fieldManager: "bob", force: true, now });
    expect(out).toMatchObject({ spec: { containers: [{ name: "c", image: "img:2" }] } });
    const alice = managed(out).find((e) => e.manager === "alice");
    expect(JSON.stringify(alice?.fieldsV1)).not.toContain("f:image");
    expect(JSON.stringify(alice?.fieldsV1)).toContain("f:app");
  });

  it("removes fields the manager stops applying when no one else owns them", () => {
    const first = applyServerSideApply(undefined, config, { fieldManager: "alice", force: false, now });
    const out = applyServerSideApply(
      first,
      { ...config, metadata: { name: "p", namespace: "default" } },
      { fieldManager: "alice", force: false, now },
    );
    expect((out as { metadata: { labels?: object } }).metadata.labels).toEqual({});
    expect(managed(out)).toHaveLength(1);
  });

  it("keeps a dropped field another manager still owns", () => {
    const first = applyServerSideApply(undefined, config, { fieldManager: "alice", force: false, now });
    const both = applyServerSideApply(first, config, { fieldManager: "bob", force: false, now });
    const out = applyServerSideApply(
      both,
      { ...config, metadata: { name: "p" } },
      { fieldManager: "alice", force: false, now },
    );
    expect(out).toMatchObject({ metadata: { labels: { app: "web" } } });
  });

  it("keeps a dropped list item while another manager owns one of its fields", () => {
    const first = applyServerSideApply(undefined, config, { fieldManager: "alice", force: false, now });
    const bob = applyServerSideApply(
      first,
      {
        apiVersion: "v1",
        kind: "Pod",
        metadata: { name: "p" },
        spec: { containers: [{ name: "c", image: "img:1" }] },
      },
      { fieldManager: "bob", force: false, now },
    );
    const out = applyServerSideApply(
      bob,
      { ...config, spec: { containers: [] } },
      { fieldManager: "alice", force: false, now },
    );
    expect(out).toMatchObject({ spec: { containers: [{ name: "c", image: "img:1" }] } });
    const gone = applyServerSideApply(
      first,
      { ...config, spec: { containers: [] } },
      { fieldManager: "alice", force: false, now },
    );
    expect(gone).toMatchObject({ spec: { containers: [] } });
  });

  it("rejects input without a manager, kind or apiVersion", () => {
    expect(() => applyServerSideApply(undefined, config, { fieldManager: "", force: false, now })).toThrow(
      'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch',
    );
    expect(() =>
      applyServerSideApply(
        undefined,
        { ...config, kind: undefined },
        { fieldManager: "m", force: false, now },
      ),
    ).toThrow(/kind must be set/);
    expect(() => applyServerSideApply(undefined, "x", { fieldManager: "m", force: false, now })).toThrow(
      /must be an object/,
    );
  });
});
