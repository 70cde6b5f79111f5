/**
 * Proxies to the node agent over HTTPS (kube-apiserver's kubelet client and UpgradeAwareHandler):
 * pods/log, the streaming subresources pods/exec, pods/attach and pods/portforward, and
 * nodes/proxy. It presents the API server's client certificate (signed by the cluster CA) and
 * verifies the agent's serving certificate against the same CA and the node's address: an agent
 * whose certificate the cluster did not issue is refused. Upgraded connections (WebSocket or
 * SPDY) are relayed byte for byte after the agent's 101, so every streaming protocol the agent
 * speaks reaches the client unchanged; SPDY tunnelled in WebSocket (kubectl's port-forward from
 * 1.31) is terminated here and sent on as SPDY (spdy-tunnel-relay.ts). Agent paths follow the
 * kubelet's.
 */
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from "node:http";
import { request } from "node:https";
import type { Duplex } from "node:stream";
import { BerthError, ErrorCode, errorMessage } from "../../common/errors.js";
import type { Logger } from "../../common/log.js";
import { relayedHeaders, relayUpgrade } from "../../common/upgrade-relay.js";
import type { AgentEndpoint, AgentTarget } from "./agent-target.js";
import type { PodProxy } from "./context.js";
import type { AgentDialer } from "./spdy-tunnel-relay.js";

export interface AgentCredentials {
  readonly caPem: string;
  readonly certPem: string;
  readonly keyPem: string;
}

/** Query parameters the kubelet's log endpoint understands. */
const LOG_PARAMS = [
  "follow",
  "previous",
  "tailLines",
  "sinceSeconds",
  "sinceTime",
  "timestamps",
  "limitBytes",
];
/** Query parameters of the kubelet's exec and attach endpoints (command repeats). */
const STREAM_PARAMS = ["command", "stdin", "stdout", "stderr", "tty", "input", "output", "error"];
/**
 * pods/portforward names its ports `ports` (PodPortForwardOptions, repeatable or comma-separated);
 * the kubelet's endpoint reads them as one comma-separated `port` (core/v1: PortHeader).
 */
const PORT_FORWARD_PARAM = "ports";
const AGENT_PORT_PARAM = "port";
/** Not sent on when a WebSocket upgrade goes to the agent as SPDY (kube-apiserver: createSPDYRequest). */
const WEBSOCKET_HEADERS = [
  "connection",
  "upgrade",
  "sec-websocket-key",
  "sec-websocket-version",
  "sec-websocket-protocol",
  "sec-websocket-extensions",
  "x-stream-protocol-version",
  "content-length",
];
/** The kubelet path of a pod subresource: kind is containerLogs, exec, attach or portForward. */
export function agentPath(kind: string, target: AgentTarget, query: URLSearchParams): string {
  const parts =
    kind === "portForward"
      ? [target.namespace, target.pod]
      : [target.namespace, target.pod, target.container];
  const out = new URLSearchParams();
  if (kind === "portForward") {
    const ports = query.getAll(PORT_FORWARD_PARAM).filter((p) => p !== "");
    if (ports.length > 0) out.set(AGENT_PORT_PARAM, ports.join(","));
  } else {
    const keep = kind === "containerLogs" ? LOG_PARAMS : STREAM_PARAMS;
    for (const [k, v] of query) if (keep.includes(k)) out.append(k, v);
  }
  const qs = out.toString();
  return `/${kind}/${parts.map(encodeURIComponent).join("/")}${qs ? `?${qs}` : ""}`;
}

/** The client's headers for the agent's SPDY upgrade, without the WebSocket ones. */
function tunnelHeaders(req: IncomingMessage, endpoint: AgentEndpoint): OutgoingHttpHeaders {
  const headers = relayedHeaders(req, `${hostText(endpoint.host)}:${endpoint.port}`);
  for (const name of WEBSOCKET_HEADERS) delete headers[name];
  return headers;
}

function hostText(host: string): string {
  return host.includes(":") ? `[${host}]` : host;
}

export class AgentProxy implements PodProxy {
  constructor(
    private readonly creds: AgentCredentials,
    private readonly log: Logger,
  ) {}

  private tls() {
    return { ca: this.creds.caPem, cert: this.creds.certPem, key: this.creds.keyPem };
  }

  logs(res: ServerResponse, target: AgentTarget, query: URLSearchParams, signal: AbortSignal): Promise<void> {
    const path = agentPath("containerLogs", target, query);
    return new Promise((resolve, reject) => {
      const upstream = request(
        { host: target.host, port: target.port, path, method: "GET", ...this.tls(), signal },
        (agentRes) => {
          const code = agentRes.statusCode ?? 502;
          res.writeHead(code, {
            "Content-Type": agentRes.headers["content-type"] ?? "text/plain",
            "Cache-Control": "no-cache, private",
          });
          res.flushHeaders();
          agentRes.pipe(res);
          agentRes.on("end", () => resolve());
          agentRes.on("error", () => resolve());
        },
      );
      upstream.on("error", (err) => {
        if (signal.aborted) return resolve();
        reject(unreachable(target, err));
      });
      upstream.end();
    });
  }

