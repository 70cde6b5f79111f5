/**
 * The request entry point: authenticate, route (health, version, discovery, openapi, resources),
 * authorize, serve; any error becomes a Status here. One debug line per request; failures are
 * logged with the Status they produced.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Duplex } from "node:stream";
import { BerthError, ErrorCode, errorMessage } from "../../common/errors.js";
import {
  BERTH_VERSION,
  KUBERNETES_GIT_VERSION,
  KUBERNETES_MAJOR,
  KUBERNETES_MINOR,
} from "../../common/version.js";
import { PROMETHEUS_CONTENT_TYPE } from "../../common/metrics/index.js";
import { ANONYMOUS_USER, GROUP_MASTERS, type UserInfo } from "./authn.js";
import type { ApiContext } from "./context.js";
import {
  aggregatedDiscovery,
  apiGroup,
  apiGroupList,
  apiResourceList,
  apiVersions,
  discoveryContentType,
} from "./discovery.js";
import { discoveryVersion } from "./media.js";
import { serveOpenapi } from "./openapi.js";
import { parseResourcePath, type ResourceRequest } from "./request-info.js";
import { requestLabels } from "./request-metrics.js";
import { findDefinition, pinned, selection, verbOf } from "./request-params.js";
import { serveResource } from "./resource-handler.js";
import { agentTargetFor } from "./subresource-handler.js";
import { endRefusedRequest } from "./request-end.js";
import { agentPath } from "./agent-proxy.js";
import { isSpdyTunnelRequest } from "./spdy-tunnel.js";
import { matchNodeProxy, serveNodeProxy, upgradeNodeProxy } from "./node-proxy.js";
import { writeJson, writeStatus, writeText } from "./respond.js";
import { statusFromError, type Status } from "./status.js";

/** Endpoints anonymous users may reach. */
const PUBLIC_PATHS = new Set(["/healthz", "/livez", "/readyz", "/version"]);

/** kubectl's dispatcher picks its kubectl from this: berth answers as Kubernetes 1.32. */
export const KUBERNETES_VERSION = {
  major: KUBERNETES_MAJOR,
  minor: KUBERNETES_MINOR,
  gitVersion: KUBERNETES_GIT_VERSION,
};

function versionInfo(): Record<string, string> {
  return {
    ...KUBERNETES_VERSION,
    gitCommit: `berth-${BERTH_VERSION}`,
    gitTreeState: "clean",
    buildDate: "2026-01-01T00:00:00Z",
    goVersion: `node${process.versions.node}`,
    compiler: "tsc",
    platform: `${process.platform}/${process.arch === "x64" ? "amd64" : process.arch}`,
  };
}

function notFoundStatus(): BerthError {
  return new BerthError(ErrorCode.NotFound, "the server could not find the requested resource", {
    details: {},
  });
}

export class RequestHandler {
  constructor(private readonly ctx: ApiContext) {}

