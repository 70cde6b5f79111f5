/**
 * The API client and the Reflector against berth's real API server (embedded sqlite storage):
 * CRUD with every patch type, preconditions, error mapping from real Status answers, watches with
 * bookmarks, a reflector following changes, and node authentication with a client certificate.
 */
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ApiClient, Reflector, resourcePath, type KubeObject, type WatchEvent } from "../../src/api/index.js";
import { nodeKubeconfig } from "../../src/apiserver/index.js";
import { silentLogger } from "../../src/common/index.js";
import { startServer, type TestServer } from "../support/apiserver.js";

interface ConfigMap extends KubeObject {
  data?: Record<string, string>;
}

const NS = "default";
const cmPath = (name?: string): string =>
  resourcePath({ resource: "configmaps", namespace: NS, ...(name === undefined ? {} : { name }) });
const cm = (name: string, data: Record<string, string> = {}, labels?: Record<string, string>): ConfigMap => ({
  apiVersion: "v1",
  kind: "ConfigMap",
  metadata: { name, ...(labels ? { labels } : {}) },
  data,
});

let dir: string;
let api: TestServer;
let server: TestServer["server"];
let client: ApiClient;

beforeAll(async () => {
  api = await startServer({ bookmarkIntervalMs: 200 });
  dir = api.dir;
  server = api.server;
  client = api.client;
});
afterAll(async () => {
  await api?.stop();
});

describe("ApiClient against the berth API server", () => {
  it("creates, reads, updates and patches with every patch type", async () => {
    const created = await client.create(cmPath(), cm("crud", { a: "1" }));
    expect(created.metadata?.resourceVersion).toMatch(/^\d+$/);
    expect((await client.get<ConfigMap>(cmPath("crud"))).data).toEqual({ a: "1" });

    const updated = await client.update(cmPath("crud"), { ...created, data: { a: "2" } });
    expect(updated.data).toEqual({ a: "2" });

    const merged = await client.patch<ConfigMap>(cmPath("crud"), { data: { b: "3" } }, "merge");
    expect(merged.data).toEqual({ a: "2", b: "3" });
    const strategic = await client.patch<ConfigMap>(cmPath("crud"), { data: { c: "4" } }, "strategic");
    expect(strategic.data).toEqual({ a: "2", b: "3", c: "4" });
    const json = await client.patch<ConfigMap>(cmPath("crud"), [{ op: "remove", path: "/data/a" }], "json");
    expect(json.data).toEqual({ b: "3", c: "4" });
    const applied = await client.patch<ConfigMap>(cmPath("crud"), cm("crud", { d: "5" }), "apply", {
      fieldManager: "berth-test",
      force: true,
    });
    expect(applied.data?.["d"]).toBe("5");

    const dry = await client.create(cmPath(), cm("dry-only"), { dryRun: true });
    expect(dry.metadata?.name).toBe("dry-only");
    await expect(client.get(cmPath("dry-only"))).rejects.toMatchObject({ code: "NotFound" });
  });

  it("maps the server's Status answers to error codes", async () => {
    const first = await client.create(cmPath(), cm("errs"));
    await expect(client.create(cmPath(), cm("errs"))).rejects.toMatchObject({
      code: "AlreadyExists",
      details: { httpStatus: 409, status: { reason: "AlreadyExists" } },
    });
    await client.update(cmPath("errs"), { ...first, data: { x: "1" } });
    await expect(client.update(cmPath("errs"), { ...first, data: { x: "2" } })).rejects.toMatchObject({
      code: "Conflict",
      details: { httpStatus: 409 },
    });
    await expect(client.get(cmPath("missing"))).rejects.toMatchObject({ code: "NotFound" });
    const invalid = await client.create(cmPath(), cm("Not_A_Valid_Name")).catch((e: unknown) => e);
    expect(invalid).toMatchObject({ code: "Invalid", details: { httpStatus: 422 } });
    expect((invalid as { causes: unknown[] }).causes.length).toBeGreaterThan(0);

    const wrongToken = new ApiClient({
      server: server.url,
      caPem: server.credentials?.ca.certPem,
      token: "nope",
    });
    try {
      await expect(wrongToken.get(cmPath("errs"))).rejects.toMatchObject({ code: "Unauthorized" });
    } finally {
      await wrongToken.close();
    }
  });

  it("deletes with preconditions", async () => {
    const obj = await client.create(cmPath(), cm("precond"));
    await expect(
      client.delete(cmPath("precond"), { preconditions: { uid: "00000000-0000-0000-0000-000000000000" } }),
    ).rejects.toMatchObject({ code: "Conflict" });
    await client.delete(cmPath("precond"), { preconditions: { uid: obj.metadata?.uid ?? "" } });
    await expect(client.get(cmPath("precond"))).rejects.toMatchObject({ code: "NotFound" });
  });

  it("lists with selectors and pages, and watches from a resourceVersion with bookmarks", async () => {
    for (const n of ["w1", "w2", "w3"]) await client.create(cmPath(), cm(n, {}, { suite: "watch" }));
    const page1 = await client.list<ConfigMap>(cmPath(), { labelSelector: "suite=watch", limit: 2 });
    expect(page1.items).toHaveLength(2);
    expect(page1.metadata.continue).toBeTruthy();
    const page2 = await client.list<ConfigMap>(cmPath(), {
      labelSelector: "suite=watch",
      limit: 2,
      continue: page1.metadata.continue,
    });
    expect([...page1.items, ...page2.items].map((o) => o.metadata?.name).sort()).toEqual(["w1", "w2", "w3"]);

    const controller = new AbortController();
    const seen: WatchEvent<ConfigMap>[] = [];
    let bookmarkAfter = Infinity;
    let onEvent: () => void = () => undefined;
    const watching = (async () => {
      for await (const ev of client.watch<ConfigMap>(cmPath(), {
        resourceVersion: page1.metadata.resourceVersion,
        labelSelector: "suite=watch",
        allowWatchBookmarks: true,
        signal: controller.signal,
      })) {
        seen.push(ev);
        onEvent();
        if (ev.type === "BOOKMARK" && Number(ev.object.metadata?.resourceVersion) >= bookmarkAfter) {
          controller.abort();
        }
      }
    })().catch((err: unknown) => {
      if (!controller.signal.aborted) throw err;
    });
    await client.patch(cmPath("w1"), { data: { v: "1" } }, "merge");
    await client.delete(cmPath("w2"));
    while (!seen.some((e) => e.type === "DELETED")) await new Promise<void>((resolve) => (onEvent = resolve));
    // A change the selector hides still moves the watch on: a bookmark carries its revision.
    const hidden = await client.create(cmPath(), cm("w-hidden"));
    bookmarkAfter = Number(hidden.metadata?.resourceVersion);
    await watching;
    const changes = seen
      .filter((e) => e.type !== "BOOKMARK")
      .map((e) => `${e.type} ${(e.object as ConfigMap).metadata?.name}`);
    expect(changes).toEqual(["MODIFIED w1", "DELETED w2"]);
    const last = seen.at(-1);
    expect(last?.type).toBe("BOOKMARK");
    expect(last?.object.metadata?.resourceVersion).toBe(hidden.metadata?.resourceVersion);
  });

  it("authenticates a node with a client certificate; the node authorizer answers 403 Forbidden", async () => {
    const nodes = resourcePath({ resource: "nodes" });
    for (const name of ["n1", "n2"])
      await client.create(nodes, { apiVersion: "v1", kind: "Node", metadata: { name } });
    const path = join(dir, "node.kubeconfig");
    await writeFile(path, await nodeKubeconfig(dir, "n1", server.url));
    const node = await ApiClient.fromKubeconfig(path);
    try {
      const own = await node.patch<KubeObject>(
        resourcePath({ resource: "nodes", name: "n1" }),
        { metadata: { labels: { mine: "yes" } } },
        "merge",
      );
      expect(own.metadata?.labels).toEqual({ mine: "yes" });
      await expect(
        node.patch(
          resourcePath({ resource: "nodes", name: "n2" }),
          { metadata: { labels: { x: "y" } } },
          "merge",
        ),
      ).rejects.toMatchObject({ code: "Forbidden", details: { httpStatus: 403 } });
    } finally {
      await node.close();
    }
  });
});

