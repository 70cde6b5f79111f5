import { describe, expect, it } from "vitest";
import { BerthError, ErrorCode } from "../../common/index.js";
import { applyServerSideApply, type ManagedFieldsEntry } from "./server-side-apply.js";
import { recordUpdateManagedFields } from "./update-managed-fields.js";

const now = new Date("2026-03-04T05:06:07Z");
const later = new Date("2026-03-04T06:00:00Z");

const pod = {
  apiVersion: "v1",
  kind: "Pod",
  metadata: { name: "p", namespace: "default", uid: "u", labels: { app: "web" } },
  spec: {
    containers: [{ name: "c", image: "img:1", imagePullPolicy: "IfNotPresent" }],
    restartPolicy: "Always",
  },
  status: { phase: "Pending" },
};

function managed(obj: unknown): ManagedFieldsEntry[] {
  return (obj as { metadata: { managedFields?: ManagedFieldsEntry[] } }).metadata.managedFields ?? [];
}

describe("recordUpdateManagedFields", () => {
  it("gives the creator every field it set, leaving out status and server-owned metadata", () => {
    const created = recordUpdateManagedFields(undefined, pod, { fieldManager: "kubectl-create", now });
    expect(managed(created)).toEqual([
      {
        manager: "kubectl-create",
        operation: "Update",
        apiVersion: "v1",
        time: "2026-03-04T05:06:07Z",
        fieldsType: "FieldsV1",
        fieldsV1: {
          "f:metadata": { "f:labels": { "f:app": {} } },
          "f:spec": {
            "f:containers": {
              'k:{"name":"c"}': { ".": {}, "f:name": {}, "f:image": {}, "f:imagePullPolicy": {} },
            },
            "f:restartPolicy": {},
          },
        },
      },
    ]);
    expect(pod).not.toHaveProperty("metadata.managedFields");
  });

  it("moves changed fields to the updater and keeps the rest with their owner", () => {
    const created = recordUpdateManagedFields(undefined, pod, { fieldManager: "kubectl-create", now });
    const edited = structuredClone(created) as typeof pod;
    (edited.spec.containers[0] as { image: string }).image = "img:2";
    const out = recordUpdateManagedFields(created, edited, { fieldManager: "kubectl-edit", now: later });
    const [create, edit] = managed(out);
    expect(create?.manager).toBe("kubectl-create");
    expect(JSON.stringify(create?.fieldsV1)).not.toContain('"f:image":');
    expect(edit).toMatchObject({
      manager: "kubectl-edit",
      operation: "Update",
      time: "2026-03-04T06:00:00Z",
      fieldsV1: { "f:spec": { "f:containers": { 'k:{"name":"c"}': { "f:image": {} } } } },
    });
  });

  it("drops fields that are gone from every manager", () => {
    const created = recordUpdateManagedFields(undefined, pod, { fieldManager: "kubectl-create", now });
    const relabelled = structuredClone(created) as { metadata: { labels?: object } };
    delete relabelled.metadata.labels;
    const out = recordUpdateManagedFields(created, relabelled, { fieldManager: "kubectl-label", now });
    expect(JSON.stringify(managed(out))).not.toContain("f:labels");
    expect(managed(out).map((e) => e.manager)).toEqual(["kubectl-create"]);
  });

  it("records status writes under the status subresource only", () => {
    const created = recordUpdateManagedFields(undefined, pod, { fieldManager: "kubectl-create", now });
    const running = { ...structuredClone(created), status: { phase: "Running", podIP: "10.0.0.2" } };
    const out = recordUpdateManagedFields(created, running, {
      fieldManager: "berth-agent",
      now,
      subresource: "status",
    });
    expect(managed(out)[1]).toMatchObject({
      manager: "berth-agent",
      subresource: "status",
      fieldsV1: { "f:status": { "f:phase": {}, "f:podIP": {} } },
    });
  });

  it("lets a later server-side apply see the creator as a conflicting owner", () => {
    const created = recordUpdateManagedFields(undefined, pod, { fieldManager: "kubectl-create", now });
    let err: unknown;
    try {
      applyServerSideApply(
        created,
        { apiVersion: "v1", kind: "Pod", metadata: { name: "p" }, spec: { restartPolicy: "Never" } },
        { fieldManager: "kubectl", force: false, now },
      );
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(BerthError);
    expect((err as BerthError).code).toBe(ErrorCode.Conflict);
    expect((err as BerthError).message).toBe(
      'Apply failed with 1 conflict: conflict with "kubectl-create" using v1: .spec.restartPolicy',
    );
  });

  it("writes no entry when nothing changed", () => {
    const created = recordUpdateManagedFields(undefined, pod, { fieldManager: "kubectl-create", now });
    const same = recordUpdateManagedFields(created, created, { fieldManager: "kubectl-edit", now: later });
    expect(managed(same).map((e) => e.manager)).toEqual(["kubectl-create"]);
  });
});
