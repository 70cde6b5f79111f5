/**
 * The API client's transport: HTTP/1.1 over node:https (or node:http) with one keep-alive agent,
 * so requests reuse connections and each watch holds one while it streams.
 *
 * Node's own client rather than undici: both use llhttp, but undici runs it as WebAssembly, and
 * compiling and running that module cost the agent about 18 MiB of RSS (measured with the
 * agent's minimal stack, see docs/agent.md "Memory"), a quarter of its budget.
 *
 * Timeouts follow the kubelet's client: `headersTimeoutMs` bounds the wait for the status line
 * and headers; `bodyTimeoutMs` bounds the silence between body chunks (0 = none, for watches).
 */
import type {
  Agent as HttpAgent,
  ClientRequest,
  IncomingMessage,
  RequestOptions,
  request as httpRequest,
} from "node:http";
import type { SecureContext } from "node:tls";

export interface TransportOptions {
  readonly origin: URL;
  readonly caPem?: string;
  readonly certPem?: string;
  readonly keyPem?: string;
  readonly tlsServerName?: string;
  readonly rejectUnauthorized: boolean;
  /** Most sockets to the server; undefined = unlimited (every watch holds one). */
  readonly connections?: number;
  /**
   * Most sockets for requests other than watches (bodyTimeoutMs > 0), which then get a pool of
   * their own; more requests queue for a free socket. Undefined: one pool for all.
   */
  readonly requestConnections?: number;
}

export interface TransportRequest {
  readonly method: string;
  /** Path and query. */
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string;
  readonly headersTimeoutMs: number;
  readonly bodyTimeoutMs: number;
  readonly signal?: AbortSignal;
}

export interface TransportResponse {
  readonly statusCode: number;
  /** The body as it arrives; ends with an error if the body timeout fires. */
  readonly body: IncomingMessage;
}

/** The codes of this transport's timeouts (the client reports them as BerthError Timeout). */
export const HEADERS_TIMEOUT = "BERTH_HEADERS_TIMEOUT";
export const BODY_TIMEOUT = "BERTH_BODY_TIMEOUT";

class TransportTimeout extends Error {
  constructor(
    readonly code: typeof HEADERS_TIMEOUT | typeof BODY_TIMEOUT,
    ms: number,
  ) {
    super(`${code === HEADERS_TIMEOUT ? "no response headers" : "no response data"} within ${ms} ms`);
    this.name = "TransportTimeout";
  }
}

/**
 * How long an idle keep-alive connection is kept: well below kube-apiserver's 90 s idle timeout
 * (and berth's), so the client, not the server, closes it.
 */
export const IDLE_CONNECTION_TIMEOUT_MS = 30_000;

/**
 * One TLS context (CA, client certificate and key) for every connection of the transport, as
 * client-go keeps one tls.Config. Given ca/cert/key instead, Node's https agent builds a context
 * per connection: OpenSSL parses the PEMs again and each connection holds its own copy of them
 * (docs/agent.md "Memory").
 */
function sharedSecureContext(options: TransportOptions): SecureContext {
  return process.getBuiltinModule("node:tls").createSecureContext({
    ...(options.caPem === undefined ? {} : { ca: options.caPem }),
    ...(options.certPem === undefined ? {} : { cert: options.certPem, key: options.keyPem }),
  });
}

export class HttpTransport {
  readonly #request: typeof httpRequest;
  readonly #agent: HttpAgent;
  readonly #requestAgent: HttpAgent;

  constructor(readonly options: TransportOptions) {
    const secure = options.origin.protocol === "https:";
    const agentOptions = {
      keepAlive: true,
      // Without a timeout the agent keeps idle connections forever and ignores the server's
      // Keep-Alive hint: a request sent as the server closes an idle connection fails with
      // "socket hang up". With one, idle connections close first (and a shorter hint wins).
      timeout: IDLE_CONNECTION_TIMEOUT_MS,
      maxSockets: options.connections ?? Infinity,
      ...(secure ? { secureContext: sharedSecureContext(options) } : {}),
      ...(options.tlsServerName === undefined ? {} : { servername: options.tlsServerName }),
      rejectUnauthorized: options.rejectUnauthorized,
    };
    // Through getBuiltinModule, not `import`: an ESM import of node:http builds its namespace
    // from every export, and the getters among them (WebSocket, ...) load Node's bundled undici.
    const { request, Agent } = secure
      ? process.getBuiltinModule("node:https")
      : process.getBuiltinModule("node:http");
    this.#request = request;
    this.#agent = new Agent(agentOptions);
    // A TLS connection holds about 100 KiB of OpenSSL and stream buffers: a burst of 110 pod
    // starts opened one per concurrent request, 11 MiB of the agent's RSS (docs/agent.md "Memory").
    this.#requestAgent =
      options.requestConnections === undefined
        ? this.#agent
        : new Agent({ ...agentOptions, maxSockets: options.requestConnections });
  }

  /** Resolves once the status line and headers are in; rejects on transport failure or abort. */
  send(request: TransportRequest): Promise<TransportResponse> {
    const { origin } = this.options;
    const options: RequestOptions = {
      agent: request.bodyTimeoutMs === 0 ? this.#agent : this.#requestAgent,
      protocol: origin.protocol,
      hostname: origin.hostname.replace(/^\[(.*)\]$/, "$1"),
      port: origin.port === "" ? undefined : Number(origin.port),
      method: request.method,
      path: request.path,
      headers: {
        ...request.headers,
        ...(request.body === undefined ? {} : { "content-length": String(Buffer.byteLength(request.body)) }),
      },
      ...(request.signal ? { signal: request.signal } : {}),
    };
    return new Promise((resolve, reject) => {
      let req: ClientRequest;
      try {
        req = this.#request(options);
      } catch (err) {
        reject(err);
        return;
      }
      const headersTimer = setTimeout(() => {
        req.destroy(new TransportTimeout(HEADERS_TIMEOUT, request.headersTimeoutMs));
      }, request.headersTimeoutMs);
      req.once("error", (err) => {
        clearTimeout(headersTimer);
        reject(err);
      });
      req.once("response", (res) => {
        clearTimeout(headersTimer);
        if (request.bodyTimeoutMs > 0) {
          res.setTimeout(request.bodyTimeoutMs, () => {
            res.destroy(new TransportTimeout(BODY_TIMEOUT, request.bodyTimeoutMs));
          });
        }
        resolve({ statusCode: res.statusCode ?? 0, body: res });
      });
      req.end(request.body);
    });
  }

  /** Closes every connection; requests and watches in flight end with an error. */
  close(): void {
    this.#agent.destroy();
    this.#requestAgent.destroy();
  }
}

/** The whole body as text; a body that ends in error (timeout, reset) rejects. */
export async function readText(body: IncomingMessage): Promise<string> {
  body.setEncoding("utf8");
  let text = "";
  for await (const chunk of body) text += chunk as string;
  return text;
}

/** HEADERS_TIMEOUT or BODY_TIMEOUT if err is one of this transport's timeouts. */
export function timeoutCode(err: unknown): string | undefined {
  return err instanceof TransportTimeout ? err.code : undefined;
}
