/** The API server fixture (test/support/apiserver.ts) and small HTTP helpers that speak to it over TLS. */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { Agent, request } from "undici";
import { nodeKubeconfig } from "../../src/apiserver/index.js";

import type { TestServer } from "../support/apiserver.js";

export { startServer, type StartOptions, type TestServer } from "../support/apiserver.js";

export interface Reply {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly text: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  readonly json: any;
}

export interface CallOptions {
  readonly method?: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  readonly body?: unknown;
  readonly contentType?: string;
  readonly accept?: string;
  readonly token?: string | null;
  readonly cert?: { certPem: string; keyPem: string };
}

export class Api {
  private readonly dispatcher: Agent;
  constructor(
    private readonly s: TestServer,
    cert?: { certPem: string; keyPem: string },
  ) {
    this.dispatcher = new Agent({
      connect: { ca: s.caPem, ...(cert ? { cert: cert.certPem, key: cert.keyPem } : {}) },
    });
  }

  async call(path: string, opts: CallOptions = {}): Promise<Reply> {
    const headers: Record<string, string> = { accept: opts.accept ?? "application/json" };
    const token = opts.token === undefined ? this.s.token : opts.token;
    if (token !== null) headers["authorization"] = `Bearer ${token}`;
    let body: string | undefined;
    if (opts.body !== undefined) {
      body = typeof opts.body === "string" ? opts.body : JSON.stringify(opts.body);
      headers["content-type"] = opts.contentType ?? "application/json";
    }
    const res = await request(`${this.s.url}${path}`, {
      method: opts.method ?? "GET",
      headers,
      ...(body !== undefined ? { body } : {}),
      dispatcher: this.dispatcher,
    });
    const text = await res.body.text();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    return { status: res.statusCode, headers: res.headers, text, json };
  }

  /** Opens a watch and collects events until `until` says stop or the stream ends. */
  async watch(
    path: string,
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    until: (events: any[]) => boolean,
    trigger?: () => Promise<void>,
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
  ): Promise<any[]> {
    const controller = new AbortController();
    const res = await request(`${this.s.url}${path}`, {
      headers: { authorization: `Bearer ${this.s.token}`, accept: "application/json" },
      dispatcher: this.dispatcher,
      signal: controller.signal,
    });
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const events: any[] = [];
    let buffer = "";
    const triggered = trigger?.();
    try {
      for await (const chunk of res.body) {
        buffer += Buffer.from(chunk as Uint8Array).toString("utf8");
        let nl: number;
        while ((nl = buffer.indexOf("\n")) >= 0) {
          const line = buffer.slice(0, nl);
          buffer = buffer.slice(nl + 1);
          if (line.trim() !== "") events.push(JSON.parse(line));
        }
        if (until(events)) {
          controller.abort();
          break;
        }
      }
    } catch (err) {
      if (!controller.signal.aborted) throw err;
    }
    await triggered;
    return events;
  }

  async close(): Promise<void> {
    await this.dispatcher.close();
  }
}

/** A node's client certificate, as `berth kubeconfig node` issues it. */
export async function nodeCredentials(
  s: TestServer,
  node: string,
): Promise<{ certPem: string; keyPem: string }> {
  const { parse } = await import("yaml");
  const doc = parse(await nodeKubeconfig(s.dir, node, s.url)) as {
    users: { user: Record<string, string> }[];
  };
  const user = doc.users[0]?.user ?? {};
  return {
    certPem: Buffer.from(user["client-certificate-data"] ?? "", "base64").toString("utf8"),
    keyPem: Buffer.from(user["client-key-data"] ?? "", "base64").toString("utf8"),
  };
}

export const run = promisify(execFile);

export function pod(name: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, labels: { app: name } },
    spec: { containers: [{ name: "main", image: "busybox:1.36" }] },
    ...extra,
  };
}
