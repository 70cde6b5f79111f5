/** API-level behaviour over HTTPS: watch semantics, concurrency, selectors, patches, deletion, binding, bodies. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Api, pod, startServer, type TestServer } from "./support.js";

const PODS = "/api/v1/namespaces/default/pods";

describe("apiserver API", () => {
  let s: TestServer;
  let api: Api;
  beforeAll(async () => {
    s = await startServer({ bookmarkIntervalMs: 200 });
    api = new Api(s);
  });
  afterAll(async () => {
    await api.close();
    await s.stop();
  });

  const create = async (name: string, extra: Record<string, unknown> = {}) => {
    const r = await api.call(PODS, { method: "POST", body: pod(name, extra) });
    expect(r.status, r.text).toBe(201);
    return r.json;
  };

  it("resumes a watch from a resourceVersion, with field selectors", async () => {
    const a = await create("w1");
    const events = await api.watch(
      `${PODS}?watch=true&resourceVersion=${a.metadata.resourceVersion}&fieldSelector=metadata.name%3Dw2`,
      (evs) => evs.length >= 2,
      async () => {
        await create("w3");
        await create("w2");
        await api.call(`${PODS}/w2`, {
          method: "PATCH",
          body: { metadata: { labels: { x: "y" } } },
          contentType: "application/merge-patch+json",
        });
      },
    );
    expect(events.map((e) => `${e.type} ${e.object.metadata.name}`)).toEqual(["ADDED w2", "MODIFIED w2"]);
    expect(Number(events[1].object.metadata.resourceVersion)).toBeGreaterThan(
      Number(events[0].object.metadata.resourceVersion),
    );
  });

  it("starts a watch without resourceVersion with the current state", async () => {
    const events = await api.watch(`${PODS}?watch=1&labelSelector=app%3Dw1`, (evs) => evs.length >= 1);
    expect(events[0].type).toBe("ADDED");
    expect(events[0].object.metadata.name).toBe("w1");
  });

  it("sends bookmarks only when asked, carrying a newer resourceVersion", async () => {
    const list = await api.call(`${PODS}?labelSelector=app%3Dnone`);
    const rv = Number(list.json.metadata.resourceVersion);
    const events = await api.watch(
      `${PODS}?watch=true&allowWatchBookmarks=true&labelSelector=app%3Dnone&resourceVersion=${rv}`,
      (evs) => evs.some((e) => e.type === "BOOKMARK"),
      async () => void (await create("bm1")),
    );
    const bookmark = events.find((e) => e.type === "BOOKMARK");
    expect(Object.keys(bookmark.object.metadata)).toEqual(["resourceVersion"]);
    expect(Number(bookmark.object.metadata.resourceVersion)).toBeGreaterThan(rv);
    expect(events.filter((e) => e.type !== "BOOKMARK")).toEqual([]);
  });

  it("closes a watch at timeoutSeconds", async () => {
    const events = await api.watch(
      `${PODS}?watch=true&timeoutSeconds=1&labelSelector=app%3Dnone`,
      () => false,
    );
    expect(events).toEqual([]);
  });

  it("answers a stale update with 409 Conflict and an empty resourceVersion unconditionally", async () => {
    const p = await create("c1");
    const first = await api.call(`${PODS}/c1`, {
      method: "PUT",
      body: { ...p, metadata: { ...p.metadata, labels: { v: "1" } } },
    });
    expect(first.status).toBe(200);
    const stale = await api.call(`${PODS}/c1`, {
      method: "PUT",
      body: { ...p, metadata: { ...p.metadata, labels: { v: "2" } } },
    });
    expect(stale.status).toBe(409);
    expect(stale.json).toMatchObject({
      kind: "Status",
      reason: "Conflict",
      message:
        'Operation cannot be fulfilled on pods "c1": the object has been modified; please apply your changes to the latest version and try again',
      details: { name: "c1", kind: "pods" },
    });
    const blind = await api.call(`${PODS}/c1`, {
      method: "PUT",
      body: { ...first.json, metadata: { ...first.json.metadata, resourceVersion: "", labels: { v: "3" } } },
    });
    expect(blind.status).toBe(200);
    expect(blind.json.metadata.labels).toEqual({ v: "3" });
  });

  it("returns Status errors: 404, 409 AlreadyExists, 422 with causes, 400 for unknown field selectors", async () => {
    const missing = await api.call(`${PODS}/nope`);
    expect(missing.status).toBe(404);
    expect(missing.json.message).toBe('pods "nope" not found');
    await create("dup");
    const dup = await api.call(PODS, { method: "POST", body: pod("dup") });
    expect(dup.json).toMatchObject({
      code: 409,
      reason: "AlreadyExists",
      message: 'pods "dup" already exists',
    });
    const bad = await api.call(PODS, {
      method: "POST",
      body: { metadata: { name: "x" }, spec: { containers: [{ name: "c" }], restartPolicy: "Sometimes" } },
    });
    expect(bad.status).toBe(422);
    expect(bad.json.reason).toBe("Invalid");
    const fields = bad.json.details.causes.map((c: { field: string }) => c.field);
    expect(fields).toContain("spec.containers[0].image");
    expect(fields).toContain("spec.restartPolicy");
    const sel = await api.call(`${PODS}?fieldSelector=spec.color%3Dred`);
    expect(sel.status).toBe(400);
    expect(sel.json.reason).toBe("BadRequest");
    const ns = await api.call("/api/v1/namespaces/nowhere/pods", { method: "POST", body: pod("x") });
    expect(ns.status).toBe(404);
    expect(ns.json.message).toBe('namespaces "nowhere" not found');
  });

  it("lists with label and field selectors, limit and continue", async () => {
    for (const n of ["l1", "l2", "l3"])
      await create(n, { metadata: { name: n, labels: { group: "l", idx: n } } });
    const page1 = await api.call(`${PODS}?labelSelector=group%3Dl&limit=2`);
    expect(page1.json.items.map((p: { metadata: { name: string } }) => p.metadata.name)).toEqual([
      "l1",
      "l2",
    ]);
    const token = encodeURIComponent(page1.json.metadata.continue);
    const page2 = await api.call(`${PODS}?labelSelector=group%3Dl&limit=2&continue=${token}`);
    expect(page2.json.items.map((p: { metadata: { name: string } }) => p.metadata.name)).toEqual(["l3"]);
    expect(page2.json.metadata.continue).toBeUndefined();
    const notin = await api.call(`${PODS}?labelSelector=group%20in%20(l),idx%20notin%20(l1,l2)`);
    expect(notin.json.items.map((p: { metadata: { name: string } }) => p.metadata.name)).toEqual(["l3"]);
    const phase = await api.call(`/api/v1/pods?fieldSelector=status.phase!%3DPending`);
    expect(phase.json.items).toEqual([]);
  });

  it("lists as of an exact resourceVersion", async () => {
    const before = await api.call(`${PODS}?labelSelector=group%3Dexact`);
    const rv = before.json.metadata.resourceVersion;
    await create("ex1", { metadata: { name: "ex1", labels: { group: "exact" } } });
    const now = await api.call(`${PODS}?labelSelector=group%3Dexact`);
    expect(now.json.items).toHaveLength(1);
    const then = await api.call(
      `${PODS}?labelSelector=group%3Dexact&resourceVersion=${rv}&resourceVersionMatch=Exact`,
    );
    expect(then.status).toBe(200);
    expect(then.json.items).toEqual([]);
    expect(then.json.metadata.resourceVersion).toBe(rv);
    const bad = await api.call(`${PODS}?resourceVersionMatch=Exact`);
    expect(bad.status).toBe(400);
  });

  it("applies merge, strategic merge, JSON patch and server-side apply", async () => {
    await create("p1");
    const merge = await api.call(`${PODS}/p1`, {
      method: "PATCH",
      contentType: "application/merge-patch+json",
      body: { metadata: { labels: { m: "1" } } },
    });
    expect(merge.json.metadata.labels).toEqual({ app: "p1", m: "1" });
    const smp = await api.call(`${PODS}/p1`, {
      method: "PATCH",
      contentType: "application/strategic-merge-patch+json",
      body: { spec: { containers: [{ name: "main", image: "busybox:2" }] } },
    });
    expect(smp.json.spec.containers).toHaveLength(1);
    expect(smp.json.spec.containers[0]).toMatchObject({
      name: "main",
      image: "busybox:2",
      imagePullPolicy: "IfNotPresent",
    });
    const jp = await api.call(`${PODS}/p1`, {
      method: "PATCH",
      contentType: "application/json-patch+json",
      body: [
        { op: "test", path: "/metadata/labels/m", value: "1" },
        { op: "replace", path: "/metadata/labels/m", value: "2" },
      ],
    });
    expect(jp.json.metadata.labels.m).toBe("2");
    const applied = await api.call("/api/v1/namespaces/default/configmaps/ssa?fieldManager=test&force=true", {
      method: "PATCH",
      contentType: "application/apply-patch+yaml",
      body: "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ssa\ndata:\n  k: v\n",
    });
    expect(applied.status).toBe(201);
    expect(applied.json.data).toEqual({ k: "v" });
    expect(applied.json.metadata.managedFields[0].manager).toBe("test");
    const unsupported = await api.call(`${PODS}/p1`, {
      method: "PATCH",
      contentType: "text/plain",
      body: "x",
    });
    expect(unsupported.status).toBe(415);
  });

  it("binds a pod once, sets PodScheduled, and deletes it gracefully with preconditions", async () => {
    const p = await create("g1");
    const bind = (node: string) =>
      api.call(`${PODS}/g1/binding`, {
        method: "POST",
        body: {
          apiVersion: "v1",
          kind: "Binding",
          metadata: { name: "g1" },
          target: { kind: "Node", name: node },
        },
      });
    expect((await bind("n1")).status).toBe(201);
    const again = await bind("n2");
    expect(again.status).toBe(409);
    const bound = (await api.call(`${PODS}/g1`)).json;
    expect(bound.spec.nodeName).toBe("n1");
    expect(bound.status.conditions).toContainEqual(
      expect.objectContaining({ type: "PodScheduled", status: "True" }),
    );
    const graceful = await api.call(`${PODS}/g1`, { method: "DELETE", body: { gracePeriodSeconds: 20 } });
    expect(graceful.status).toBe(202);
    expect(graceful.json.metadata.deletionGracePeriodSeconds).toBe(20);
    expect(graceful.json.metadata.deletionTimestamp).toBeDefined();
    const wrongUid = await api.call(`${PODS}/g1`, {
      method: "DELETE",
      body: { gracePeriodSeconds: 0, preconditions: { uid: "not-it" } },
    });
    expect(wrongUid.status).toBe(409);
    const bindDeleting = await bind("n1");
    expect(bindDeleting.status).toBe(409);
    const final = await api.call(`${PODS}/g1`, {
      method: "DELETE",
      body: { gracePeriodSeconds: 0, preconditions: { uid: p.metadata.uid } },
    });
    expect(final.status).toBe(200);
    expect((await api.call(`${PODS}/g1`)).status).toBe(404);
  });

  it("changes only status through /status and ignores status on the main resource", async () => {
    const p = await create("st1");
    const viaMain = await api.call(`${PODS}/st1`, {
      method: "PUT",
      body: { ...p, status: { phase: "Running" } },
    });
    expect(viaMain.json.status.phase).toBe("Pending");
    const viaStatus = await api.call(`${PODS}/st1/status`, {
      method: "PATCH",
      contentType: "application/merge-patch+json",
      body: { status: { phase: "Running", podIP: "10.0.0.7" }, spec: { nodeName: "sneaky" } },
    });
    expect(viaStatus.json.status).toMatchObject({ phase: "Running", podIP: "10.0.0.7" });
    expect(viaStatus.json.spec.nodeName).toBeUndefined();
    const byIp = await api.call(`${PODS}?fieldSelector=status.podIP%3D10.0.0.7`);
    expect(byIp.json.items.map((i: { metadata: { name: string } }) => i.metadata.name)).toEqual(["st1"]);
  });

  it("turns malformed and oversized bodies into 400 and 413 Status, never a crash", async () => {
    const bad = await api.call(PODS, { method: "POST", body: "{not json" });
    expect(bad.status).toBe(400);
    expect(bad.json.kind).toBe("Status");
    const yaml = await api.call(PODS, {
      method: "POST",
      body: "a: [unclosed",
      contentType: "application/yaml",
    });
    expect(yaml.status).toBe(400);
    const notObject = await api.call(PODS, { method: "POST", body: "[1,2]" });
    expect(notObject.status).toBe(400);
    const huge = await api.call(PODS, {
      method: "POST",
      body: JSON.stringify({ metadata: { name: "h" }, pad: "x".repeat(4 * 1024 * 1024) }),
    });
    expect(huge.status).toBe(413);
    const patch = await api.call(`${PODS}/w1`, {
      method: "PATCH",
      contentType: "application/json-patch+json",
      body: '{"op":1}',
    });
    expect(patch.status).toBeGreaterThanOrEqual(400);
    expect(patch.status).toBeLessThan(500);
    const odd: [string, Parameters<Api["call"]>[1]][] = [
      [PODS, { method: "POST", body: "null" }],
      [PODS, { method: "POST", body: { metadata: "x" } }],
      [PODS, { method: "POST", body: { kind: "Node", metadata: { name: "n" } } }],
      [`${PODS}/w1`, { method: "PATCH", contentType: "application/merge-patch+json", body: "null" }],
      [`${PODS}/w1`, { method: "PATCH", contentType: "application/strategic-merge-patch+json", body: "[1]" }],
      [`${PODS}/w1`, { method: "PUT", body: { metadata: { name: "other" } } }],
      [`${PODS}?limit=abc`, {}],
      [`${PODS}?watch=true&resourceVersion=abc`, {}],
      [`${PODS}?labelSelector=a%20in%20(`, {}],
      [`${PODS}?continue=garbage`, {}],
      [`${PODS}/w1`, { method: "DELETE", body: "[]" }],
      [`${PODS}/w1`, { method: "DELETE", body: { gracePeriodSeconds: "soon" } }],
      ["/api/v1/namespaces/default/pods/w1/binding", { method: "POST", body: { target: {} } }],
      ["/api/v1/namespaces/default/widgets", {}],
      ["/apis/nope.example.com/v1/things", {}],
    ];
    for (const [path, opts] of odd) {
      const r = await api.call(path, opts);
      expect(r.status, `${path} ${JSON.stringify(opts)}: ${r.text}`).toBeGreaterThanOrEqual(400);
      expect(r.status, `${path}: ${r.text}`).toBeLessThan(500);
      expect(r.json?.kind, path).toBe("Status");
    }
    const alive = await api.call("/healthz", { token: null });
    expect(alive.text).toBe("ok");
  });

  it("refuses an unknown token and serves discovery in both forms", async () => {
    expect((await api.call("/api/v1/pods", { token: "wrong" })).status).toBe(401);
    const agg = await api.call("/apis", {
      accept: "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json",
    });
    expect(agg.headers["content-type"]).toBe(
      "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList",
    );
    expect(agg.json.items[0].metadata.name).toBe("coordination.k8s.io");
    const legacy = await api.call("/api/v1");
    const names = legacy.json.resources.map((r: { name: string }) => r.name);
    expect(names).toEqual(
      expect.arrayContaining([
        "pods",
        "pods/status",
        "pods/binding",
        "pods/log",
        "pods/exec",
        "nodes",
        "namespaces",
      ]),
    );
    const openapi = await api.call("/openapi/v3");
    const url = openapi.json.paths["apis/coordination.k8s.io/v1"].serverRelativeURL as string;
    const doc = await api.call(url);
    const op = doc.json.paths["/apis/coordination.k8s.io/v1/namespaces/{namespace}/leases/{name}"].patch;
    expect(op["x-kubernetes-group-version-kind"]).toEqual({
      group: "coordination.k8s.io",
      version: "v1",
      kind: "Lease",
    });
  });

  it("refuses unknown fields with fieldValidation=Strict and drops them otherwise, with a warning", async () => {
    const body = pod("fv1", {
      spec: { containers: [{ name: "c", image: "x", colour: "red" }], restartPolcy: "Never" },
    });
    const strict = await api.call(`${PODS}?fieldValidation=Strict`, { method: "POST", body });
    expect(strict.status).toBe(400);
    expect(strict.json.message).toBe(
      'strict decoding error: unknown field "spec.containers[0].colour", unknown field "spec.restartPolcy"',
    );
    const warn = await api.call(PODS, { method: "POST", body });
    expect(warn.status).toBe(201);
    expect(warn.headers["warning"]).toEqual([
      '299 - "unknown field \\"spec.containers[0].colour\\""',
      '299 - "unknown field \\"spec.restartPolcy\\""',
    ]);
    expect(warn.json.spec.containers[0]).not.toHaveProperty("colour");
    expect(warn.json.spec.restartPolicy).toBe("Always");
    const patched = await api.call(`${PODS}/fv1?fieldValidation=Strict`, {
      method: "PATCH",
      contentType: "application/merge-patch+json",
      body: { metadata: { lables: { a: "b" } } },
    });
    expect(patched.status).toBe(400);
    expect(patched.json.message).toContain('unknown field "metadata.lables"');
    const bad = await api.call(`${PODS}?fieldValidation=Loose`, { method: "POST", body });
    expect(bad.status).toBe(400);
  });

  it("records the propagation policy as kube-apiserver does: Orphan and Foreground finalizers, Background removes", async () => {
    const cms = "/api/v1/namespaces/default/configmaps";
    const owner = (await api.call(cms, { method: "POST", body: { metadata: { name: "owner" } } })).json;
    const ref = { apiVersion: "v1", kind: "ConfigMap", name: "owner", uid: owner.metadata.uid };
    await api.call(cms, { method: "POST", body: { metadata: { name: "dep1", ownerReferences: [ref] } } });
    const bad = await api.call(`${cms}/owner`, { method: "DELETE", body: { propagationPolicy: "Sideways" } });
    expect(bad.status).toBe(400);
    // Background: the owner goes at once; its dependents are the garbage collector's (controller-manager)
    const gone = await api.call(`${cms}/owner`, {
      method: "DELETE",
      body: { propagationPolicy: "Background" },
    });
    expect(gone.status).toBe(200);
    expect((await api.call(`${cms}/owner`)).status).toBe(404);
    expect((await api.call(`${cms}/dep1`)).status).toBe(200);
    for (const [name, policy, finalizer] of [
      ["owner2", "Orphan", "orphan"],
      ["owner3", "Foreground", "foregroundDeletion"],
    ] as const) {
      await api.call(cms, { method: "POST", body: { metadata: { name } } });
      const r = await api.call(`${cms}/${name}?propagationPolicy=${policy}`, { method: "DELETE" });
      expect(r.status).toBe(202);
      expect(r.json.metadata.finalizers).toEqual([finalizer]);
      expect(r.json.metadata.deletionTimestamp).toBeTruthy();
      // removing the finalizer (the collector's last step) removes the object
      const patched = await api.call(`${cms}/${name}`, {
        method: "PATCH",
        contentType: "application/merge-patch+json",
        body: { metadata: { finalizers: null } },
      });
      expect(patched.status).toBe(200);
      expect((await api.call(`${cms}/${name}`)).status).toBe(404);
    }
  });

  it("stores lease times as MicroTime with six fractional digits", async () => {
    const r = await api.call("/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases", {
      method: "POST",
      body: {
        metadata: { name: "n1" },
        spec: { holderIdentity: "n1", leaseDurationSeconds: 40, renewTime: "2026-01-01T00:00:00.123Z" },
      },
    });
    expect(r.status).toBe(201);
    expect(r.json.spec.renewTime).toBe("2026-01-01T00:00:00.123000Z");
  });
});
