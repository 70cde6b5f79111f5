/**
 * ApiClient: typed JSON requests to a Kubernetes API server over keep-alive HTTPS connections
 * (http-transport.ts), with TLS and credentials from a ClusterConnection (usually a kubeconfig).
 * Paths are API paths such as /api/v1/namespaces/default/pods (see resourcePath). Failed responses
 * throw BerthErrors mapped from the Status; transport failures throw BerthError(Internal), or
 * Timeout when the headers or the body do not come in time; an aborted signal rethrows its reason.
 */
import { BerthError, ErrorCode, errorMessage } from "../common/errors.js";
import { HttpTransport, readText, timeoutCode, type TransportResponse } from "./http-transport.js";
import { loadKubeconfig, type ClusterConnection } from "./kubeconfig.js";
import { statusError } from "./status-error.js";
import type { DeleteOptions, KubeList, WatchEvent } from "./types.js";
import { jsonLines, toWatchEvent } from "./watch-stream.js";

export interface ApiClientOptions extends ClusterConnection {
  readonly userAgent?: string;
  /** Headers and idle-body timeout of ordinary requests (not watches); default 60 s. */
  readonly requestTimeoutMs?: number;
  /** Most connections to the server; default unlimited (every watch holds one). */
  readonly connections?: number;
  /**
   * Most connections for requests other than watches, which then get connections of their own;
   * further requests wait for a free one (their headers timeout runs meanwhile). Default: no
   * separate limit.
   */
  readonly requestConnections?: number;
}

export const DEFAULT_REQUEST_TIMEOUT_MS = 60_000;

export type QueryValue = string | number | boolean | undefined;
export type Query = Readonly<Record<string, QueryValue>>;

export interface RequestOptions {
  readonly query?: Query;
  readonly body?: unknown;
  readonly contentType?: string;
  readonly signal?: AbortSignal;
}

export interface ListOptions {
  readonly labelSelector?: string;
  readonly fieldSelector?: string;
  readonly resourceVersion?: string;
  readonly resourceVersionMatch?: "Exact" | "NotOlderThan";
  readonly limit?: number;
  readonly continue?: string;
  readonly timeoutSeconds?: number;
  readonly signal?: AbortSignal;
}

export interface WatchOptions {
  readonly resourceVersion?: string;
  readonly labelSelector?: string;
  readonly fieldSelector?: string;
  readonly allowWatchBookmarks?: boolean;
  readonly timeoutSeconds?: number;
  readonly signal?: AbortSignal;
}

export interface WriteOptions {
  /** Server-side dry run (dryRun=All). */
  readonly dryRun?: boolean;
  readonly fieldManager?: string;
  readonly signal?: AbortSignal;
}

export interface PatchOptions extends WriteOptions {
  /** Apply patches only: take over conflicting fields. */
  readonly force?: boolean;
}

export interface DeleteRequestOptions extends DeleteOptions {
  readonly signal?: AbortSignal;
}

export type PatchType = "merge" | "strategic" | "json" | "apply";

/** Content types of the four patch kinds (apimachinery types.PatchType). */
export const PATCH_CONTENT_TYPES: Readonly<Record<PatchType, string>> = {
  json: "application/json-patch+json",
  merge: "application/merge-patch+json",
  strategic: "application/strategic-merge-patch+json",
  apply: "application/apply-patch+yaml",
};

function writeQuery(options: WriteOptions, extra: Query = {}): Query {
  return { dryRun: options.dryRun ? "All" : undefined, fieldManager: options.fieldManager, ...extra };
}

export class ApiClient {
  readonly server: string;
  readonly #transport: HttpTransport;
  readonly #basePath: string;
  readonly #headers: Readonly<Record<string, string>>;
  readonly #timeoutMs: number;