  /** For http.Server's "request" event. */
  handle = (req: IncomingMessage, res: ServerResponse): void => {
    const started = process.hrtime.bigint();
    let user: UserInfo | undefined;
    const done = (status?: Status) => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      const line = {
        method: req.method,
        url: req.url,
        code: status?.code ?? res.statusCode,
        user: user?.name,
        ms,
      };
      if (status === undefined) this.ctx.log.debug(line, "request");
      else if (status.code >= 500) this.ctx.log.error({ ...line, status }, "request failed");
      else this.ctx.log.debug({ ...line, status }, "request failed");
    };
    void this.route(req, res, (u) => (user = u), started).then(
      () => done(),
      async (err: unknown) => {
        const status = statusFromError(err);
        if (status.code >= 500) this.ctx.log.error({ err: errorMessage(err) }, "internal error");
        await endRefusedRequest(req, res);
        writeStatus(res, status);
        done(status);
      },
    );
  };

  private async route(
    req: IncomingMessage,
    res: ServerResponse,
    setUser: (u: UserInfo) => void,
    started: bigint,
  ): Promise<void> {
    const url = new URL(req.url ?? "/", "https://berth.invalid");
    const path = url.pathname.length > 1 ? url.pathname.replace(/\/+$/, "") : url.pathname;
    const user = this.ctx.authenticator.authenticate(req);
    setUser(user);
    if (PUBLIC_PATHS.has(path)) return this.servePublic(res, path);
    if (user.name === ANONYMOUS_USER) throw new BerthError(ErrorCode.Unauthorized, "Unauthorized");
    const method = req.method ?? "GET";
    const nodeProxy = matchNodeProxy(url);
    if (nodeProxy !== undefined) return serveNodeProxy(this.ctx, req, res, user, nodeProxy);
    const info = parseResourcePath(path);
    if (info === undefined) {
      if (method !== "GET") throw notFoundStatus();
      if (path === "/metrics") return this.serveMetrics(res, user);
      return this.serveNonResource(req, res, path, url.searchParams);
    }
    const def = findDefinition(this.ctx, info);
    const verb = verbOf(method, info, url.searchParams);
    const select = selection(def, url.searchParams);
    await this.ctx.authorizer.authorize({
      user,
      verb,
      group: def.group,
      resource: def.plural,
      ...(info.subresource !== undefined ? { subresource: info.subresource } : {}),
      ...(info.namespace !== undefined ? { namespace: info.namespace } : {}),
      ...(info.name !== undefined ? { name: info.name } : {}),
      ...withDefined("selectedName", pinned(select.fields, "metadata.name")),
      ...withDefined("selectedNode", pinned(select.fields, "spec.nodeName")),
    });
    // Counted from here, as kube-apiserver counts what reaches its handlers, when the response ends.
    const end = this.ctx.metrics.begin(
      requestLabels(verb, info, url.searchParams, req.headers["content-type"]),
      started,
    );
    res.once("close", () => end(res.statusCode));
    await serveResource(this.ctx, req, res, url.searchParams, info, def, verb, user, select);
  }

  /** kube-apiserver's /metrics; by default only cluster administrators may read it. */
  private async serveMetrics(res: ServerResponse, user: UserInfo): Promise<void> {
    if (!user.groups.includes(GROUP_MASTERS)) {
      throw new BerthError(ErrorCode.Forbidden, `forbidden: User "${user.name}" cannot get path "/metrics"`);
    }
    writeText(res, 200, await this.ctx.metrics.render(), PROMETHEUS_CONTENT_TYPE);
  }

  private servePublic(res: ServerResponse, path: string): void {
    if (path === "/version") return writeJson(res, 200, versionInfo());
    writeText(res, 200, "ok");
  }

  private serveNonResource(
    req: IncomingMessage,
    res: ServerResponse,
    path: string,
    query: URLSearchParams,
  ): void {
    const defs = this.ctx.defs;
    const accept = req.headers.accept ?? "";
    const aggregated = discoveryVersion(accept);
    if (path === "/api" || path === "/apis") {
      if (aggregated !== undefined) {
        return writeJson(
          res,
          200,
          aggregatedDiscovery(defs, path === "/api", aggregated),
          discoveryContentType(aggregated),
        );
      }
      return writeJson(res, 200, path === "/api" ? apiVersions(this.ctx.serverAddress) : apiGroupList(defs));
    }
    if (path.startsWith("/openapi/")) {
      if (serveOpenapi(req, res, defs, path, query.get("hash"))) return;
      throw notFoundStatus();
    }
    const parts = path.split("/").filter((p) => p !== "");
    let body: Record<string, unknown> | undefined;
    if (parts[0] === "api" && parts.length === 2) body = apiResourceList(defs, "", parts[1] ?? "");
    else if (parts[0] === "apis" && parts.length === 2) body = apiGroup(defs, parts[1] ?? "");
    else if (parts[0] === "apis" && parts.length === 3)
      body = apiResourceList(defs, parts[1] ?? "", parts[2] ?? "");
    if (body === undefined) throw notFoundStatus();
    writeJson(res, 200, body);
  }

  /** For http.Server's "upgrade" event: pods/exec, attach and portforward, and nodes/proxy streams. */
  handleUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    this.upgrade(req, socket, head, process.hrtime.bigint()).catch((err: unknown) => {
      const status = statusFromError(err);
      this.ctx.log.debug({ method: req.method, url: req.url, status }, "upgrade failed");
      const body = JSON.stringify(status);
      socket.end(
        `HTTP/1.1 ${status.code} ${status.reason}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
      );
    });
  };

  private async upgrade(req: IncomingMessage, socket: Duplex, head: Buffer, started: bigint): Promise<void> {
    const url = new URL(req.url ?? "/", "https://berth.invalid");
    const user = this.ctx.authenticator.authenticate(req);
    if (user.name === ANONYMOUS_USER) throw new BerthError(ErrorCode.Unauthorized, "Unauthorized");
    const nodeProxy = matchNodeProxy(url);
    if (nodeProxy !== undefined) return upgradeNodeProxy(this.ctx, req, socket, head, user, nodeProxy);
    const info: ResourceRequest | undefined = parseResourcePath(url.pathname);
    const kind = info?.subresource !== undefined ? STREAM_SUBRESOURCES[info.subresource] : undefined;
    if (info === undefined || kind === undefined || info.resource !== "pods" || info.name === undefined) {
      throw notFoundStatus();
    }
    const def = findDefinition(this.ctx, info);
    // kube-apiserver authorizes these with the verb of the method: create for POST, get for GET.
    const verb = req.method === "GET" ? "get" : "create";
    await this.ctx.authorizer.authorize({
      user,
      verb,
      group: def.group,
      resource: "pods",
      subresource: info.subresource,
      ...(info.namespace !== undefined ? { namespace: info.namespace } : {}),
      name: info.name,
    });
    // CONNECT from here to the stream's end, as kube-apiserver counts its connect requests.
    const end = this.ctx.metrics.begin(requestLabels(verb, info, url.searchParams, undefined), started);
    let code: number;
    try {
      code = await this.connect(req, socket, head, url, info.namespace ?? "", info.name, kind, user);
    } catch (err) {
      end(statusFromError(err).code);
      throw err;
    }
    if (socket.destroyed) end(code);
    else socket.once("close", () => end(code));
  }

  /** The authorized stream: the pod's agent, then the relayed upgrade; the status code the client got. */
  private async connect(
    req: IncomingMessage,
    socket: Duplex,
    head: Buffer,
    url: URL,
    namespace: string,
    name: string,
    kind: string,
    user: UserInfo,
  ): Promise<number> {
    const target = await agentTargetFor(
      this.ctx,
      namespace,
      name,
      kind === "portForward" ? undefined : url.searchParams.get("container"),
    );
    this.ctx.log.debug({ url: req.url, user: user.name }, kind);
    const path = agentPath(kind, target, url.searchParams);
    // kube-apiserver (PortForwardWebsockets): kubectl's SPDY in WebSocket is tunnelled here.
    if (kind === "portForward" && isSpdyTunnelRequest(req)) {
      return this.ctx.proxy.tunnel(req, socket, head, target, path);
    }
    return this.ctx.proxy.upgrade(req, socket, head, target, path);
  }
}

/** The streaming subresources and the kubelet endpoints that serve them. */
const STREAM_SUBRESOURCES: Readonly<Record<string, string>> = {
  exec: "exec",
  attach: "attach",
  portforward: "portForward",
};

function withDefined<K extends string>(key: K, value: string | undefined): { [P in K]?: string } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: string };
}
