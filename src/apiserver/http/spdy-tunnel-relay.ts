/**
 * The API server's end of SPDY tunnelled in WebSocket (kube-apiserver: util/proxy/streamtunnel.go
 * TunnelingHandler, client-go's TunnelingConnection). The client's WebSocket upgrade becomes a
 * SPDY/3.1 upgrade to the agent (POST, X-Stream-Protocol-Version with each tunnelled protocol,
 * prefix taken off). When the agent switches protocols, the client's upgrade is accepted with the
 * agent's chosen protocol under the prefix (SPDY/3.1+portforward.k8s.io), and from then on every
 * WebSocket binary message carries SPDY bytes, relayed as they are both ways; any other message
 * type ends the tunnel. An agent that answers without upgrading has its answer passed to the
 * client unchanged. Loaded on the first tunnel: it pulls in ws.
 */
import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import { WebSocketServer, WebSocket, type RawData } from "ws";
import { BerthError, ErrorCode, errorMessage } from "../../common/errors.js";
import type { Logger } from "../../common/log.js";
import { SPDY_TUNNELING_PREFIX } from "../../common/stream-protocols.js";
import { offeredProtocols, tunnelledSpdyProtocols } from "./spdy-tunnel.js";

/** Bytes queued on the client's WebSocket before the agent's side waits for them to go out. */
const SEND_HIGH_WATER = 1024 * 1024;
/** spdy.HeaderSpdy31. */
const SPDY_UPGRADE = "SPDY/3.1";

/** What the agent answered to the SPDY upgrade. */
export type AgentAnswer =
  | {
      readonly upgraded: true;
      readonly response: IncomingMessage;
      readonly socket: Duplex;
      readonly head: Buffer;
    }
  | { readonly upgraded: false; readonly response: IncomingMessage; readonly body: Buffer };

/** Opens the SPDY upgrade to the agent with these headers. */
export type AgentDialer = (headers: Record<string, string | string[]>) => Promise<AgentAnswer>;

/**
 * The subprotocol each handshake answers with: the agent's choice, under the prefix. ws refuses a
 * subprotocol with a "/" (not an RFC 6455 token), so the handshake runs without the client's
 * header and the answer names the protocol here.
 */
const tunnelProtocols = new WeakMap<IncomingMessage, string>();
const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false });
wss.on("headers", (headers: string[], request: IncomingMessage) => {
  const protocol = tunnelProtocols.get(request);
  if (protocol !== undefined) headers.push(`Sec-WebSocket-Protocol: ${protocol}`);
});

/** The headers of the SPDY upgrade (kube-apiserver: createSPDYRequest). */
export function spdyUpgradeHeaders(protocols: readonly string[]): Record<string, string | string[]> {
  return { connection: "Upgrade", upgrade: SPDY_UPGRADE, "x-stream-protocol-version": [...protocols] };
}

/** The raw head of a response, to write on the client's socket that was never upgraded. */
function rawResponse(res: IncomingMessage, body: Buffer): Buffer {
  const lines = [`HTTP/1.1 ${res.statusCode ?? 502} ${res.statusMessage ?? ""}`];
  for (let i = 0; i + 1 < res.rawHeaders.length; i += 2) {
    const name = res.rawHeaders[i] ?? "";
    if (!["connection", "content-length", "transfer-encoding"].includes(name.toLowerCase()))
      lines.push(`${name}: ${res.rawHeaders[i + 1] ?? ""}`);
  }
  lines.push(`Content-Length: ${body.length}`, "Connection: close");
  return Buffer.concat([Buffer.from(`${lines.join("\r\n")}\r\n\r\n`, "latin1"), body]);
}

/**
 * Answers the client's upgrade through the agent, resolving with the status code it answered (101
 * when tunnelled); throws (before answering) when it cannot.
 */
export async function serveSpdyTunnel(
  req: IncomingMessage,
  socket: Duplex,
  head: Buffer,
  dial: AgentDialer,
  log: Logger,
): Promise<number> {
  const protocols = tunnelledSpdyProtocols(req);
  if (protocols.length === 0) {
    throw new BerthError(ErrorCode.BadRequest, "unable to upgrade: no tunneling spdy protocols provided");
  }
  const answer = await dial(spdyUpgradeHeaders(protocols));
  if (!answer.upgraded) {
    socket.end(rawResponse(answer.response, answer.body));
    return answer.response.statusCode ?? 502;
  }
  const agent = answer.socket;
  const headers = answer.response.headers;
  if (
    !String(headers.connection ?? "")
      .toLowerCase()
      .includes("upgrade") ||
    !String(headers.upgrade ?? "")
      .toLowerCase()
      .includes(SPDY_UPGRADE.toLowerCase())
  ) {
    agent.destroy();
    throw new BerthError(ErrorCode.Internal, "unable to upgrade: missing upgrade headers in response");
  }
  const chosen = String(headers["x-stream-protocol-version"] ?? "").trim();
  const tunnelled = `${SPDY_TUNNELING_PREFIX}${chosen}`;
  if (chosen !== "" && offeredProtocols(req).includes(tunnelled)) tunnelProtocols.set(req, tunnelled);
  delete req.headers["sec-websocket-protocol"];
  wss.handleUpgrade(req, socket, head, (ws) => relay(ws, agent, answer.head, log));
  log.debug({ url: req.url, protocol: chosen }, "SPDY tunnelled over WebSocket to the agent");
  return 101;
}

/** Joins the client's WebSocket and the agent's SPDY connection, each paced by the other. */
function relay(ws: WebSocket, agent: Duplex, agentHead: Buffer, log: Logger): void {
  let paused = false;
  const toClient = (chunk: Buffer) => {
    if (ws.readyState !== WebSocket.OPEN) return;
    ws.send(chunk, { binary: true }, () => {
      if (paused && ws.bufferedAmount <= SEND_HIGH_WATER) {
        paused = false;
        agent.resume();
      }
    });
    if (ws.bufferedAmount > SEND_HIGH_WATER) {
      paused = true;
      agent.pause();
    }
  };
  if (agentHead.length > 0) toClient(agentHead);
  agent.on("data", toClient);
  agent.on("drain", () => ws.resume());
  ws.on("message", (data: RawData, binary: boolean) => {
    if (!binary) {
      // client-go: "invalid message type received".
      log.debug({}, "SPDY tunnel: a text message, the tunnel ends");
      ws.close(1003);
      agent.destroy();
      return;
    }
    const chunk = Buffer.isBuffer(data)
      ? data
      : Array.isArray(data)
        ? Buffer.concat(data)
        : Buffer.from(data);
    if (!agent.write(chunk)) ws.pause();
  });
  const end = (err?: Error) => {
    if (err !== undefined) log.debug({ err: errorMessage(err) }, "SPDY tunnel ended with an error");
    if (ws.readyState === WebSocket.OPEN) ws.close(1000);
    agent.destroy();
  };
  agent.on("end", () => end());
  agent.on("close", () => end());
  agent.on("error", end);
  ws.on("close", () => agent.destroy());
  ws.on("error", end);
}