  constructor(options: ApiClientOptions) {
    let url: URL;
    try {
      url = new URL(options.server);
    } catch (err) {
      throw new BerthError(ErrorCode.Config, `API server ${JSON.stringify(options.server)} is not a URL`, {
        cause: err,
      });
    }
    if (url.protocol !== "https:" && url.protocol !== "http:") {
      throw new BerthError(ErrorCode.Config, `API server ${options.server} must be an https or http URL`);
    }
    if ((options.certPem === undefined) !== (options.keyPem === undefined)) {
      throw new BerthError(ErrorCode.Config, "client certificate and key must be given together");
    }
    this.server = options.server;
    this.#basePath = url.pathname.replace(/\/+$/, "");
    this.#timeoutMs = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
    this.#headers = {
      accept: "application/json",
      "user-agent": options.userAgent ?? "berth",
      ...(options.token === undefined ? {} : { authorization: `Bearer ${options.token}` }),
    };
    this.#transport = new HttpTransport({
      origin: new URL(url.origin),
      ...(options.caPem === undefined ? {} : { caPem: options.caPem }),
      ...(options.certPem === undefined ? {} : { certPem: options.certPem, keyPem: options.keyPem }),
      ...(options.tlsServerName === undefined ? {} : { tlsServerName: options.tlsServerName }),
      ...(options.connections === undefined ? {} : { connections: options.connections }),
      ...(options.requestConnections === undefined ? {} : { requestConnections: options.requestConnections }),
      rejectUnauthorized: options.insecureSkipTlsVerify !== true,
    });
  }

  /** A client for a kubeconfig file's current (or named) context. */
  static async fromKubeconfig(
    path: string,
    options: { readonly context?: string } & Omit<ApiClientOptions, keyof ClusterConnection> = {},
  ): Promise<ApiClient> {
    const { context, ...rest } = options;
    const connection = await loadKubeconfig(path, context === undefined ? {} : { context });
    return new ApiClient({ ...connection, ...rest });
  }

  get<T>(path: string, options: { readonly query?: Query; readonly signal?: AbortSignal } = {}): Promise<T> {
    return this.request<T>("GET", path, options);
  }

  list<T>(path: string, options: ListOptions = {}): Promise<KubeList<T>> {
    const { signal, ...query } = options;
    return this.request<KubeList<T>>("GET", path, { query, ...(signal ? { signal } : {}) });
  }

  create<T>(path: string, body: T, options: WriteOptions = {}): Promise<T> {
    return this.request<T>("POST", path, { body, query: writeQuery(options), ...signalOf(options) });
  }

  /** PUT: the body's metadata.resourceVersion makes it a compare-and-swap. */
  update<T>(path: string, body: T, options: WriteOptions = {}): Promise<T> {
    return this.request<T>("PUT", path, { body, query: writeQuery(options), ...signalOf(options) });
  }

  async patch<T>(path: string, patch: unknown, type: PatchType, options: PatchOptions = {}): Promise<T> {
    if (type === "apply" && !options.fieldManager) {
      throw new BerthError(ErrorCode.Invalid, "an apply patch needs a fieldManager");
    }
    const contentType = PATCH_CONTENT_TYPES[type];
    if (contentType === undefined)
      throw new BerthError(ErrorCode.Invalid, `unknown patch type ${String(type)}`);
    const query = writeQuery(options, type === "apply" && options.force ? { force: true } : {});
    return this.request<T>("PATCH", path, { body: patch, contentType, query, ...signalOf(options) });
  }

  /** Returns what the server answers: the object (graceful or with finalizers) or a Status. */
  delete<T = unknown>(path: string, options: DeleteRequestOptions = {}): Promise<T> {
    const { signal, ...deleteOptions } = options;
    const body =
      Object.keys(deleteOptions).length === 0
        ? undefined
        : { kind: "DeleteOptions", apiVersion: "v1", ...deleteOptions };
    return this.request<T>("DELETE", path, { body, ...(signal ? { signal } : {}) });
  }

  /**
   * Watches a collection: events as they arrive, until the server ends the stream (returns) or
   * the signal aborts (throws its reason). A non-2xx answer throws the mapped BerthError; ERROR
   * events are yielded for the caller to judge (see statusError).
   */
  async *watch<T>(path: string, options: WatchOptions = {}): AsyncGenerator<WatchEvent<T>> {
    const { signal, ...rest } = options;
    const query: Query = { ...rest, watch: true };
    const what = `WATCH ${path}`;
    const response = await this.#send("GET", path, { query, ...(signal ? { signal } : {}) }, 0);
    try {
      if (response.statusCode < 200 || response.statusCode > 299) {
        throw statusError(response.statusCode, parseBody(await readText(response.body)), what);
      }
      for await (const value of jsonLines(response.body)) yield toWatchEvent<T>(value);
    } catch (err) {
      throw transportError(err, what, signal);
    } finally {
      if (!response.body.destroyed) response.body.destroy();
    }
  }

  /** Any JSON request; the parsed body on 2xx (undefined if empty), else the mapped BerthError. */
  async request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    const what = `${method} ${path}`;
    const body = parseBody(await this.#exchange(method, path, options));
    if (typeof body === "string") {
      throw new BerthError(ErrorCode.Internal, `${what}: response is not JSON: ${body.slice(0, 200)}`);
    }
    return body as T;
  }

  /** A GET whose answer is text, not JSON (pods/log, /healthz); failures map as for request(). */
  getText(
    path: string,
    options: { readonly query?: Query; readonly signal?: AbortSignal } = {},
  ): Promise<string> {
    return this.#exchange("GET", path, { ...options, accept: "*/*" });
  }

  /** Sends, reads the whole body, throws the mapped error for a non-2xx answer. */
  async #exchange(
    method: string,
    path: string,
    options: RequestOptions & { readonly accept?: string },
  ): Promise<string> {
    const what = `${method} ${path}`;
    const response = await this.#send(method, path, options, this.#timeoutMs);
    let text: string;
    try {
      text = await readText(response.body);
    } catch (err) {
      throw transportError(err, what, options.signal);
    }
    if (response.statusCode < 200 || response.statusCode > 299) {
      throw statusError(response.statusCode, parseBody(text), what);
    }
    return text;
  }

  /** Closes every connection; watches in flight end with an error. */
  close(): Promise<void> {
    this.#transport.close();
    return Promise.resolve();
  }

  async #send(
    method: string,
    path: string,
    options: RequestOptions & { readonly accept?: string },
    bodyTimeoutMs: number,
  ): Promise<TransportResponse> {
    if (!path.startsWith("/"))
      throw new BerthError(ErrorCode.Invalid, `API path must start with "/": ${path}`);
    const search = new URLSearchParams();
    for (const [k, v] of Object.entries(options.query ?? {})) if (v !== undefined) search.set(k, String(v));
    const qs = search.toString();
    const hasBody = options.body !== undefined;
    try {
      return await this.#transport.send({
        method,
        path: `${this.#basePath}${path}${qs === "" ? "" : `?${qs}`}`,
        headers: {
          ...this.#headers,
          ...(options.accept ? { accept: options.accept } : {}),
          ...(hasBody ? { "content-type": options.contentType ?? "application/json" } : {}),
        },
        ...(hasBody ? { body: JSON.stringify(options.body) } : {}),
        headersTimeoutMs: this.#timeoutMs,
        bodyTimeoutMs,
        ...(options.signal ? { signal: options.signal } : {}),
      });
    } catch (err) {
      throw transportError(err, `${method} ${path}`, options.signal);
    }
  }
}

function signalOf(options: { readonly signal?: AbortSignal }): { signal?: AbortSignal } {
  return options.signal ? { signal: options.signal } : {};
}

function parseBody(text: string): unknown {
  if (text === "") return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** BerthErrors pass through; an aborted signal rethrows its reason; the rest is wrapped. */
function transportError(err: unknown, what: string, signal: AbortSignal | undefined): unknown {
  if (err instanceof BerthError) return err;
  if (signal?.aborted) return signal.reason ?? err;
  const timeout = timeoutCode(err);
  const code = timeout ?? (err as { code?: unknown } | null)?.code;
  return new BerthError(timeout ? ErrorCode.Timeout : ErrorCode.Internal, `${what}: ${errorMessage(err)}`, {
    cause: err,
    details: { transport: true, ...(typeof code === "string" ? { errorCode: code } : {}) },
  });
}
