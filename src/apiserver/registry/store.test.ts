import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ErrorCode, hasCode } from "../../common/errors.js";
import { openSqliteStorage, type Storage } from "../storage/index.js";
import { namespaces } from "./namespaces.js";
import type { KubeObject } from "./object.js";
import { pods } from "./pods.js";
import { ResourceStore, type WatchEvent } from "./store.js";

const NOW = new Date("2026-01-01T00:00:00Z");

describe("ResourceStore", () => {
  let storage: Storage;
  let podStore: ResourceStore;
  let nsStore: ResourceStore;

  beforeEach(async () => {
    storage = await openSqliteStorage({ path: ":memory:", compactIntervalMs: 0 });
    const ctx = {
      storage,
      now: () => NOW,
      requireNamespace: async (ns: string) => void (await nsStore.get(undefined, ns)),
    };
    podStore = new ResourceStore(pods, ctx);
    nsStore = new ResourceStore(namespaces, ctx);
    await nsStore.create(undefined, { metadata: { name: "default" } });
  });
  afterEach(async () => storage.close());

  const pod = (name: string, extra: Partial<KubeObject> = {}): KubeObject => ({
    metadata: { name },
    spec: { containers: [{ name: "c", image: "busybox:1" }] },
    ...extra,
  });

  it("creates with identity, status Pending and a resourceVersion", async () => {
    const created = await podStore.create("default", pod("a", { status: { phase: "Running" } }));
    expect(created.metadata.uid).toMatch(/^[0-9a-f-]{36}$/);
    expect(created.metadata.creationTimestamp).toBe("2026-01-01T00:00:00Z");
    expect(created.metadata.namespace).toBe("default");
    expect(created["status"]).toEqual({ phase: "Pending", qosClass: "BestEffort" });
    expect(created["spec"]).toMatchObject({ restartPolicy: "Always", terminationGracePeriodSeconds: 30 });
    const read = await podStore.get("default", "a");
    expect(read.metadata.resourceVersion).toBe(created.metadata.resourceVersion);
    expect(read.kind).toBe("Pod");
  });

  it("generates names from generateName", async () => {
    const created = await podStore.create("default", { ...pod(""), metadata: { generateName: "web-" } });
    expect(created.metadata.name).toMatch(/^web-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
  });

  it("refuses a missing namespace, a duplicate and a bad name", async () => {
    await expect(podStore.create("nope", pod("a"))).rejects.toSatisfy((e) => hasCode(e, ErrorCode.NotFound));
    await podStore.create("default", pod("a"));
    await expect(podStore.create("default", pod("a"))).rejects.toThrow('pods "a" already exists');
    await expect(podStore.create("default", pod("Bad_Name"))).rejects.toSatisfy(
      (e) => hasCode(e, ErrorCode.Invalid) && e.causes[0]?.field === "metadata.name",
    );
  });

  it("updates with optimistic concurrency and keeps status on the main resource", async () => {
    const created = await podStore.create("default", pod("a"));
    const next = {
      ...created,
      metadata: { ...created.metadata, labels: { x: "1" } },
      status: { phase: "Failed" },
    };
    const updated = await podStore.update("default", "a", next);
    expect(updated.metadata.labels).toEqual({ x: "1" });
    expect(updated["status"]).toEqual({ phase: "Pending", qosClass: "BestEffort" });
    await expect(podStore.update("default", "a", next)).rejects.toThrow(
      'Operation cannot be fulfilled on pods "a": the object has been modified',
    );
    const unconditional = { ...next, metadata: { ...next.metadata, resourceVersion: "" } };
    const status = await podStore.update("default", "a", unconditional, { subresource: "status" });
    expect(status["status"]).toEqual({ phase: "Failed" });
    const changed = { ...status, spec: { containers: [{ name: "c", image: "busybox:2", command: ["x"] }] } };
    await expect(podStore.update("default", "a", changed)).rejects.toSatisfy(
      (e) => hasCode(e, ErrorCode.Invalid) && e.causes.some((c) => c.field === "spec"),
    );
  });

  it("deletes a bound pod gracefully, then for good with grace 0 and a uid precondition", async () => {
    const created = await podStore.create(
      "default",
      pod("a", { spec: { nodeName: "n1", containers: [{ name: "c", image: "busybox:1" }] } }),
    );
    const first = await podStore.delete("default", "a", {});
    expect(first.removed).toBe(false);
    expect(first.object.metadata.deletionGracePeriodSeconds).toBe(30);
    expect(first.object.metadata.deletionTimestamp).toBe("2026-01-01T00:00:30Z");
    await expect(
      podStore.delete("default", "a", { gracePeriodSeconds: 0, preconditions: { uid: "other" } }),
    ).rejects.toSatisfy((e) => hasCode(e, ErrorCode.Conflict));
    const last = await podStore.delete("default", "a", {
      gracePeriodSeconds: 0,
      preconditions: { uid: created.metadata.uid ?? "" },
    });
    expect(last.removed).toBe(true);
    await expect(podStore.get("default", "a")).rejects.toSatisfy((e) => hasCode(e, ErrorCode.NotFound));
  });

  it("pages lists with limit and continue, filtered", async () => {
    for (const n of ["a", "b", "c", "d", "e"]) await podStore.create("default", pod(n));
    const filter = (o: KubeObject) => o.metadata.name !== "b";
    const first = await podStore.list("default", { limit: 2, filter });
    expect(first.items.map((o) => o.metadata.name)).toEqual(["a", "c"]);
    expect(first.continueToken).toBeDefined();
    const second = await podStore.list("default", {
      limit: 2,
      filter,
      continueToken: first.continueToken ?? "",
    });
    expect(second.items.map((o) => o.metadata.name)).toEqual(["d", "e"]);
    expect(second.resourceVersion).toBe(first.resourceVersion);
  });

  it("watches from a revision and turns selector exits into DELETED", async () => {
    const created = await podStore.create(
      "default",
      pod("a", { metadata: { name: "a", labels: { app: "x" } } }),
    );
    const controller = new AbortController();
    const filter = (o: KubeObject) => o.metadata.labels?.["app"] === "x";
    const seen: WatchEvent[] = [];
    const done = (async () => {
      for await (const ev of podStore.watch(
        "default",
        Number(created.metadata.resourceVersion),
        controller.signal,
        filter,
      )) {
        seen.push(ev);
        if (seen.filter((e) => e.type !== "BOOKMARK").length === 2) controller.abort();
      }
    })();
    await podStore.create("default", pod("b"));
    const a = await podStore.get("default", "a");
    await podStore.update("default", "a", { ...a, metadata: { ...a.metadata, labels: { app: "y" } } });
    await podStore.create("default", pod("c", { metadata: { name: "c", labels: { app: "x" } } }));
    await done.catch(() => undefined);
    expect(
      seen.filter((e) => e.type !== "BOOKMARK").map((e) => `${e.type} ${e.object.metadata.name}`),
    ).toEqual(["DELETED a", "ADDED c"]);
    expect(seen[0]?.type).toBe("BOOKMARK");
  });
});
