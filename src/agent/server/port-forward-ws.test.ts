import { once } from "node:events";
import { createServer, type Server } from "node:http";
import {
  connect,
  createServer as createTcpServer,
  type AddressInfo,
  type Server as TcpServer,
} from "node:net";
import type { Duplex } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { BerthError, ErrorCode, silentLogger } from "../../common/index.js";
import { parsePorts } from "./port-forward-ports.js";
import { servePortForwardWebSocket } from "./port-forward-ws.js";

/** A pod whose port ECHO_PORT upper-cases what it gets; every other port refuses. */
const ECHO_PORT = 8080;

let echo: TcpServer;
let server: Server;
let url = "";

beforeAll(async () => {
  echo = createTcpServer((s) => s.on("data", (c: Buffer) => s.write(c.toString().toUpperCase())));
  echo.listen(0, "127.0.0.1");
  await once(echo, "listening");
  const echoPort = (echo.address() as AddressInfo).port;
  const runtime = {
    listPodSandboxes: () => Promise.resolve([{ id: "sandbox-1" }]),
    portForward: (sandbox: string, port: number): Promise<Duplex> => {
      if (sandbox !== "sandbox-1" || port !== ECHO_PORT) {
        return Promise.reject(new BerthError(ErrorCode.RuntimeUnavailable, `connection refused on ${port}`));
      }
      const s = connect(echoPort, "127.0.0.1");
      return once(s, "connect").then(() => s);
    },
  };
  server = createServer();
  server.on("upgrade", (req, socket: Duplex, head: Buffer) => {
    const query = new URL(req.url ?? "/", "http://agent").searchParams;
    try {
      servePortForwardWebSocket(
        req,
        socket,
        head,
        {
          runtime: runtime as never,
          pod: { apiVersion: "v1", kind: "Pod", metadata: { name: "web", uid: "uid-1" } },
          log: silentLogger(),
        },
        parsePorts(query),
      );
    } catch (err) {
      socket.end(`HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n${String(err)}`);
    }
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  url = `ws://127.0.0.1:${(server.address() as AddressInfo).port}/portForward/default/web`;
});

afterAll(() => {
  server.close();
  echo.close();
});

interface Message {
  channel: number;
  payload: Buffer;
}

/** Opens a session and collects what arrives on each channel until the agent closes it. */
function open(query: string, protocols: string[]) {
  const ws = new WebSocket(`${url}?${query}`, protocols);
  const messages: Message[] = [];
  const closed = new Promise<number>((resolve) => ws.on("close", (code) => resolve(code)));
  ws.on("message", (data: Buffer, binary: boolean) => {
    if (binary) messages.push({ channel: data[0] ?? -1, payload: data.subarray(1) });
    else
      messages.push({
        channel: (data[0] ?? 0) - 0x30,
        payload: Buffer.from(data.subarray(1).toString(), "base64"),
      });
  });
  const text = (channel: number) =>
    Buffer.concat(messages.filter((m) => m.channel === channel).map((m) => m.payload)).toString("latin1");
  return { ws, messages, closed, text, opened: once(ws, "open") };
}

const le = (port: number) => {
  const b = Buffer.alloc(2);
  b.writeUInt16LE(port);
  return b.toString("latin1");
};

describe("port-forward over WebSocket", () => {
  it("reads the ports as the kubelet does", () => {
    expect(parsePorts(new URLSearchParams("port=80,443&port=8080"))).toEqual([80, 443, 8080]);
    expect(() => parsePorts(new URLSearchParams(""))).toThrow('query parameter "port" is required');
    expect(() => parsePorts(new URLSearchParams("port="))).toThrow('query parameter "port" cannot be empty');
    expect(() => parsePorts(new URLSearchParams("port=80,x"))).toThrow('unable to parse "80,x" as a port');
    expect(() => parsePorts(new URLSearchParams("port=70000"))).toThrow('unable to parse "70000" as a port');
    expect(() => parsePorts(new URLSearchParams("port=0"))).toThrow('port "0" must be > 0');
  });

  it("prefixes each channel with its port and carries bytes both ways; a refused port fails on its error channel", async () => {
    const s = open(`port=${ECHO_PORT},9`, ["v4.channel.k8s.io"]);
    await s.opened;
    expect(s.ws.protocol).toBe("v4.channel.k8s.io");
    s.ws.send(Buffer.concat([Buffer.from([0]), Buffer.from("hello ")]));
    s.ws.send(Buffer.concat([Buffer.from([0]), Buffer.from("pod")]));
    // channel 1 is write-only: what the client sends there is dropped.
    s.ws.send(Buffer.concat([Buffer.from([1]), Buffer.from("ignored")]));
    await expect.poll(() => s.text(0)).toBe(`${le(ECHO_PORT)}HELLO POD`);
    expect(s.text(1)).toBe(le(ECHO_PORT));
    expect(s.text(2)).toBe(le(9));
    expect(s.text(3)).toBe(`${le(9)}error forwarding port 9 to pod web, uid uid-1: connection refused on 9`);
    // The first messages are the four prefixes, data then error, port by port.
    expect(s.messages.slice(0, 4).map((m) => m.channel)).toEqual([0, 1, 2, 3]);
    s.ws.close();
    await s.closed;
  });

  it("ends the session once every port has failed", async () => {
    const s = open("port=9", ["v4.channel.k8s.io"]);
    expect(await s.closed).toBe(1000);
    expect(s.text(1)).toContain("error forwarding port 9 to pod web");
  });

  it("speaks v4.base64.channel.k8s.io in text messages", async () => {
    const s = open(`port=${ECHO_PORT}`, ["v4.base64.channel.k8s.io"]);
    await s.opened;
    expect(s.ws.protocol).toBe("v4.base64.channel.k8s.io");
    s.ws.send(`0${Buffer.from("base64 bytes").toString("base64")}`);
    await expect.poll(() => s.text(0)).toBe(`${le(ECHO_PORT)}BASE64 BYTES`);
    s.ws.close();
    await s.closed;
  });

  it("refuses a request without ports or with an unknown protocol before upgrading", async () => {
    for (const [query, protocols] of [
      ["", ["v4.channel.k8s.io"]],
      [`port=${ECHO_PORT}`, ["v5.channel.k8s.io"]],
    ] as const) {
      const ws = new WebSocket(`${url}?${query}`, [...protocols]);
      ws.on("error", () => undefined);
      const [, res] = (await once(ws, "unexpected-response")) as [unknown, { statusCode: number }];
      expect(res.statusCode).toBe(400);
      ws.terminate();
    }
  });
});