  getJson(endpoint: AgentEndpoint, path: string): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const upstream = request(
        {
          host: endpoint.host,
          port: endpoint.port,
          path,
          method: "GET",
          headers: { accept: "application/json" },
          ...this.tls(),
        },
        (agentRes) => {
          const chunks: Buffer[] = [];
          agentRes.on("data", (c: Buffer) => chunks.push(c));
          agentRes.on("end", () => {
            const text = Buffer.concat(chunks).toString("utf8");
            if ((agentRes.statusCode ?? 500) >= 300) {
              return reject(
                new BerthError(
                  ErrorCode.RuntimeUnavailable,
                  `the agent at ${endpoint.host}:${endpoint.port} answered ${agentRes.statusCode ?? 0} to ${path}: ${text.trim()}`,
                ),
              );
            }
            try {
              resolve(JSON.parse(text));
            } catch (err) {
              reject(
                new BerthError(ErrorCode.RuntimeUnavailable, `the agent's ${path} is not JSON`, {
                  cause: err,
                }),
              );
            }
          });
          agentRes.on("error", reject);
        },
      );
      upstream.on("error", (err) => reject(unreachable(endpoint, err)));
      upstream.end();
    });
  }

  /** A plain request to any agent path (nodes/proxy): method, headers and body pass through. */
  forward(req: IncomingMessage, res: ServerResponse, endpoint: AgentEndpoint, path: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const upstream = request(
        {
          host: endpoint.host,
          port: endpoint.port,
          path,
          method: req.method ?? "GET",
          headers: relayedHeaders(req, `${hostText(endpoint.host)}:${endpoint.port}`),
          ...this.tls(),
        },
        (agentRes) => {
          const headers: Record<string, string | string[]> = {};
          for (const [k, v] of Object.entries(agentRes.headers)) {
            if (v !== undefined && k !== "connection" && k !== "transfer-encoding") headers[k] = v;
          }
          res.writeHead(agentRes.statusCode ?? 502, headers);
          agentRes.pipe(res);
          agentRes.on("end", () => resolve());
          agentRes.on("error", () => resolve());
        },
      );
      res.on("close", () => upstream.destroy());
      upstream.on("error", (err) => (res.headersSent ? resolve() : reject(unreachable(endpoint, err))));
      req.pipe(upstream);
    });
  }

  /**
   * An upgrade request (WebSocket or SPDY) relayed to the agent; after the agent's 101 the two
   * connections are joined. An agent that answers without upgrading has its answer relayed.
   */
  upgrade(
    req: IncomingMessage,
    socket: Duplex,
    head: Buffer,
    endpoint: AgentEndpoint,
    path: string,
  ): Promise<number> {
    return relayUpgrade(socket, head, {
      open: request,
      options: {
        host: endpoint.host,
        port: endpoint.port,
        path,
        method: req.method ?? "GET",
        headers: relayedHeaders(req, `${hostText(endpoint.host)}:${endpoint.port}`),
        ...this.tls(),
      },
      onStreamError: (err) =>
        this.log.debug({ err: errorMessage(err), path }, "upgraded stream ended with an error"),
    }).catch((err: unknown) => {
      throw unreachable(endpoint, err);
    });
  }

  /** SPDY tunnelled in the client's WebSocket, sent on to the agent as a SPDY upgrade. */
  async tunnel(
    req: IncomingMessage,
    socket: Duplex,
    head: Buffer,
    endpoint: AgentEndpoint,
    path: string,
  ): Promise<number> {
    const { serveSpdyTunnel } = await import("./spdy-tunnel-relay.js");
    const dial: AgentDialer = (spdyHeaders) =>
      new Promise((resolve, reject) => {
        const upstream = request({
          host: endpoint.host,
          port: endpoint.port,
          path,
          method: "POST",
          headers: { ...tunnelHeaders(req, endpoint), ...spdyHeaders },
          ...this.tls(),
        });
        upstream.on("upgrade", (response, agentSocket, agentHead) => {
          agentSocket.setNoDelay?.(true);
          resolve({ upgraded: true, response, socket: agentSocket, head: agentHead });
        });
        upstream.on("response", (response) => {
          const chunks: Buffer[] = [];
          response.on("data", (c: Buffer) => chunks.push(c));
          response.on("end", () => resolve({ upgraded: false, response, body: Buffer.concat(chunks) }));
        });
        upstream.on("error", (err) => reject(unreachable(endpoint, err)));
        upstream.end();
      });
    return serveSpdyTunnel(req, socket, head, dial, this.log);
  }
}

function unreachable(endpoint: AgentEndpoint, err: unknown): BerthError {
  return new BerthError(
    ErrorCode.RuntimeUnavailable,
    `cannot reach the agent at ${endpoint.host}:${endpoint.port}: ${errorMessage(err)}`,
    { cause: err },
  );
}
