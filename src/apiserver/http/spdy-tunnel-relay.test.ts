import { once } from "node:events";
import { randomBytes } from "node:crypto";
import { createServer, request as httpRequest, type IncomingMessage, type Server } from "node:http";
import {
  connect,
  createServer as createTcpServer,
  type AddressInfo,
  type Server as TcpServer,
} from "node:net";
import type { Duplex } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { silentLogger } from "../../common/log.js";
import { agentPath } from "./agent-proxy.js";
import { isSpdyTunnelRequest, tunnelledSpdyProtocols } from "./spdy-tunnel.js";
import { serveSpdyTunnel, type AgentAnswer } from "./spdy-tunnel-relay.js";

const request = (headers: Record<string, string>) => ({ headers }) as IncomingMessage;

/** How the fake agent answers the next upgrade, and what it was asked. */
let answer: (socket: Duplex) => AgentAnswer;
let asked: Record<string, string | string[]> = {};
let agent: TcpServer;
let server: Server;
let url = "";

const response = (statusCode: number, headers: Record<string, string>, statusMessage = "") =>
  ({
    statusCode,
    statusMessage,
    headers,
    rawHeaders: Object.entries(headers).flat(),
  }) as unknown as IncomingMessage;

beforeAll(async () => {
  // The agent's SPDY connection stands in as a TCP echo that upper-cases: bytes are bytes.
  agent = createTcpServer((s) => s.on("data", (c: Buffer) => s.write(c.toString().toUpperCase())));
  agent.listen(0, "127.0.0.1");
  await once(agent, "listening");
  const agentPort = (agent.address() as AddressInfo).port;
  server = createServer();
  server.on("upgrade", (req, socket: Duplex, head: Buffer) => {
    const dial = async (headers: Record<string, string | string[]>) => {
      asked = headers;
      const s = connect(agentPort, "127.0.0.1");
      await once(s, "connect");
      return answer(s);
    };
    serveSpdyTunnel(req, socket, head, dial, silentLogger()).catch((err: unknown) =>
      socket.end(`HTTP/1.1 500 Error\r\nConnection: close\r\n\r\n${String(err)}`),
    );
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1/namespaces/default/pods/web/portforward`;
});

afterAll(() => {
  server.close();
  agent.close();
});

const upgraded = (protocol: string) => (socket: Duplex) =>
  ({
    upgraded: true,
    response: response(101, {
      connection: "Upgrade",
      upgrade: "SPDY/3.1",
      "x-stream-protocol-version": protocol,
    }),
    socket,
    head: Buffer.from("early "),
  }) as AgentAnswer;

describe("SPDY tunnelled over WebSocket", () => {
  it("knows a tunnel request by its prefixed subprotocols", () => {
    const tunnel = request({
      upgrade: "websocket",
      "sec-websocket-protocol": "SPDY/3.1+portforward.k8s.io, SPDY/3.1+other.example, v4.channel.k8s.io",
    });
    expect(isSpdyTunnelRequest(tunnel)).toBe(true);
    expect(tunnelledSpdyProtocols(tunnel)).toEqual(["portforward.k8s.io"]);
    expect(
      isSpdyTunnelRequest(request({ upgrade: "websocket", "sec-websocket-protocol": "v4.channel.k8s.io" })),
    ).toBe(false);
    expect(isSpdyTunnelRequest(request({ upgrade: "SPDY/3.1" }))).toBe(false);
  });

  it("sends pods/portforward's ports to the agent as the kubelet's comma-separated port", () => {
    const target = { namespace: "ns", pod: "web", container: "", host: "h", port: 1 };
    expect(agentPath("portForward", target, new URLSearchParams("ports=80&ports=443,8080&x=1"))).toBe(
      "/portForward/ns/web?port=80%2C443%2C8080",
    );
    expect(agentPath("portForward", target, new URLSearchParams(""))).toBe("/portForward/ns/web");
  });

  it("asks the agent for SPDY, answers with its protocol under the prefix and relays bytes both ways", async () => {
    answer = upgraded("portforward.k8s.io");
    const t = await tunnel();
    if (t.res.statusCode !== 101) throw new Error(`no upgrade: ${t.res.statusCode ?? 0}`);
    expect(t.res.headers["sec-websocket-protocol"]).toBe("SPDY/3.1+portforward.k8s.io");
    expect(asked).toEqual({
      connection: "Upgrade",
      upgrade: "SPDY/3.1",
      "x-stream-protocol-version": ["portforward.k8s.io"],
    });
    t.socket.write(clientFrame(OPCODE_BINARY, Buffer.from("spdy frames")));
    await expect
      .poll(() =>
        Buffer.concat(t.frames.filter((f) => f.opcode === OPCODE_BINARY).map((f) => f.payload)).toString(),
      )
      .toBe("early SPDY FRAMES");
    // A text message is no tunnel traffic: the tunnel ends.
    t.socket.write(clientFrame(OPCODE_TEXT, Buffer.from("text")));
    await expect
      .poll(() => t.frames.find((f) => f.opcode === OPCODE_CLOSE)?.payload.readUInt16BE(0))
      .toBe(1003);
    t.socket.destroy();
  });

  it("passes on the agent's answer when it does not upgrade", async () => {
    answer = (socket) => {
      socket.destroy();
      return {
        upgraded: false,
        response: response(400, { "content-type": "text/plain" }, "Bad Request"),
        body: Buffer.from("port-forward needs an upgrade\n"),
      };
    };
    const t = await tunnel();
    expect(t.res.statusCode).toBe(400);
    expect(t.body).toBe("port-forward needs an upgrade\n");
  });

  it("refuses an agent 101 without the SPDY upgrade headers", async () => {
    answer = (socket) => ({
      upgraded: true,
      response: response(101, { upgrade: "websocket" }),
      socket,
      head: Buffer.alloc(0),
    });
    const t = await tunnel();
    expect(t.res.statusCode).toBe(500);
    expect(t.body).toContain("unable to upgrade: missing upgrade headers in response");
  });
});

const OPCODE_TEXT = 1;
const OPCODE_BINARY = 2;
const OPCODE_CLOSE = 8;

/** One masked client frame (payload under 126 bytes). */
function clientFrame(opcode: number, payload: Buffer): Buffer {
  const mask = Buffer.from([1, 2, 3, 4]);
  const masked = Buffer.from(payload.map((b, i) => b ^ (mask[i % 4] ?? 0)));
  return Buffer.concat([Buffer.from([0x80 | opcode, 0x80 | payload.length]), mask, masked]);
}

/**
 * A WebSocket upgrade as kubectl sends it: ws's own client refuses the tunnel's subprotocol (a "/"
 * is no RFC 6455 token), so the handshake and the frames are written by hand.
 */
function tunnel(): Promise<{
  res: IncomingMessage;
  socket: Duplex;
  body: string;
  frames: { opcode: number; payload: Buffer }[];
}> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, {
      headers: {
        connection: "Upgrade",
        upgrade: "websocket",
        "sec-websocket-key": randomBytes(16).toString("base64"),
        "sec-websocket-version": "13",
        "sec-websocket-protocol": "SPDY/3.1+portforward.k8s.io",
      },
    });
    req.on("upgrade", (res: IncomingMessage, socket: Duplex, head: Buffer) => {
      const frames: { opcode: number; payload: Buffer }[] = [];
      let buffered = head;
      const parse = (chunk: Buffer) => {
        buffered = Buffer.concat([buffered, chunk]);
        for (;;) {
          if (buffered.length < 2) return;
          let length = (buffered[1] ?? 0) & 0x7f;
          let at = 2;
          if (length === 126) {
            if (buffered.length < 4) return;
            length = buffered.readUInt16BE(2);
            at = 4;
          }
          if (buffered.length < at + length) return;
          frames.push({ opcode: (buffered[0] ?? 0) & 0x0f, payload: buffered.subarray(at, at + length) });
          buffered = buffered.subarray(at + length);
        }
      };
      parse(Buffer.alloc(0));
      socket.on("data", parse);
      socket.on("error", () => undefined);
      resolve({ res, socket, body: "", frames });
    });
    req.on("response", (res: IncomingMessage) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => (body += c));
      res.on("end", () => resolve({ res, socket: res.socket, body, frames: [] }));
    });
    req.on("error", reject);
    req.end();
  });
}
