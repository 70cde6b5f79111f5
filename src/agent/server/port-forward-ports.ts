/**
 * The ports of a /portForward request (kubelet: cri/streaming/portforward NewV4Options): a
 * WebSocket client names them in the query, `?port=80,443` (repeatable; core/v1 PortHeader), and
 * they are checked before anything else; a SPDY client names each in its stream headers instead,
 * so its query names none. Free of any transport.
 */
import type { IncomingMessage } from "node:http";
import { BerthError, ErrorCode } from "../../common/index.js";

/** core/v1: PortHeader. */
export const PORT_PARAM = "port";

export function isWebSocketUpgrade(req: IncomingMessage): boolean {
  return String(req.headers.upgrade ?? "").toLowerCase() === "websocket";
}

/** The ports of the query, as the kubelet reads them; a clear error for bad ones. */
export function parsePorts(query: URLSearchParams): number[] {
  const values = query.getAll(PORT_PARAM);
  if (values.length === 0) {
    throw new BerthError(ErrorCode.BadRequest, `query parameter "${PORT_PARAM}" is required`);
  }
  const ports: number[] = [];
  for (const value of values) {
    if (value === "") {
      throw new BerthError(ErrorCode.BadRequest, `query parameter "${PORT_PARAM}" cannot be empty`);
    }
    for (const text of value.split(",")) {
      const port = /^\d+$/.test(text) ? Number(text) : NaN;
      if (!(port <= 65535)) {
        throw new BerthError(ErrorCode.BadRequest, `unable to parse "${value}" as a port`);
      }
      if (port < 1) throw new BerthError(ErrorCode.BadRequest, `port "${value}" must be > 0`);
      ports.push(port);
    }
  }
  return ports;
}

/** The ports a request names: those of the query for WebSocket, none for SPDY. */
export function requestedPorts(req: IncomingMessage, query: URLSearchParams): number[] {
  return isWebSocketUpgrade(req) ? parsePorts(query) : [];
}
