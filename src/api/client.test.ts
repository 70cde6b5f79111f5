import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import {
  line,
  ScriptedServer,
  sendJson,
  sendStatus,
  startWatch,
} from "../../test/api/support/https-server.js";
import { ApiClient } from "./client.js";
import { resourcePath } from "./paths.js";
import type { WatchEvent } from "./types.js";

interface Pod {
  apiVersion?: string;
  kind?: string;
  metadata?: { name?: string; namespace?: string; resourceVersion?: string };
  spec?: { nodeName?: string };
}

let server: ScriptedServer;
let client: ApiClient;

beforeAll(async () => {
  server = await ScriptedServer.start({ requestCert: true });
  client = new ApiClient({ server: server.url, caPem: server.ca.certPem, token: "s3cret" });
});
afterAll(async () => {
  await client.close();
  await server.close();
});
afterEach(() => {
  server.requests.length = 0;
});

const pod = (name: string, rv: string): Pod => ({
  apiVersion: "v1",
  kind: "Pod",
  metadata: { name, namespace: "default", resourceVersion: rv },
});

describe("ApiClient requests", () => {
  it("sends typed JSON requests with the token, query and content types", async () => {
    server.handler = (req, res) =>
      req.method === "DELETE"
        ? sendJson(res, 200, { kind: "Status", status: "Success" })
        : sendJson(res, req.method === "POST" ? 201 : 200, { ...pod("p", "7"), echo: req.body });
    const path = resourcePath({ resource: "pods", namespace: "default", name: "p" });
    const got = await client.get<Pod>(path);
    expect(got.metadata?.resourceVersion).toBe("7");
    await client.create(resourcePath({ resource: "pods", namespace: "default" }), pod("p", ""), {
      fieldManager: "berth",
      dryRun: true,
    });
    await client.update(`${path}/status`, pod("p", "7"));
    await client.patch(path, { spec: { nodeName: "n1" } }, "strategic");
    await client.patch(path, [{ op: "add", path: "/metadata/labels", value: {} }], "json");
    await client.patch(path, { metadata: { labels: { a: "b" } } }, "merge");
    await client.patch(path, pod("p", ""), "apply", { fieldManager: "berth", force: true });
    await client.delete(path, { gracePeriodSeconds: 0, preconditions: { uid: "u1", resourceVersion: "7" } });
    await client.list<Pod>("/api/v1/pods", {
      labelSelector: "app=x",
      fieldSelector: "spec.nodeName=n1",
      limit: 10,
      continue: "tok",
      resourceVersion: "0",
    });

    const r = server.requests;
    expect(r.map((q) => `${q.method} ${q.path}`)).toEqual([
      "GET /api/v1/namespaces/default/pods/p",
      "POST /api/v1/namespaces/default/pods",
      "PUT /api/v1/namespaces/default/pods/p/status",
      "PATCH /api/v1/namespaces/default/pods/p",
      "PATCH /api/v1/namespaces/default/pods/p",
      "PATCH /api/v1/namespaces/default/pods/p",
      "PATCH /api/v1/namespaces/default/pods/p",
      "DELETE /api/v1/namespaces/default/pods/p",
      "GET /api/v1/pods",
    ]);
    for (const q of r) {
      expect(q.headers.authorization).toBe("Bearer s3cret");
      expect(q.headers.accept).toBe("application/json");
    }
    expect(r[1]?.query.toString()).toBe("dryRun=All&fieldManager=berth");
    expect(JSON.parse(r[1]?.body ?? "")).toEqual(pod("p", ""));
    expect(r[1]?.headers["content-type"]).toBe("application/json");
    expect(r.slice(3, 7).map((q) => q.headers["content-type"])).toEqual([
      "application/strategic-merge-patch+json",
      "application/json-patch+json",
      "application/merge-patch+json",
      "application/apply-patch+yaml",
    ]);
    expect(r[6]?.query.toString()).toBe("fieldManager=berth&force=true");
    expect(JSON.parse(r[7]?.body ?? "")).toEqual({
      kind: "DeleteOptions",
      apiVersion: "v1",
      gracePeriodSeconds: 0,
      preconditions: { uid: "u1", resourceVersion: "7" },
    });
    expect(Object.fromEntries(r[8]?.query ?? [])).toEqual({
      labelSelector: "app=x",
      fieldSelector: "spec.nodeName=n1",
      limit: "10",
      continue: "tok",
      resourceVersion: "0",
    });
  });

  it("authenticates with a client certificate", async () => {
    const certClient = new ApiClient({
      server: server.url,
      caPem: server.ca.certPem,
      certPem: server.client.certPem,
      keyPem: server.client.keyPem,
    });
    server.handler = (_req, res) => sendJson(res, 200, { kind: "Namespace" });
    try {
      await certClient.get("/api/v1/namespaces/default");
    } finally {
      await certClient.close();
    }
    expect(server.requests[0]?.peer).toEqual({
      commonName: "system:node:n1",
      organizations: ["system:nodes"],
    });
    expect(server.requests[0]?.headers.authorization).toBeUndefined();
  });

  it("builds one TLS context for all its connections, each presenting the client certificate", async () => {
    const contexts = vi.spyOn(process.getBuiltinModule("node:tls"), "createSecureContext");
    const certClient = new ApiClient({
      server: server.url,
      caPem: server.ca.certPem,
      certPem: server.client.certPem,
      keyPem: server.client.keyPem,
      requestConnections: 3,
    });
    const ports = new Set<number>();
    const release: (() => void)[] = [];
    server.handler = async (req, res) => {
      ports.add(res.socket?.remotePort ?? 0);
      // The first three are held until all three are in: three connections at once.
      if (req.path !== "/api/v1/namespaces/again")
        await new Promise<void>((resolve) => release.push(resolve));
      sendJson(res, 200, { kind: "Namespace" });
    };
    try {
      const gets = Promise.all(["a", "b", "c"].map((n) => certClient.get(`/api/v1/namespaces/${n}`)));
      await server.waitForRequests(3);
      for (const done of release.splice(0)) done();
      await gets;
      await certClient.get("/api/v1/namespaces/again");
      expect(contexts).toHaveBeenCalledTimes(1);
    } finally {
      contexts.mockRestore();
      await certClient.close();
    }
    expect(ports.size).toBe(3);
    expect(server.requests.map((r) => r.peer?.commonName)).toEqual(Array(4).fill("system:node:n1"));
  });

  it("refuses a server whose certificate the CA did not sign", async () => {
    const stranger = await ScriptedServer.start();
    const c = new ApiClient({ server: stranger.url, caPem: server.ca.certPem });
    try {
      await expect(c.get("/version")).rejects.toMatchObject({
        code: "Internal",
        details: { transport: true },
      });
      expect(stranger.requests).toHaveLength(0);
    } finally {
      await c.close();
      await stranger.close();
    }
  });

  it("maps Status failures to BerthError codes and keeps the Status", async () => {
    const cases: [number, string, string][] = [
      [404, "NotFound", "NotFound"],
      [409, "AlreadyExists", "AlreadyExists"],
      [409, "Conflict", "Conflict"],
      [410, "Expired", "Expired"],
      [401, "Unauthorized", "Unauthorized"],
      [403, "Forbidden", "Forbidden"],
      [400, "BadRequest", "BadRequest"],
      [504, "Timeout", "Timeout"],
    ];
    for (const [code, reason, want] of cases) {
      server.handler = (_req, res) => sendStatus(res, code, reason, `msg ${reason}`);
      const err = await client.get("/api/v1/namespaces/default/pods/x").catch((e: unknown) => e);
      expect(err).toMatchObject({
        code: want,
        message: `GET /api/v1/namespaces/default/pods/x: msg ${reason}`,
        details: { httpStatus: code, status: { kind: "Status", reason, code } },
      });
    }
  });

  it("keeps the causes of 422 Invalid", async () => {
    server.handler = (_req, res) =>
      sendStatus(res, 422, "Invalid", 'Pod "x" is invalid', {
        name: "x",
        kind: "Pod",
        causes: [{ reason: "FieldValueRequired", message: "Required value", field: "spec.containers" }],
      });
    await expect(client.create("/api/v1/namespaces/default/pods", pod("x", ""))).rejects.toMatchObject({
      code: "Invalid",
      causes: [{ reason: "FieldValueRequired", message: "Required value", field: "spec.containers" }],
    });
  });

  it("maps answers that are not a Status by HTTP code", async () => {
    server.handler = (_req, res) => {
      res.statusCode = 503;
      res.end("upstream down");
    };
    await expect(client.get("/healthz")).rejects.toMatchObject({
      code: "Internal",
      message: "GET /healthz: HTTP 503: upstream down",
    });
    server.handler = (_req, res) => {
      res.statusCode = 404;
      res.end();
    };
    await expect(client.get("/nope")).rejects.toMatchObject({ code: "NotFound" });
  });

  it("gives up with Timeout when the headers or the body do not come", async () => {
    const impatient = new ApiClient({ server: server.url, caPem: server.ca.certPem, requestTimeoutMs: 100 });
    try {
      server.handler = () => undefined; // never answers
      await expect(impatient.get("/api/v1/pods")).rejects.toMatchObject({
        code: "Timeout",
        details: { transport: true, errorCode: "BERTH_HEADERS_TIMEOUT" },
      });
      server.handler = (_req, res) => {
        res.writeHead(200, { "content-type": "application/json" });
        res.write('{"kind":'); // and then nothing
      };
      await expect(impatient.get("/api/v1/pods")).rejects.toMatchObject({
        code: "Timeout",
        details: { transport: true, errorCode: "BERTH_BODY_TIMEOUT" },
      });
    } finally {
      await impatient.close();
    }
  });

  it("holds requests to requestConnections connections while watches get their own", async () => {
    const limited = new ApiClient({
      server: server.url,
      caPem: server.ca.certPem,
      token: "s3cret",
      requestConnections: 2,
    });
    const requestPorts = new Set<number>();
    let watchPort = 0;
    let inFlight = 0;
    let mostInFlight = 0;
    const release: (() => void)[] = [];
    server.handler = async (req, res) => {
      const port = res.socket?.remotePort ?? 0;
      if (req.query.get("watch") === "true") {
        watchPort = port;
        startWatch(res).write(line("ADDED", pod("w", "1")));
        return;
      }
      requestPorts.add(port);
      mostInFlight = Math.max(mostInFlight, ++inFlight);
      await new Promise<void>((resolve) => release.push(resolve));
      inFlight--;
      sendJson(res, 200, pod(req.path.split("/").pop() ?? "", "2"));
    };
    const controller = new AbortController();
    const watch = limited.watch<Pod>("/api/v1/pods", { signal: controller.signal });
    await expect(watch.next()).resolves.toMatchObject({ value: { type: "ADDED" } });
    const names = ["a", "b", "c", "d", "e"];
    const gets = Promise.all(names.map((n) => limited.get<Pod>(`/api/v1/namespaces/default/pods/${n}`)));
    // the watch holds its connection; the five requests share two, two at a time
    for (let answered = 0; answered < names.length; answered++) {
      await server.waitForRequests(2 + answered + Math.min(1, names.length - 1 - answered));
      release.shift()?.();
    }
    expect((await gets).map((p) => p.metadata?.name)).toEqual(names);
    expect(mostInFlight).toBe(2);
    expect(requestPorts.size).toBe(2);
    expect(requestPorts.has(watchPort)).toBe(false);
    controller.abort(new Error("done"));
    await expect(watch.next()).rejects.toThrow("done");
    await limited.close();
  });

  it("reads text answers with getText", async () => {
    server.handler = (req, res) => {
      if (req.query.get("container") === "missing")
        return sendStatus(res, 400, "BadRequest", "no such container");
      res.setHeader("content-type", "text/plain");
      res.end(`line 1\nline 2 (accept ${req.headers.accept})\n`);
    };
    const path = resourcePath({ resource: "pods", namespace: "default", name: "p", subresource: "log" });
    await expect(client.getText(path, { query: { container: "c", tailLines: 2 } })).resolves.toBe(
      "line 1\nline 2 (accept */*)\n",
    );
    expect(server.requests[0]?.query.toString()).toBe("container=c&tailLines=2");
    await expect(client.getText(path, { query: { container: "missing" } })).rejects.toMatchObject({
      code: "BadRequest",
    });
    await expect(client.get(path)).rejects.toThrow(/response is not JSON/);
  });

  it("rejects bad configuration and bad paths clearly", async () => {
    expect(() => new ApiClient({ server: "ftp://x" })).toThrow(expect.objectContaining({ code: "Config" }));
    expect(() => new ApiClient({ server: "not a url" })).toThrow(/is not a URL/);
    expect(() => new ApiClient({ server: server.url, certPem: "x" })).toThrow(/together/);
    await expect(client.get("api/v1/pods")).rejects.toMatchObject({ code: "Invalid" });
    await expect(client.patch("/api/v1/pods", {}, "apply")).rejects.toThrow(/fieldManager/);
  });

  it("builds resource paths for core and named groups", () => {
    expect(resourcePath({ resource: "nodes", name: "n1", subresource: "status" })).toBe(
      "/api/v1/nodes/n1/status",
    );
    expect(
      resourcePath({
        group: "coordination.k8s.io",
        resource: "leases",
        namespace: "kube-node-lease",
        name: "n1",
      }),
    ).toBe("/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/n1");
    expect(() => resourcePath({ resource: "pods", name: "a/b" })).toThrow(/not a valid path segment/);
    expect(() => resourcePath({ resource: "pods", subresource: "status" })).toThrow(/needs a name/);
  });
});

