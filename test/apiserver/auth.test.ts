/**
 * Node identity (Node authorizer + NodeRestriction): a node's certificate, as `berth kubeconfig
 * node` issues it, may change only its own Node and Lease, the status of pods bound to it, and
 * events; it reads pods bound to it and the secrets and configmaps they use.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Api, nodeCredentials, pod, startServer, type TestServer } from "./support.js";

describe("node authorization", () => {
  let s: TestServer;
  let admin: Api;
  let n1: Api;
  beforeAll(async () => {
    s = await startServer();
    admin = new Api(s);
    n1 = new Api(s, await nodeCredentials(s, "n1"));
    const bound = (name: string, node: string, secret: string) =>
      admin.call("/api/v1/namespaces/default/pods", {
        method: "POST",
        body: pod(name, {
          spec: {
            nodeName: node,
            containers: [
              {
                name: "c",
                image: "busybox",
                env: [{ name: "X", valueFrom: { secretKeyRef: { name: secret, key: "k" } } }],
              },
            ],
            volumes: [{ name: "v", configMap: { name: `${secret}-cm` } }],
          },
        }),
      });
    expect((await bound("on-n1", "n1", "s1")).status).toBe(201);
    expect((await bound("on-n2", "n2", "s2")).status).toBe(201);
    for (const name of ["s1", "s2"]) {
      await admin.call("/api/v1/namespaces/default/secrets", {
        method: "POST",
        body: { metadata: { name }, stringData: { k: "v" } },
      });
      await admin.call("/api/v1/namespaces/default/configmaps", {
        method: "POST",
        body: { metadata: { name: `${name}-cm` }, data: { k: "v" } },
      });
    }
  });
  afterAll(async () => {
    await n1.close();
    await admin.close();
    await s.stop();
  });

  const as = (api: Api, path: string, method: "GET" | "POST" | "PATCH" | "DELETE" = "GET", body?: unknown) =>
    api.call(path, {
      method,
      token: null,
      ...(body !== undefined ? { body } : {}),
      ...(method === "PATCH" ? { contentType: "application/merge-patch+json" } : {}),
    });

  it("authenticates the certificate as system:node:n1 and refuses anonymous use", async () => {
    const anon = await admin.call("/api/v1/nodes", { token: null });
    expect(anon.status).toBe(401);
    const denied = await as(n1, "/api/v1/namespaces/default/configmaps");
    expect(denied.status).toBe(403);
    expect(denied.json.message).toContain('User "system:node:n1" cannot list resource "configmaps"');
  });

  it("keeps /metrics to cluster administrators", async () => {
    expect((await admin.call("/metrics", { token: null })).status).toBe(401);
    const denied = await as(n1, "/metrics");
    expect(denied.status).toBe(403);
    expect(denied.json.reason).toBe("Forbidden");
    expect(denied.json.message).toBe('forbidden: User "system:node:n1" cannot get path "/metrics"');
    const allowed = await admin.call("/metrics");
    expect(allowed.status).toBe(200);
    expect(allowed.text).toMatch(/^# TYPE apiserver_request_total counter$/m);
  });

  it("creates and updates its own Node only", async () => {
    expect((await as(n1, "/api/v1/nodes", "POST", { metadata: { name: "n1" } })).status).toBe(201);
    expect((await as(n1, "/api/v1/nodes", "POST", { metadata: { name: "n2" } })).status).toBe(403);
    expect(
      (await admin.call("/api/v1/nodes", { method: "POST", body: { metadata: { name: "n2" } } })).status,
    ).toBe(201);
    const own = await as(n1, "/api/v1/nodes/n1/status", "PATCH", { status: { phase: "Running" } });
    expect(own.status).toBe(200);
    const other = await as(n1, "/api/v1/nodes/n2/status", "PATCH", { status: { phase: "Running" } });
    expect(other.status).toBe(403);
    expect((await as(n1, "/api/v1/nodes/n2")).status).toBe(200);
    expect((await as(n1, "/api/v1/nodes/n2", "DELETE")).status).toBe(403);
  });

  it("holds only its own Lease", async () => {
    const leases = "/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases";
    expect(
      (await as(n1, leases, "POST", { metadata: { name: "n1" }, spec: { holderIdentity: "n1" } })).status,
    ).toBe(201);
    expect(
      (await as(n1, leases, "POST", { metadata: { name: "n2" }, spec: { holderIdentity: "n1" } })).status,
    ).toBe(403);
    expect((await as(n1, `${leases}/n1`, "PATCH", { spec: { leaseDurationSeconds: 40 } })).status).toBe(200);
  });

  it("reads and updates status of pods bound to it, not others", async () => {
    expect((await as(n1, "/api/v1/namespaces/default/pods/on-n1")).status).toBe(200);
    expect((await as(n1, "/api/v1/namespaces/default/pods/on-n2")).status).toBe(403);
    const mine = await as(n1, "/api/v1/pods?fieldSelector=spec.nodeName%3Dn1");
    expect(mine.json.items.map((p: { metadata: { name: string } }) => p.metadata.name)).toEqual(["on-n1"]);
    expect((await as(n1, "/api/v1/pods")).status).toBe(403);
    expect(
      (
        await as(n1, "/api/v1/namespaces/default/pods/on-n1/status", "PATCH", {
          status: { phase: "Running" },
        })
      ).status,
    ).toBe(200);
    expect(
      (
        await as(n1, "/api/v1/namespaces/default/pods/on-n2/status", "PATCH", {
          status: { phase: "Running" },
        })
      ).status,
    ).toBe(403);
    expect(
      (await as(n1, "/api/v1/namespaces/default/pods/on-n1", "PATCH", { metadata: { labels: { x: "y" } } }))
        .status,
    ).toBe(403);
  });

  it("reads the secrets and configmaps its pods use, and records events", async () => {
    expect((await as(n1, "/api/v1/namespaces/default/secrets/s1")).status).toBe(200);
    expect((await as(n1, "/api/v1/namespaces/default/secrets/s2")).status).toBe(403);
    expect((await as(n1, "/api/v1/namespaces/default/configmaps/s1-cm")).status).toBe(200);
    expect((await as(n1, "/api/v1/namespaces/default/configmaps/s2-cm")).status).toBe(403);
    const watchOne = await as(n1, "/api/v1/namespaces/default/secrets?fieldSelector=metadata.name%3Ds1");
    expect(watchOne.status).toBe(200);
    const ev = await as(n1, "/api/v1/namespaces/default/events", "POST", {
      metadata: { name: "on-n1.1" },
      involvedObject: { kind: "Pod", namespace: "default", name: "on-n1" },
      reason: "Started",
      type: "Normal",
    });
    expect(ev.status).toBe(201);
  });
});

describe("restart and 410 Expired", () => {
  it("keeps credentials and objects across a restart, and answers an old watch with 410", async () => {
    const first = await startServer();
    const api1 = new Api(first);
    const created = await api1.call("/api/v1/namespaces/default/configmaps", {
      method: "POST",
      body: { metadata: { name: "keep" }, data: { a: "b" } },
    });
    const oldRv = Number(created.json.metadata.resourceVersion) - 1;
    await api1.close();
    await first.halt();
    const second = await startServer({ dir: first.dir });
    const api2 = new Api(second);
    try {
      expect(second.token).toBe(first.token);
      expect(second.caPem).toBe(first.caPem);
      const kept = await api2.call("/api/v1/namespaces/default/configmaps/keep");
      expect(kept.json.data).toEqual({ a: "b" });
      const events = await api2.watch(
        `/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=${oldRv}`,
        () => false,
      );
      expect(events).toHaveLength(1);
      expect(events[0].type).toBe("ERROR");
      expect(events[0].object).toMatchObject({ kind: "Status", code: 410, reason: "Expired" });
      expect(events[0].object.message).toMatch(/^too old resource version: \d+ \(\d+\)$/);
      const relist = await api2.call("/api/v1/namespaces/default/configmaps");
      const rv = relist.json.metadata.resourceVersion;
      const resumed = await api2.watch(
        `/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=${rv}`,
        (evs) => evs.length >= 1,
        async () =>
          void (await api2.call("/api/v1/namespaces/default/configmaps", {
            method: "POST",
            body: { metadata: { name: "after" } },
          })),
      );
      expect(resumed[0]).toMatchObject({ type: "ADDED", object: { metadata: { name: "after" } } });
    } finally {
      await api2.close();
      await second.stop();
    }
  });
});
