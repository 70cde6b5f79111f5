/**
 * How the fuzz talks to the API server: undici over TLS with a deadline per request, answers
 * reduced to what the checks need, and raw TLS sockets for the clients that misbehave (slow,
 * abandoning, watching without reading).
 */
import { connect, type TLSSocket } from "node:tls";
import { Agent, request } from "undici";

/** A request still unanswered after this counts as dropped. */
export const ANSWER_DEADLINE_MS = 45_000;

export interface FuzzRequest {
  readonly method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  readonly path: string;
  readonly contentType?: string;
  readonly body?: Buffer;
  /** Stop at the status line and headers (watches). */
  readonly headersOnly?: boolean;
}

export type Answer =
  | { readonly ok: true; readonly status: number; readonly body: string; readonly ms: number }
  | { readonly ok: false; readonly error: string; readonly ms: number };

export class FuzzClient {
  readonly #dispatcher: Agent;
  readonly #url: URL;

  constructor(
    url: string,
    readonly token: string,
    readonly caPem: string,
  ) {
    this.#url = new URL(url);
    this.#dispatcher = new Agent({
      connect: { ca: caPem },
      connections: 8,
      headersTimeout: ANSWER_DEADLINE_MS,
      bodyTimeout: ANSWER_DEADLINE_MS,
    });
  }

  async send(r: FuzzRequest): Promise<Answer> {
    const started = performance.now();
    const controller = new AbortController();
    const timer = setTimeout(
      () => controller.abort(new Error("no answer within the deadline")),
      ANSWER_DEADLINE_MS,
    );
    try {
      const res = await request(new URL(r.path, this.#url), {
        method: r.method,
        headers: {
          authorization: `Bearer ${this.token}`,
          accept: "application/json",
          ...(r.contentType !== undefined ? { "content-type": r.contentType } : {}),
        },
        ...(r.body !== undefined ? { body: r.body } : {}),
        dispatcher: this.#dispatcher,
        signal: controller.signal,
      });
      const ms = performance.now() - started;
      if (r.headersOnly && res.statusCode === 200) {
        controller.abort(new Error("enough"));
        await res.body.dump().catch(() => undefined);
        return { ok: true, status: res.statusCode, body: "", ms };
      }
      const body = await res.body.text();
      return { ok: true, status: res.statusCode, body, ms: performance.now() - started };
    } catch (err) {
      return { ok: false, error: String(err), ms: performance.now() - started };
    } finally {
      clearTimeout(timer);
    }
  }

  /** A raw TLS connection to the server, for clients that misbehave on purpose. */
  rawSocket(): Promise<TLSSocket> {
    return new Promise((resolve, reject) => {
      const socket = connect({
        host: this.#url.hostname,
        port: Number(this.#url.port),
        ca: this.caPem,
        servername: this.#url.hostname === "127.0.0.1" ? undefined : this.#url.hostname,
      });
      socket.once("secureConnect", () => resolve(socket));
      socket.once("error", reject);
    });
  }

  /** The head of a request as a misbehaving client writes it itself. */
  head(method: string, path: string, headers: Record<string, string | number>): string {
    const lines = [
      `${method} ${path} HTTP/1.1`,
      `Host: ${this.#url.host}`,
      `Authorization: Bearer ${this.token}`,
    ];
    for (const [k, v] of Object.entries(headers)) lines.push(`${k}: ${v}`);
    return `${lines.join("\r\n")}\r\n\r\n`;
  }

  async close(): Promise<void> {
    await this.#dispatcher.close();
  }
}

/** What is wrong with an answer: no answer, a 5xx, or a 4xx that is not a Status with a reason. */
export function problemOf(answer: Answer): string | undefined {
  if (!answer.ok) return `no answer: ${answer.error}`;
  if (answer.status >= 500) return `${answer.status}: ${answer.body.slice(0, 300)}`;
  if (answer.status >= 400) {
    let status: { kind?: unknown; reason?: unknown; code?: unknown };
    try {
      status = JSON.parse(answer.body) as typeof status;
    } catch {
      return `${answer.status} without a Status body: ${answer.body.slice(0, 200)}`;
    }
    if (status.kind !== "Status" || typeof status.reason !== "string" || status.reason === "")
      return `${answer.status} Status without a reason: ${answer.body.slice(0, 200)}`;
    if (status.code !== answer.status) return `${answer.status} Status with code ${String(status.code)}`;
  }
  return undefined;
}