describe("ApiClient.watch", () => {
  async function collect<T>(it: AsyncIterable<WatchEvent<T>>): Promise<WatchEvent<T>[]> {
    const out: WatchEvent<T>[] = [];
    for await (const ev of it) out.push(ev);
    return out;
  }

  it("reassembles events cut across chunks, multi-byte characters included", async () => {
    const added = line("ADDED", { ...pod("grüße", "5") });
    const modified = line("MODIFIED", pod("b", "6"));
    const bookmark = line("BOOKMARK", { kind: "Pod", metadata: { resourceVersion: "9" } });
    const bytes = Buffer.from(added + modified + bookmark, "utf8");
    const umlaut = bytes.indexOf(Buffer.from("ü")) + 1; // inside the two-byte ü
    server.handler = (_req, res) => {
      const w = startWatch(res);
      w.write(bytes.subarray(0, 3));
      w.write(bytes.subarray(3, umlaut));
      w.write(bytes.subarray(umlaut, added.length + 10));
      w.write(bytes.subarray(added.length + 10));
      w.end();
    };
    const events = await collect(
      client.watch<Pod>("/api/v1/pods", {
        resourceVersion: "4",
        allowWatchBookmarks: true,
        labelSelector: "a=b",
      }),
    );
    expect(
      events.map((e) => [
        e.type,
        (e.object.metadata as { name?: string } | undefined)?.name ?? "",
        e.object.metadata?.resourceVersion,
      ]),
    ).toEqual([
      ["ADDED", "grüße", "5"],
      ["MODIFIED", "b", "6"],
      ["BOOKMARK", "", "9"],
    ]);
    expect(Object.fromEntries(server.requests[0]?.query ?? [])).toEqual({
      resourceVersion: "4",
      allowWatchBookmarks: "true",
      labelSelector: "a=b",
      watch: "true",
    });
  });

  it("yields ERROR events with their Status", async () => {
    server.handler = (_req, res) => {
      const w = startWatch(res);
      w.write(
        line("ERROR", { kind: "Status", code: 410, reason: "Expired", message: "too old resource version" }),
      );
      w.end();
    };
    const events = await collect(client.watch<Pod>("/api/v1/pods", { resourceVersion: "1" }));
    expect(events).toEqual([
      {
        type: "ERROR",
        object: { kind: "Status", code: 410, reason: "Expired", message: "too old resource version" },
      },
    ]);
  });

  it("throws the mapped error when the watch is refused", async () => {
    server.handler = (_req, res) => sendStatus(res, 410, "Expired", "too old resource version: 1 (5)");
    await expect(collect(client.watch("/api/v1/pods", { resourceVersion: "1" }))).rejects.toMatchObject({
      code: "Expired",
    });
  });

  it("rejects a malformed line as BadRequest", async () => {
    server.handler = (_req, res) => {
      const w = startWatch(res);
      w.write('{"type":"ADDED","object":{}}\n{not json}\n');
      w.end();
    };
    await expect(collect(client.watch("/api/v1/pods"))).rejects.toMatchObject({ code: "BadRequest" });
  });

  it("ends on abort with the signal's reason, and frees the connection", async () => {
    let opened: () => void = () => undefined;
    const isOpen = new Promise<void>((resolve) => (opened = resolve));
    server.handler = (_req, res) => {
      const w = startWatch(res);
      w.write(line("ADDED", pod("a", "1")));
      opened();
    };
    const controller = new AbortController();
    const seen: string[] = [];
    const done = (async () => {
      for await (const ev of client.watch<Pod>("/api/v1/pods", { signal: controller.signal })) {
        seen.push(ev.type);
      }
    })();
    await isOpen;
    controller.abort(new Error("stopping"));
    await expect(done).rejects.toThrow("stopping");
    server.handler = (_req, res) => sendJson(res, 200, { kind: "PodList", metadata: {}, items: [] });
    await expect(client.list("/api/v1/pods")).resolves.toMatchObject({ items: [] });
  });
});
