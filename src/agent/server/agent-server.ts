/**
 * The agent's HTTPS server (kubelet: pkg/kubelet/server): on address:port with the serving
 * certificate from serving-certificate.ts, every request authenticated and authorized by auth.ts,
 * and the kubelet's endpoints: /healthz, /pods, /containerLogs, /exec, /attach, /portForward,
 * /run, /stats/summary, /metrics, /metrics/resource, /metrics/probes and /configz. /healthz is also
 * served in plain HTTP on healthzBindAddress:healthzPort. The streaming and metrics parts are
 * loaded on their first request, so an agent nobody calls does not carry them.
 */
import type { IncomingMessage, Server as HttpServer, ServerResponse } from "node:http";
import type { Server as HttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import type { Duplex } from "node:stream";
import type { ApiClient } from "../../api/index.js";
import { BerthError, ErrorCode, errorMessage, hasCode, type Clock, type Logger } from "../../common/index.js";
import { PROMETHEUS_CONTENT_TYPE } from "../../common/metrics/index.js";
import type { AgentConfig } from "../../config/index.js";
import type { CertificateKeyPair } from "../../pki/index.js";
import type { ContainerRuntime } from "../../runtime/index.js";
import { AgentAuth, type CallerIdentity } from "./auth.js";
import { serveContainerLogs } from "./container-logs.js";
import { closeWhenIdle } from "./idle-timeout.js";
import { isWebSocketUpgrade, requestedPorts } from "./port-forward-ports.js";
import { containerIdOf, findPod, sandboxIdOf, type PodSource } from "./pod-lookup.js";
import { requestAttributes } from "./request-attributes.js";
import { parseStreamRequest, type SessionRunner } from "./stream-request.js";
import { ServingCertificate, type ServingNames } from "./serving-certificate.js";
import type { ServerStats } from "./stats.js";

/** The parts of the runtime the server uses. */
export type ServerRuntime = Pick<
  ContainerRuntime,
  | "name"
  | "readLogOutput"
  | "exec"
  | "execSync"
  | "attach"
  | "portForward"
  | "portForwardServer"
  | "listPodSandboxes"
  | "listContainers"
  | "listContainerStats"
  | "podSandboxStatus"
>;

export interface AgentServerOptions {
  readonly config: Pick<
    AgentConfig,
    | "nodeName"
    | "address"
    | "port"
    | "healthzPort"
    | "healthzBindAddress"
    | "serverTLSBootstrap"
    | "rootDir"
    | "streamingConnectionIdleTimeout"
  >;
  /** Everything /configz shows. */
  readonly configz: unknown;
  readonly client: Pick<ApiClient, "create" | "get">;
  readonly clusterCaPem: string;
  readonly runtime: ServerRuntime;
  readonly pods: PodSource;
  readonly stats: ServerStats;
  readonly names: ServingNames;
  readonly clock: Clock;
  readonly logger: Logger;
}

/** kubelet: the timeout of /run (execSync) when none is given. */
export const RUN_TIMEOUT_SECONDS = 60;

class HttpError extends BerthError {}

function status(code: ErrorCode): number {
  switch (code) {
    case ErrorCode.Unauthorized:
      return 401;
    case ErrorCode.Forbidden:
      return 403;
    case ErrorCode.NotFound:
      return 404;
    case ErrorCode.BadRequest:
    case ErrorCode.Invalid:
      return 400;
    case ErrorCode.Conflict:
      return 409;
    case ErrorCode.Unsupported:
      return 501;
    default:
      return 500;
  }
}

function segments(path: string): string[] {
  return path
    .split("/")
    .filter((p) => p !== "")
    .map((p) => {
      try {
        return decodeURIComponent(p);
      } catch {
        throw new HttpError(ErrorCode.BadRequest, `malformed path segment ${JSON.stringify(p)}`);
      }
    });
}

/** {ns}/{pod}/{container} or {ns}/{pod}/{uid}/{container}, as the kubelet routes them. */
function containerTarget(parts: string[]): {
  namespace: string;
  pod: string;
  uid?: string;
  container: string;
} {
  if (parts.length === 3)
    return { namespace: parts[0] ?? "", pod: parts[1] ?? "", container: parts[2] ?? "" };
  if (parts.length === 4)
    return { namespace: parts[0] ?? "", pod: parts[1] ?? "", uid: parts[2] ?? "", container: parts[3] ?? "" };
  throw new HttpError(ErrorCode.NotFound, "not found");
}

export class AgentServer {
  readonly ready: Promise<void>;
  /** The port the HTTPS server listens on, once ready. */
  port = 0;
  healthzPort = 0;
  readonly #o: AgentServerOptions;
  readonly #log: Logger;
  readonly #auth: AgentAuth;
  readonly #servers: HttpServer[] = [];
  #https: HttpsServer | undefined;
  #resolveReady!: () => void;
  #rejectReady!: (err: unknown) => void;
  #stopped = false;

  constructor(options: AgentServerOptions) {
    this.#o = options;
    this.#log = options.logger.child({ component: "server" });
    this.#auth = new AgentAuth(options.client, options.clock);
    this.ready = new Promise((resolve, reject) => {
      this.#resolveReady = resolve;
      this.#rejectReady = reject;
    });
    this.ready.catch(() => undefined);
  }

  start(signal: AbortSignal): void {
    signal.addEventListener("abort", () => void this.stop(), { once: true });
    this.#start(signal).then(this.#resolveReady, (err: unknown) => {
      this.#rejectReady(err);
      if (!signal.aborted) this.#log.error({ err: errorMessage(err) }, "agent server did not start");
    });
  }

  async #start(signal: AbortSignal): Promise<void> {
    const o = this.#o;
    const { port, address, healthzPort, healthzBindAddress } = o.config;
    if (healthzPort > 0) {
      // getBuiltinModule, not an ESM import: an ESM import of node:http evaluates every export of its
      // namespace, and the WebSocket getter among them loads Node's bundled undici (docs/agent.md "Memory").
      const healthz = process.getBuiltinModule("node:http").createServer((req, res) => {
        const ok = new URL(req.url ?? "/", "http://agent").pathname === "/healthz";
        res
          .writeHead(ok ? 200 : 404, { "Content-Type": "text/plain; charset=utf-8" })
          .end(ok ? "ok" : "404 page not found\n");
      });
      this.healthzPort = await this.#listen(healthz, healthzBindAddress, healthzPort);
    }
    const cert = new ServingCertificate({
      client: o.client,
      nodeName: o.config.nodeName,
      names: o.names,
      dir: `${o.config.rootDir}/pki`,
      bootstrap: o.config.serverTLSBootstrap,
      clusterCaPem: o.clusterCaPem,
      clock: o.clock,
      logger: this.#log,
      onChange: (pair) => this.#swap(pair),
    });
    const pair = await cert.start(signal);
    const https = process
      .getBuiltinModule("node:https")
      .createServer(
        { ...this.#tls(pair), requestCert: true, rejectUnauthorized: false },
        (req, res) => void this.#handle(req, res),
      );
    https.on(
      "upgrade",
      (req: IncomingMessage, socket: Duplex, head: Buffer) => void this.#upgrade(req, socket, head),
    );
    this.#https = https;
    this.port = await this.#listen(https, address, port);
    this.#log.info({ address, port: this.port, healthzPort: this.healthzPort }, "agent server listening");
  }

  #tls(pair: CertificateKeyPair) {
    return { cert: pair.certPem, key: pair.keyPem, ca: this.#o.clusterCaPem };
  }

  #swap(pair: CertificateKeyPair): void {
    this.#https?.setSecureContext(this.#tls(pair));
  }

  #listen(server: HttpServer, host: string, port: number): Promise<number> {
    server.requestTimeout = 0;
    this.#servers.push(server);
    return new Promise((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, host, () => {
        server.off("error", reject);
        resolve((server.address() as AddressInfo).port);
      });
    });
  }

  stop(): Promise<void> {
    if (this.#stopped) return Promise.resolve();
    this.#stopped = true;
    return Promise.all(
      this.#servers.map(
        (s) =>
          new Promise<void>((resolve) => {
            if (!s.listening) return resolve();
            s.close(() => resolve());
            s.closeAllConnections();
          }),
      ),
    ).then(() => undefined);
  }

  async #caller(req: IncomingMessage, path: string): Promise<CallerIdentity> {
    const user = await this.#auth.authenticate(req);
    await this.#auth.authorize(user, requestAttributes(req.method ?? "GET", path, this.#o.config.nodeName));
    return user;
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "https://agent");
    const controller = new AbortController();
    res.on("close", () => controller.abort());
    try {
      await this.#caller(req, url.pathname);
      await this.#route(req, res, url, controller.signal);
    } catch (err) {
      this.#fail(res, err, req);
    }
  }

  #fail(res: ServerResponse, err: unknown, req: IncomingMessage): void {
    const code = err instanceof BerthError ? status(err.code) : 500;
    if (code >= 500) this.#log.warn({ url: req.url, err: errorMessage(err) }, "agent server request failed");
    else this.#log.debug({ url: req.url, code, err: errorMessage(err) }, "agent server request refused");
    if (res.headersSent) {
      res.destroy();
      return;
    }
    res.writeHead(code, { "Content-Type": "text/plain; charset=utf-8", "X-Content-Type-Options": "nosniff" });
    res.end(`${errorMessage(err)}\n`);
  }

  async #route(req: IncomingMessage, res: ServerResponse, url: URL, signal: AbortSignal): Promise<void> {
    const o = this.#o;
    const parts = segments(url.pathname);
    const [head, ...rest] = parts;
    const method = req.method ?? "GET";
    const get = method === "GET" || method === "HEAD";
    switch (head) {
      case "healthz":
        if (rest.length === 0 && get)
          return void res.writeHead(200, { "Content-Type": "text/plain; charset=utf-8" }).end("ok");
        break;
      case "pods":
        if (rest.length === 0 && get)
          return json(res, { kind: "PodList", apiVersion: "v1", metadata: {}, items: o.pods.pods() });
        break;
      case "configz":
        if (rest.length === 0 && get) return json(res, { kubeletconfig: o.configz });
        break;
      case "containerLogs":
        if (get) {
          const t = containerTarget(rest);
          return serveContainerLogs(
            { runtime: o.runtime, pods: o.pods, clock: o.clock },
            res,
            t,
            url.searchParams,
            signal,
          );
        }
        break;
      case "run":
        if (method === "POST") return this.#run(res, containerTarget(rest), url.searchParams);
        break;
      case "stats":
        if (get && rest.join("/") === "summary") return json(res, await o.stats.summary());
        break;
      case "metrics":
        if (get) {
          const text = await o.stats.metrics(rest.join("/"));
          if (text !== undefined) {
            res.writeHead(200, { "Content-Type": PROMETHEUS_CONTENT_TYPE });
            return void res.end(text);
          }
        }
        break;
      case "exec":
      case "attach":
      case "portForward":
        throw new HttpError(ErrorCode.BadRequest, `${head} needs a WebSocket or SPDY/3.1 upgrade`);
    }
    throw new HttpError(ErrorCode.NotFound, "404 page not found");
  }

  /** kubelet /run: execSync of ?cmd= split on spaces, output returned as the body. */
  async #run(
    res: ServerResponse,
    t: ReturnType<typeof containerTarget>,
    query: URLSearchParams,
  ): Promise<void> {
    const cmd = (query.get("cmd") ?? "").split(" ").filter((s) => s !== "");
    if (cmd.length === 0) throw new HttpError(ErrorCode.BadRequest, "you must specify at least 1 command");
    const id = containerIdOf(findPod(this.#o.pods, t.namespace, t.pod, t.uid), t.container);
    const result = await this.#o.runtime.execSync(id, cmd, RUN_TIMEOUT_SECONDS);
    res.writeHead(200, { "Content-Type": "text/plain" });
    res.end(Buffer.concat([result.stdout, result.stderr]));
  }

  async #upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const url = new URL(req.url ?? "/", "https://agent");
    try {
      await this.#caller(req, url.pathname);
      const [kind, ...rest] = segments(url.pathname);
      const spdy = String(req.headers.upgrade ?? "").toLowerCase() === "spdy/3.1";
      const idle = {
        ms: this.#o.config.streamingConnectionIdleTimeout,
        onIdle: () => this.#log.debug({ url: req.url }, "streaming connection idle; closed"),
      };
      // A WebSocket exec or attach times its data messages itself (remote-command.ts).
      if (kind === "portForward" || spdy) closeWhenIdle(socket, idle.ms, idle.onIdle);
      if (kind === "portForward") {
        const [namespace = "", podName = "", uid] = rest;
        const pod = findPod(this.#o.pods, namespace, podName, uid);
        const runtime = this.#o.runtime;
        // kubelet: a WebSocket request's ports are checked before anything else.
        const ports = requestedPorts(req, url.searchParams);
        if (runtime.portForwardServer !== undefined) {
          const { relayPortForward } = await import("./port-forward-proxy.js");
          const server = await runtime.portForwardServer(await sandboxIdOf(runtime, pod), ports);
          return await relayPortForward(req, socket, head, url.searchParams, { server, log: this.#log });
        }
        if (isWebSocketUpgrade(req)) {
          const { servePortForwardWebSocket } = await import("./port-forward-ws.js");
          const deps = { runtime, pod, log: this.#log };
          return servePortForwardWebSocket(req, socket, head, deps, ports);
        }
        const { servePortForward } = await import("./port-forward.js");
        return servePortForward(
          req,
          socket,
          head,
          { runtime: this.#o.runtime, pod, log: this.#log },
          url.searchParams,
        );
      }
      if (kind !== "exec" && kind !== "attach") throw new HttpError(ErrorCode.NotFound, "404 page not found");
      const t = containerTarget(rest);
      const id = containerIdOf(findPod(this.#o.pods, t.namespace, t.pod, t.uid), t.container);
      const request = parseStreamRequest(url.searchParams, kind === "exec");
      const runtime = this.#o.runtime;
      const run: SessionRunner = async (s) =>
        kind === "exec"
          ? (await runtime.exec(id, { cmd: request.command, ...s })).exitCode
          : (await runtime.attach(id, s), 0);
      const onError = (err: unknown) =>
        this.#log.debug({ url: req.url, err: errorMessage(err) }, `${kind} failed`);
      // kubelet: SPDY/3.1 for clients that do not speak WebSocket.
      if (spdy) {
        const { serveSpdyRemoteCommand } = await import("./spdy-remote-command.js");
        return serveSpdyRemoteCommand(req, socket, head, { request, run, onError, clock: this.#o.clock });
      }
      const streams = await import("./remote-command.js");
      if (!streams.offersChannelProtocol(req)) {
        throw new HttpError(
          ErrorCode.BadRequest,
          `${kind}: offer the WebSocket protocol ${streams.STREAM_PROTOCOL_V5} or ${streams.STREAM_PROTOCOL_V4}`,
        );
      }
      streams.serveRemoteCommand(req, socket, head, request, run, onError, idle);
    } catch (err) {
      const code = err instanceof BerthError ? status(err.code) : 500;
      if (!hasCode(err, ErrorCode.Unauthorized) && !hasCode(err, ErrorCode.Forbidden)) {
        this.#log.debug({ url: req.url, err: errorMessage(err) }, "agent server upgrade refused");
      }
      const body = `${errorMessage(err)}\n`;
      socket.end(
        `HTTP/1.1 ${code} ${code === 401 ? "Unauthorized" : code === 403 ? "Forbidden" : "Error"}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
      );
    }
  }
}

function json(res: ServerResponse, body: unknown): void {
  res.writeHead(200, { "Content-Type": "application/json" });
  res.end(JSON.stringify(body));
}