describe("Reflector against the berth API server", () => {
  it("lists, then follows creates, updates and deletes", async () => {
    await client.create(cmPath(), cm("r-pre", {}, { suite: "reflector" }));
    const log: string[] = [];
    let wake: () => void = () => undefined;
    const push = (entry: string): void => {
      log.push(entry);
      wake();
    };
    const until = async (n: number): Promise<void> => {
      while (log.length < n) await new Promise<void>((resolve) => (wake = resolve));
    };
    const reflector = new Reflector<ConfigMap>({
      client,
      path: cmPath(),
      labelSelector: "suite=reflector",
      log: silentLogger(),
      handler: {
        onAdd: (o) => push(`add ${o.metadata?.name}`),
        onUpdate: (_a, b) => push(`update ${b.metadata?.name} ${JSON.stringify(b.data ?? {})}`),
        onDelete: (o) => push(`delete ${o.metadata?.name}`),
      },
    });
    reflector.start();
    try {
      await reflector.ready;
      expect(log).toEqual(["add r-pre"]);
      await client.create(cmPath(), cm("r-new", {}, { suite: "reflector" }));
      await client.patch(cmPath("r-pre"), { data: { k: "v" } }, "merge");
      await client.delete(cmPath("r-new"));
      await client.create(cmPath(), cm("r-other", {}, { suite: "elsewhere" }));
      await until(4);
      expect(log).toEqual(["add r-pre", "add r-new", 'update r-pre {"k":"v"}', "delete r-new"]);
      expect(reflector.list().map((o) => o.metadata?.name)).toEqual(["r-pre"]);
      expect(reflector.get("default/r-pre")?.data).toEqual({ k: "v" });
    } finally {
      await reflector.stop();
    }
  });
});
