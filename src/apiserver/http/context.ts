/** What the HTTP layer is given by the server: stores, auth, logging, limits, the agent proxy. */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Duplex } from "node:stream";
import type { Logger } from "../../common/log.js";
import type { AdmissionChain } from "../admission/index.js";
import type { ResourceDefinition, ResourceStore } from "../registry/index.js";
import type { AgentEndpoint, AgentTarget } from "./agent-target.js";
import type { Authenticator } from "./authn.js";
import type { Authorizer } from "./authz.js";
import type { ApiServerMetrics } from "./request-metrics.js";

/** Reaches node agents: pod logs, upgraded streams (exec, attach, port-forward), nodes/proxy. */
export interface PodProxy {
  logs(res: ServerResponse, target: AgentTarget, query: URLSearchParams, signal: AbortSignal): Promise<void>;
  /** GET an agent path and parse its JSON answer. */
  getJson(endpoint: AgentEndpoint, path: string): Promise<unknown>;
  forward(req: IncomingMessage, res: ServerResponse, endpoint: AgentEndpoint, path: string): Promise<void>;
  /** An upgrade relayed to the agent; resolves with the status code the client got (101 when upgraded). */
  upgrade(
    req: IncomingMessage,
    socket: Duplex,
    head: Buffer,
    endpoint: AgentEndpoint,
    path: string,
  ): Promise<number>;
  /** SPDY tunnelled in WebSocket from the client, SPDY to the agent. */
  tunnel(
    req: IncomingMessage,
    socket: Duplex,
    head: Buffer,
    endpoint: AgentEndpoint,
    path: string,
  ): Promise<number>;
}

export interface ApiContext {
  readonly defs: readonly ResourceDefinition[];
  store(group: string, plural: string): ResourceStore | undefined;
  readonly authenticator: Authenticator;
  readonly authorizer: Authorizer;
  /** Mutating and validating admission of writes to a main resource. */
  readonly admission: AdmissionChain;
  readonly log: Logger;
  readonly now: () => Date;
  readonly maxBodyBytes: number;
  readonly bookmarkIntervalMs: number;
  /** Aborts when the server stops: open watches end. */
  readonly shutdown: AbortSignal;
  /** host:port clients reach this server at. */
  readonly serverAddress: string;
  readonly proxy: PodProxy;
  /** /metrics: requests counted and timed as they end. */
  readonly metrics: ApiServerMetrics;
}
