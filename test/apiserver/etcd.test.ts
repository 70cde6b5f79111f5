/** The same server on the etcd backend (Debian's etcd-server on loopback): CRUD, watch, kubectl. */
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEtcd, type EtcdServer } from "../support/etcd.js";
import { Api, pod, run, startServer, type TestServer } from "./support.js";

describe("apiserver on etcd", () => {
  let etcd: EtcdServer;
  let s: TestServer;
  let api: Api;
  beforeAll(async () => {
    etcd = await startEtcd();
    s = await startServer({ etcdEndpoint: etcd.endpoint });
    api = new Api(s);
  });
  afterAll(async () => {
    await api?.close();
    await s?.stop();
    await etcd?.stop();
  });

  it("creates, watches, conflicts and lists through kubectl", async () => {
    const created = await api.call("/api/v1/namespaces/default/pods", { method: "POST", body: pod("e1") });
    expect(created.status).toBe(201);
    const rv = created.json.metadata.resourceVersion;
    const events = await api.watch(
      `/api/v1/namespaces/default/pods?watch=true&resourceVersion=${rv}`,
      (evs) => evs.length >= 1,
      async () =>
        void (await api.call("/api/v1/namespaces/default/pods/e1", {
          method: "PATCH",
          contentType: "application/merge-patch+json",
          body: { metadata: { labels: { v: "2" } } },
        })),
    );
    expect(events[0]).toMatchObject({
      type: "MODIFIED",
      object: { metadata: { name: "e1", labels: { v: "2" } } },
    });
    const stale = await api.call("/api/v1/namespaces/default/pods/e1", { method: "PUT", body: created.json });
    expect(stale.status).toBe(409);
    const { stdout } = await run("/usr/bin/kubectl", [
      "--cache-dir",
      join(s.dir, "cache"),
      "--kubeconfig",
      s.kubeconfig,
      "get",
      "pods",
      "--no-headers",
    ]);
    expect(stdout).toMatch(/^e1\s+0\/1\s+Pending/);
  });
});
