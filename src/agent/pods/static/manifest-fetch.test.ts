import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fetchManifest } from "./manifest-fetch.js";

describe("fetchManifest", () => {
  let server: Server;
  let base = "";
  beforeAll(async () => {
    server = createServer((req, res) => {
      if (req.url === "/pods") res.end("kind: PodList\nitems: []\n");
      else if (req.url === "/hang") return;
      else {
        res.statusCode = 404;
        res.end("no");
      }
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => {
    server.closeAllConnections();
    server.close();
  });

  it("answers the body of a 2xx and refuses other statuses with the URL", async () => {
    const signal = new AbortController().signal;
    expect(await fetchManifest(`${base}/pods`, signal)).toBe("kind: PodList\nitems: []\n");
    await expect(fetchManifest(`${base}/gone`, signal)).rejects.toThrow(`${base}/gone: 404 Not Found`);
  });

  it("stops when its signal aborts, and rejects a refused connection", async () => {
    const controller = new AbortController();
    const pending = fetchManifest(`${base}/hang`, controller.signal);
    controller.abort();
    await expect(pending).rejects.toThrow("aborted");
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const port = (closed.address() as AddressInfo).port;
    closed.close();
    await expect(fetchManifest(`http://127.0.0.1:${port}/`, new AbortController().signal)).rejects.toThrow(
      "ECONNREFUSED",
    );
  });
});
