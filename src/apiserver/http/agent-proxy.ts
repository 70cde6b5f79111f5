/**
 * Proxies pods/log and pods/exec to the node agent over HTTPS, presenting the API server's client
 * certificate (signed by the cluster CA) and checking the agent's serving certificate against the
 * same CA, as kube-apiserver does with --kubelet-client-certificate. Agent paths follow the
 * kubelet's: /containerLogs/{ns}/{pod}/{container} and /exec/{ns}/{pod}/{container}.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { request } from "node:https";
import type { Duplex } from "node:stream";
import { WebSocket, WebSocketServer, type RawData } from "ws";
import { BerthError, ErrorCode, errorMessage } from "../../common/errors.js";
import type { Logger } from "../../common/log.js";
import type { AgentTarget } from "./agent-target.js";
import type { PodProxy } from "./context.js";

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
/** Query parameters the kubelet's exec endpoint understands (command repeats). */
const EXEC_PARAMS = ["command", "stdin", "stdout", "stderr", "tty", "input", "output", "error"];

function agentUrl(
  scheme: "https" | "wss",
  target: AgentTarget,
  kind: string,
  query: URLSearchParams,
  keep: readonly string[],
): string {
  const host = target.host.includes(":") ? `[${target.host}]` : target.host;
  const path = [kind, target.namespace, target.pod, target.container].map(encodeURIComponent).join("/");
  const out = new URLSearchParams();
  for (const [k, v] of query) if (keep.includes(k)) out.append(k, v);
  const qs = out.toString();
  return `${scheme}://${host}:${target.port}/${path}${qs ? `?${qs}` : ""}`;
}

export class AgentProxy implements PodProxy {
  private readonly wss = new WebSocketServer({ noServer: true, perMessageDeflate: false });

  constructor(
    private readonly creds: AgentCredentials,
    private readonly log: Logger,
  ) {}

  private tls() {
    return { ca: this.creds.caPem, cert: this.creds.certPem, key: this.creds.keyPem };
  }

  logs(res: ServerResponse, target: AgentTarget, query: URLSearchParams, signal: AbortSignal): Promise<void> {
    const url = agentUrl("https", target, "containerLogs", query, LOG_PARAMS);
    return new Promise((resolve, reject) => {
      const upstream = request(url, { method: "GET", ...this.tls(), signal }, (agentRes) => {
        const code = agentRes.statusCode ?? 502;
        res.writeHead(code, {
          "Content-Type": agentRes.headers["content-type"] ?? "text/plain",
          "Cache-Control": "no-cache, private",
        });
        res.flushHeaders();
        agentRes.pipe(res);
        agentRes.on("end", () => resolve());
        agentRes.on("error", () => resolve());
      });
      upstream.on("error", (err) => {
        if (signal.aborted) return resolve();
        reject(unreachable(target, err));
      });
      upstream.end();
    });
  }

  exec(
    req: IncomingMessage,
    socket: Duplex,
    head: Buffer,
    target: AgentTarget,
    query: URLSearchParams,
  ): Promise<void> {
    const url = agentUrl("wss", target, "exec", query, EXEC_PARAMS);
    const offered = String(req.headers["sec-websocket-protocol"] ?? "")
      .split(",")
      .map((p) => p.trim())
      .filter((p) => p !== "");
    if (offered.length === 0) {
      return Promise.reject(
        new BerthError(ErrorCode.BadRequest, "exec needs a WebSocket subprotocol such as v5.channel.k8s.io"),
      );
    }
    return new Promise((resolve, reject) => {
      const backend = new WebSocket(url, offered, { ...this.tls(), perMessageDeflate: false });
      let opened = false;
      backend.once("unexpected-response", (_r, agentRes) => {
        agentRes.resume();
        reject(
          new BerthError(
            ErrorCode.RuntimeUnavailable,
            `the agent refused the exec with HTTP ${agentRes.statusCode ?? 0}`,
          ),
        );
      });
      backend.once("error", (err) => {
        if (!opened) reject(unreachable(target, err));
      });
      backend.once("open", () => {
        opened = true;
        // Read synchronously by handleUpgrade: answer the client with the protocol the agent chose.
        this.wss.options.handleProtocols = () => backend.protocol || false;
        this.wss.handleUpgrade(req, socket, head, (client) => {
          this.pipe(client, backend);
          resolve();
        });
      });
    });
  }

  private pipe(client: WebSocket, backend: WebSocket): void {
    const forward = (to: WebSocket) => (data: RawData, isBinary: boolean) => {
      if (to.readyState === WebSocket.OPEN) to.send(data, { binary: isBinary });
    };
    client.on("message", forward(backend));
    backend.on("message", forward(client));
    const closeBoth = (code: number, reason: Buffer) => {
      const safe = code >= 1000 && code < 5000 && code !== 1005 && code !== 1006 ? code : 1000;
      for (const ws of [client, backend]) {
        if (ws.readyState === WebSocket.OPEN) ws.close(safe, reason);
      }
    };
    client.on("close", closeBoth);
    backend.on("close", closeBoth);
    const onError = (err: Error) => {
      this.log.debug({ err: errorMessage(err) }, "exec stream error");
      client.terminate();
      backend.terminate();
    };
    client.on("error", onError);
    backend.on("error", onError);
  }
}

function unreachable(target: AgentTarget, err: unknown): BerthError {
  return new BerthError(
    ErrorCode.RuntimeUnavailable,
    `cannot reach the agent at ${target.host}:${target.port}: ${errorMessage(err)}`,
    { cause: err },
  );
}
