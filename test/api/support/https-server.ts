/**
 * A scripted HTTPS server for the API client's tests: real TLS with certificates from berth's PKI,
 * every request recorded, answers written by the test's handler (so a test controls chunking,
 * closing and status codes exactly).
 */
import { once } from "node:events";
import type { IncomingMessage, ServerResponse } from "node:http";
import { createServer, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import type { TLSSocket } from "node:tls";
import {
  createCa,
  issueCertificate,
  subjectOf,
  type CertificateKeyPair,
  type Subject,
} from "../../../src/pki/index.js";

export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly query: URLSearchParams;
  readonly headers: IncomingMessage["headers"];
  readonly body: string;
  readonly peer: Subject | undefined;
}

export type Handler = (req: RecordedRequest, res: ServerResponse) => void | Promise<void>;

export interface ScriptedServerOptions {
  /** Ask for a client certificate (not required: the handler sees `peer`). */
  readonly requestCert?: boolean;
}

export class ScriptedServer {
  readonly requests: RecordedRequest[] = [];
  handler: Handler = (_req, res) => {
    res.statusCode = 500;
    res.end("no handler");
  };
  #waiters: (() => void)[] = [];

  private constructor(
    readonly ca: CertificateKeyPair,
    readonly client: CertificateKeyPair,
    readonly url: string,
    readonly server: Server,
  ) {}

  static async start(options: ScriptedServerOptions = {}): Promise<ScriptedServer> {
    const ca = createCa({ commonName: "test-ca", validDays: 1 });
    const serving = issueCertificate(ca, {
      commonName: "apiserver",
      dnsNames: ["localhost"],
      ipAddresses: ["127.0.0.1"],
      usage: "server",
      validDays: 1,
    });
    const client = issueCertificate(ca, {
      commonName: "system:node:n1",
      organizations: ["system:nodes"],
      usage: "client",
      validDays: 1,
    });
    const server = createServer({
      cert: serving.certPem,
      key: serving.keyPem,
      ca: [ca.certPem],
      requestCert: options.requestCert ?? false,
      rejectUnauthorized: false,
    });
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    const port = (server.address() as AddressInfo).port;
    const self = new ScriptedServer(ca, client, `https://127.0.0.1:${port}`, server);
    server.on("request", (req: IncomingMessage, res: ServerResponse) => void self.dispatch(req, res));
    return self;
  }

  /** Resolves once at least `count` requests have arrived. */
  async waitForRequests(count: number): Promise<RecordedRequest> {
    while (this.requests.length < count) await new Promise<void>((resolve) => this.#waiters.push(resolve));
    return this.requests[count - 1] as RecordedRequest;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async dispatch(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const url = new URL(req.url ?? "/", "https://x");
    const socket = req.socket as TLSSocket;
    const peer = socket.authorized ? subjectOf(socket.getPeerCertificate()) : undefined;
    const recorded: RecordedRequest = {
      method: req.method ?? "",
      path: url.pathname,
      query: url.searchParams,
      headers: req.headers,
      body: Buffer.concat(chunks).toString("utf8"),
      peer,
    };
    this.requests.push(recorded);
    for (const wake of this.#waiters.splice(0)) wake();
    try {
      await this.handler(recorded, res);
    } catch (err) {
      res.destroy(err as Error);
    }
  }
}

/** Writes a JSON answer. */
export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
}

/** A meta/v1 Status failure. */
export function sendStatus(
  res: ServerResponse,
  code: number,
  reason: string,
  message: string,
  details?: Record<string, unknown>,
): void {
  sendJson(res, code, {
    kind: "Status",
    apiVersion: "v1",
    metadata: {},
    status: "Failure",
    message,
    reason,
    code,
    ...(details ? { details } : {}),
  });
}

/** Starts a chunked watch response; write() flushes each piece as its own chunk. */
export function startWatch(res: ServerResponse): { write(text: string | Buffer): void; end(): void } {
  res.writeHead(200, { "content-type": "application/json", "transfer-encoding": "chunked" });
  res.flushHeaders();
  return {
    write: (text) => void res.write(text),
    end: () => res.end(),
  };
}

export const line = (type: string, object: unknown): string => `${JSON.stringify({ type, object })}\n`;
