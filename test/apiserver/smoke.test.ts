import { PassThrough } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "../../src/common/log.js";
import { Api, pod, startServer, type TestServer } from "./support.js";

describe("apiserver smoke", () => {
  let s: TestServer;
  let api: Api;
  const lines: Record<string, unknown>[] = [];
  beforeAll(async () => {
    const destination = new PassThrough();
    destination.on("data", (d: Buffer) => {
      for (const l of d.toString().split("\n"))
        if (l.trim() !== "") lines.push(JSON.parse(l) as Record<string, unknown>);
    });
    s = await startServer({ logger: createLogger({ level: "debug", destination }) });
    api = new Api(s);
  });
  afterAll(async () => {
    await api.close();
    await s.stop();
  });

  it("answers version anonymously and refuses anonymous reads", async () => {
    const v = await api.call("/version", { token: null });
    expect(v.json.minor).toBe("32");
    const r = await api.call("/api/v1/pods", { token: null });
    expect(r.status).toBe(401);
    expect(r.json.reason).toBe("Unauthorized");
  });

  it("creates and reads a pod", async () => {
    const c = await api.call("/api/v1/namespaces/default/pods", { method: "POST", body: pod("a") });
    expect(c.status).toBe(201);
    const g = await api.call("/api/v1/namespaces/default/pods/a");
    expect(g.json.metadata.uid).toBe(c.json.metadata.uid);
    const t = await api.call("/api/v1/namespaces/default/pods", {
      accept: "application/json;as=Table;v=v1;g=meta.k8s.io,application/json",
    });
    expect(t.json.kind).toBe("Table");
    expect(t.json.rows[0].cells.slice(0, 3)).toEqual(["a", "0/1", "Pending"]);
  });

  it("logs one debug line per request, failures with their Status, and never the token", async () => {
    await api.call("/api/v1/namespaces/default/pods/missing");
    await new Promise((r) => setTimeout(r, 50));
    const ok = lines.find((l) => l["msg"] === "request" && l["url"] === "/api/v1/namespaces/default/pods/a");
    expect(ok).toMatchObject({ level: 20, method: "GET", code: 200, user: "admin" });
    const failed = lines.find(
      (l) => l["msg"] === "request failed" && l["url"] === "/api/v1/namespaces/default/pods/missing",
    );
    expect(failed).toMatchObject({
      code: 404,
      status: { reason: "NotFound", message: 'pods "missing" not found' },
    });
    expect(JSON.stringify(lines)).not.toContain(s.token);
  });
});
