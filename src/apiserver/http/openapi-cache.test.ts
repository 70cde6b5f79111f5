import { createServer, request, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { gunzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CachedDocument, serveDocument } from "./openapi-cache.js";

let builds = 0;
const doc = new CachedDocument(() => {
  builds++;
  return Buffer.from(JSON.stringify({ swagger: "2.0", padding: "x".repeat(10_000) }));
}, "application/json");

let server: Server;

beforeAll(async () => {
  server = createServer((req, res) => serveDocument(req, res, doc, { immutable: req.url === "/hashed" }));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

function get(path: string, headers: Record<string, string> = {}) {
  const { port } = server.address() as AddressInfo;
  return new Promise<{ status: number; headers: Record<string, unknown>; body: Buffer }>(
    (resolve, reject) => {
      request({ host: "127.0.0.1", port, path, headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
        );
      })
        .on("error", reject)
        .end();
    },
  );
}

describe("a cached OpenAPI document", () => {
  it("is built once, tagged with its SHA-512, and answers a matching If-None-Match with 304", async () => {
    const first = await get("/");
    expect(first.status).toBe(200);
    expect(first.headers["etag"]).toMatch(/^"[0-9A-F]{128}"$/);
    expect(first.headers["cache-control"]).toBe("no-cache, private");
    const again = await get("/", { "If-None-Match": String(first.headers["etag"]) });
    expect(again.status).toBe(304);
    expect(again.body).toHaveLength(0);
    expect((await get("/", { "If-None-Match": '"OTHER"' })).status).toBe(200);
    expect(builds).toBe(1);
  });

  it("is gzipped for clients that accept it", async () => {
    const zipped = await get("/", { "Accept-Encoding": "gzip" });
    expect(zipped.headers["content-encoding"]).toBe("gzip");
    expect(zipped.body.length).toBeLessThan(1000);
    expect(gunzipSync(zipped.body).equals(doc.bytes)).toBe(true);
    expect((await get("/", { "Accept-Encoding": "gzip;q=0" })).headers["content-encoding"]).toBeUndefined();
  });

  it("is immutable when addressed by its hash", async () => {
    expect((await get("/hashed")).headers["cache-control"]).toBe("public, immutable");
  });
});
