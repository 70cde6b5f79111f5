import { createServer, request, type IncomingMessage, type Server } from "node:http";
import { connect, type AddressInfo, type Socket } from "node:net";
import type { Duplex } from "node:stream";
import { afterEach, describe, expect, it } from "vitest";
import { relayedHeaders, relayUpgrade } from "./upgrade-relay.js";

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => (s.closeAllConnections(), s.close(r)))));
});

async function listen(server: Server): Promise<number> {
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return (server.address() as AddressInfo).port;
}

/** A streaming server: answers 101 and echoes upper-cased bytes, or refuses with 400. */
async function backend(seen: string[][], refuse = false): Promise<number> {
  const server = createServer();
  server.on("upgrade", (req: IncomingMessage, socket: Duplex) => {
    seen.push(req.rawHeaders, [req.url ?? ""]);
    if (refuse) {
      socket.end(
        "HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain\r\nContent-Length: 9\r\n\r\nno stream",
      );
      return;
    }
    socket.write("HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\n\r\n");
    socket.on("data", (d: Buffer) => socket.write(d.toString().toUpperCase()));
    // node:http's server sockets are half-open: end this side when the relay ends its own.
    socket.on("end", () => socket.end());
  });
  return listen(server);
}

/** The relaying server in front of the backend, as the agent or the API server is. */
async function front(backendPort: number, errors: unknown[], codes: number[] = []): Promise<number> {
  const server = createServer();
  server.on("upgrade", (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    relayUpgrade(socket, head, {
      open: request,
      options: {
        host: "127.0.0.1",
        port: backendPort,
        path: `${req.url ?? "/"}&ports=8080`,
        headers: relayedHeaders(req, `127.0.0.1:${backendPort}`),
      },
    }).then(
      (code) => codes.push(code),
      (err: unknown) => {
        errors.push(err);
        socket.destroy();
      },
    );
  });
  return listen(server);
}

function client(port: number, firstBytes: string): Promise<{ socket: Socket; text: () => string }> {
  return new Promise((resolve, reject) => {
    let text = "";
    const socket = connect(port, "127.0.0.1", () => {
      socket.write(
        "GET /portforward/abc?x=1 HTTP/1.1\r\nHost: front\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\n" +
          "Authorization: Bearer secret\r\nX-Stream-Protocol-Version: portforward.k8s.io\r\n" +
          `X-Stream-Protocol-Version: v2.portforward.k8s.io\r\n\r\n${firstBytes}`,
      );
      resolve({ socket, text: () => text });
    });
    socket.on("data", (d: Buffer) => (text += d.toString()));
    socket.on("error", reject);
  });
}

async function until(check: () => boolean): Promise<void> {
  while (!check()) await new Promise((r) => setImmediate(r));
}

describe("relayUpgrade", () => {
  it("joins the client to the server after its 101, headers line by line and without credentials", async () => {
    const seen: string[][] = [];
    const errors: unknown[] = [];
    const codes: number[] = [];
    const port = await front(await backend(seen), errors, codes);
    const c = await client(port, "early");
    await until(() => c.text().includes("EARLY"));
    c.socket.write("later");
    await until(() => c.text().includes("LATER"));
    expect(c.text()).toMatch(/^HTTP\/1\.1 101 Switching Protocols\r\n/);
    const [headers = [], [url] = []] = seen;
    expect(url).toBe("/portforward/abc?x=1&ports=8080");
    const values = (name: string) =>
      headers.filter((_, i) => i % 2 === 1 && headers[i - 1]?.toLowerCase() === name);
    expect(values("x-stream-protocol-version")).toEqual(["portforward.k8s.io", "v2.portforward.k8s.io"]);
    expect(values("authorization")).toEqual([]);
    expect(values("host")).toEqual([`127.0.0.1:${(servers[0]?.address() as AddressInfo).port}`]);
    expect(errors).toEqual([]);
    expect(codes).toEqual([101]);
    c.socket.destroy();
  });

  it("relays a refusal with its status and body and closes the client", async () => {
    const seen: string[][] = [];
    const codes: number[] = [];
    const port = await front(await backend(seen, true), [], codes);
    const c = await client(port, "");
    await new Promise((r) => c.socket.on("close", r));
    expect(codes).toEqual([400]);
    expect(c.text()).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
    expect(c.text()).toMatch(/\r\n\r\nno stream$/);
  });

  it("rejects when the server cannot be reached", async () => {
    const closed = await listen(createServer());
    await new Promise((r) => servers.pop()?.close(r));
    const errors: unknown[] = [];
    const port = await front(closed, errors);
    const c = await client(port, "");
    await new Promise((r) => c.socket.on("close", r));
    expect(errors).toHaveLength(1);
    expect(String(errors[0])).toMatch(/ECONNREFUSED/);
  });
});
