/**
 * Which requests carry SPDY tunnelled in WebSocket (kube-apiserver: IsWebSocketRequestWithTunnelingProtocol
 * and spdyProtocolsFromWebsocketProtocols): kubectl 1.31 and later first ask for pods/portforward as
 * a WebSocket upgrade whose subprotocols are the SPDY ones with the prefix SPDY/3.1+
 * (SPDY/3.1+portforward.k8s.io). Free of ws, so the handler can ask without loading it.
 */
import type { IncomingMessage } from "node:http";
import { KUBERNETES_PROTOCOL_SUFFIX, SPDY_TUNNELING_PREFIX } from "../../common/stream-protocols.js";

/** The subprotocols a WebSocket upgrade offers, in its order. */
export function offeredProtocols(req: IncomingMessage): string[] {
  return String(req.headers["sec-websocket-protocol"] ?? "")
    .split(",")
    .map((p) => p.trim())
    .filter((p) => p !== "");
}

function isWebSocketUpgrade(req: IncomingMessage): boolean {
  return String(req.headers.upgrade ?? "").toLowerCase() === "websocket";
}

/** True for a WebSocket upgrade that offers at least one tunnelled SPDY protocol. */
export function isSpdyTunnelRequest(req: IncomingMessage): boolean {
  return isWebSocketUpgrade(req) && offeredProtocols(req).some((p) => p.startsWith(SPDY_TUNNELING_PREFIX));
}

/** The SPDY protocols the client offers through the tunnel, prefix taken off, in its order. */
export function tunnelledSpdyProtocols(req: IncomingMessage): string[] {
  return offeredProtocols(req)
    .filter((p) => p.startsWith(SPDY_TUNNELING_PREFIX) && p.endsWith(KUBERNETES_PROTOCOL_SUFFIX))
    .map((p) => p.slice(SPDY_TUNNELING_PREFIX.length));
}
