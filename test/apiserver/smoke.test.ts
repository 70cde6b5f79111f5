import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Api, pod, startServer, type TestServer } from "./support.js";

describe("apiserver smoke", () => {
  let s: TestServer;
  let api: Api;
  beforeAll(async () => {
    s = await startServer();
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
});
