import { once } from "node:events";
import { createServer, type AddressInfo, type Server, type Socket } from "node:net";
import { createServer as createTlsServer } from "node:tls";
import { afterEach, describe, expect, it, vi } from "vitest";
import { createCa, issueCertificate } from "../../pki/index.js";
import { httpExchange } from "./http-exchange.js";

const servers: Server[] = [];
afterEach(() => {
  for (const s of servers.splice(0)) s.close();
});

/** A server that reads one request head and answers with the given raw bytes, sent in pieces. */
async function scripted(pieces: readonly (string | Buffer)[], seen: string[] = []): Promise<number> {
  const server = createServer((socket: Socket) => {
    let head = "";
    socket.on("data", (d: Buffer) => {
      head += d.toString("latin1");
      if (!head.includes("\r\n\r\n")) return;
      seen.push(head);
      for (const p of pieces) socket.write(p);
      socket.end();
    });
    socket.on("error", () => undefined);
  });
  servers.push(server);
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return (server.address() as AddressInfo).port;
}

const exchange = (port: number, maxBody = 10 * 1024, timeoutMs = 5000) =>
  httpExchange({
    url: new URL(`http://127.0.0.1:${port}/healthz?x=1`),
    headers: [
      ["X-A", "1"],
      ["X-A", "2"],
    ],
    deadline: Date.now() + timeoutMs,
    maxBody,
  });

describe("httpExchange", () => {
  it("writes the request line, Host, the header lines in order and Connection: close", async () => {
    const seen: string[] = [];
    await exchange(await scripted(["HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"], seen));
    expect(seen[0]).toBe(
      `GET /healthz?x=1 HTTP/1.1\r\nHost: 127.0.0.1:${/:(\d+)/.exec(seen[0] ?? "")?.[1]}\r\nX-A: 1\r\nX-A: 2\r\nConnection: close\r\n\r\n`,
    );
  });

  it("reads a Content-Length body arriving in pieces", async () => {
    const got = await exchange(
      await scripted(["HTTP/1.1 200 OK\r\nContent-Le", "ngth: 5\r\n\r\nhe", "llo", "ignored"]),
    );
    expect(got).toEqual({ status: 200, location: undefined, body: Buffer.from("hello") });
  });

  it("decodes a chunked body", async () => {
    const got = await exchange(
      await scripted([
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n",
        "3\r\nabc\r\n",
        "a\r\n0123456789\r\n0\r\n\r\n",
      ]),
    );
    expect(got.body.toString()).toBe("abc0123456789");
  });

  it("reads a body without a length to the end of the connection, capped", async () => {
    const got = await exchange(await scripted(["HTTP/1.0 200 OK\r\n\r\n", "x".repeat(300)]), 100);
    expect(got.body.toString()).toBe("x".repeat(100));
  });

  it("skips 1xx answers and keeps the redirect's Location", async () => {
    const got = await exchange(
      await scripted([
        "HTTP/1.1 100 Continue\r\n\r\n",
        "HTTP/1.1 302 Found\r\nLocation: /elsewhere\r\nContent-Length: 0\r\n\r\n",
      ]),
    );
    expect(got).toMatchObject({ status: 302, location: "/elsewhere" });
  });

  it("refuses what is not HTTP, a close before the head, a short body and huge headers", async () => {
    await expect(exchange(await scripted(["SSH-2.0-OpenSSH\r\n\r\n"]))).rejects.toThrow(
      'malformed HTTP response "SSH-2.0-OpenSSH"',
    );
    await expect(exchange(await scripted(["HTTP/1.1 200 OK\r\n"]))).rejects.toThrow(/^EOF$/);
    await expect(
      exchange(await scripted(["HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc"])),
    ).rejects.toThrow(/^unexpected EOF$/);
    await expect(
      exchange(await scripted([`HTTP/1.1 200 OK\r\nX-Big: ${"y".repeat(20_000)}`])),
    ).rejects.toThrow("net/http: server response headers exceeded 16384 bytes; aborted");
  });

  it("speaks TLS for https without verifying the server's certificate", async () => {
    const ca = createCa({ commonName: "some-ca", validDays: 1 });
    const pair = issueCertificate(ca, {
      commonName: "pod",
      ipAddresses: ["127.0.0.1"],
      usage: "server",
      validDays: 1,
    });
    const server = createTlsServer({ cert: pair.certPem, key: pair.keyPem }, (socket) => {
      socket.once("data", () => socket.end("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"));
    });
    servers.push(server as unknown as Server);
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    const contexts = vi.spyOn(process.getBuiltinModule("node:tls"), "createSecureContext");
    try {
      for (let i = 0; i < 3; i++) {
        const got = await httpExchange({
          url: new URL(`https://127.0.0.1:${(server.address() as AddressInfo).port}/`),
          headers: [],
          deadline: Date.now() + 5000,
          maxBody: 100,
        });
        expect(got).toEqual({ status: 200, location: undefined, body: Buffer.from("ok") });
      }
      // One TLS context for every https probe of the process, made by the first of them.
      expect(contexts.mock.calls.length).toBeLessThanOrEqual(1);
    } finally {
      contexts.mockRestore();
    }
  });

  it("words an https probe of a plain-HTTP port as Go's crypto/tls does", async () => {
    // A plain HTTP server answers the TLS ClientHello as a bad request.
    const server = createServer((socket: Socket) => {
      socket.once("data", () => socket.end("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n"));
      socket.on("error", () => undefined);
    });
    servers.push(server);
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    await expect(
      httpExchange({
        url: new URL(`https://127.0.0.1:${(server.address() as AddressInfo).port}/`),
        headers: [],
        deadline: Date.now() + 5000,
        maxBody: 100,
      }),
    ).rejects.toThrow(/^tls: first record does not look like a TLS handshake$/);
  });

  it("ends at the deadline with Go's timeout wording", async () => {
    const server = createServer(() => undefined);
    servers.push(server);
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    await expect(exchange((server.address() as AddressInfo).port, 100, 50)).rejects.toThrow(
      "context deadline exceeded (Client.Timeout exceeded while awaiting headers)",
    );
  });
});
