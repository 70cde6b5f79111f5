/**
 * httpGet (probe/http): GET with the probe's headers (User-Agent and Accept unless given), TLS not
 * verified, no keep-alive; 200 <= status < 400 is a success. Redirects are followed to the same
 * host, at most 10; a redirect to another host ends the chain and the 3xx counts as a success with
 * a warning. The body is read up to 10 KiB. The timeout covers the whole exchange, as Go's
 * http.Client.Timeout does; a transport error is a failure worded as Go's client words it.
 */
import type { IncomingMessage, OutgoingHttpHeaders } from "node:http";
import type { IHTTPHeader } from "kubernetes-models/v1";
import { PROBE_MAX_OUTPUT_BYTES, PROBE_MAX_REDIRECTS } from "./constants.js";
import { dialErrorText } from "./dial-error.js";
import { joinHostPort } from "./handler.js";
import { failure, success, type ProbeOutcome } from "./outcome.js";

export interface HttpGetRequest {
  readonly url: URL;
  readonly headers: readonly IHTTPHeader[];
  readonly timeoutMs: number;
  readonly userAgent: string;
}

/** The response the exchange ended with (after any redirects). */
export interface HttpGetResponse {
  readonly status: number;
  readonly body: string;
}

const REDIRECT_CODES = new Set([301, 302, 303, 307, 308]);

/** URL scheme://host:port/path from the handler's parts (probe/http formatURL). */
export function probeUrl(scheme: "http" | "https", host: string, port: number, path: string): URL {
  const hostPart = host.includes(":") ? `[${host}]` : host;
  const rest = path === "" ? "" : path.startsWith("/") ? path : `/${path}`;
  return new URL(`${scheme}://${hostPart}:${port}${rest}`);
}

/** The request headers: the probe's own, then User-Agent and Accept when it did not set them. */
export function probeHeaders(headers: readonly IHTTPHeader[], userAgent: string): OutgoingHttpHeaders {
  const out: Record<string, string[]> = {};
  const names = new Map<string, string>();
  for (const h of headers) {
    const key = h.name.toLowerCase();
    names.set(key, h.name);
    (out[key] ??= []).push(h.value);
  }
  if (!names.has("user-agent")) out["user-agent"] = [userAgent];
  if (!names.has("accept")) out["accept"] = ["*/*"];
  else if ((out["accept"] ?? []).every((v) => v === "")) delete out["accept"];
  const result: OutgoingHttpHeaders = {};
  for (const [key, values] of Object.entries(out)) result[key] = values.length === 1 ? values[0] : values;
  return result;
}

class HttpGetError extends Error {}

function once(
  url: URL,
  headers: OutgoingHttpHeaders,
  deadline: number,
): Promise<{ res: IncomingMessage; body: string }> {
  const port = url.port === "" ? (url.protocol === "https:" ? 443 : 80) : Number(url.port);
  const addr = joinHostPort(url.hostname.replace(/^\[|\]$/g, ""), port);
  return new Promise((resolve, reject) => {
    // getBuiltinModule, not an ESM import: an ESM import of node:http evaluates every export of its
    // namespace, and the WebSocket getter among them loads Node's bundled undici (docs/agent.md "Memory").
    const send =
      url.protocol === "https:"
        ? process.getBuiltinModule("node:https").request
        : process.getBuiltinModule("node:http").request;
    const req = send(url, { method: "GET", headers, agent: false, rejectUnauthorized: false });
    const timer = setTimeout(
      () => {
        req.destroy(
          new HttpGetError("context deadline exceeded (Client.Timeout exceeded while awaiting headers)"),
        );
      },
      Math.max(0, deadline - Date.now()),
    );
    req.once("error", (err) => {
      clearTimeout(timer);
      reject(err instanceof HttpGetError ? err : new HttpGetError(dialErrorText(err, addr)));
    });
    req.once("response", (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      const done = (): void => {
        clearTimeout(timer);
        res.destroy();
        resolve({ res, body: Buffer.concat(chunks).subarray(0, PROBE_MAX_OUTPUT_BYTES).toString("utf8") });
      };
      res.on("data", (chunk: Buffer) => {
        chunks.push(chunk);
        size += chunk.length;
        if (size >= PROBE_MAX_OUTPUT_BYTES) done();
      });
      res.once("end", done);
      res.once("error", () => done());
    });
    req.end();
  });
}

/**
 * GET with the probe's redirect rules. Rejects with an Error whose message is the transport
 * failure (Go's `Get "URL": ...`).
 */
export async function httpGet(req: HttpGetRequest): Promise<HttpGetResponse> {
  const headers = probeHeaders(req.headers, req.userAgent);
  const deadline = Date.now() + req.timeoutMs;
  const first = req.url;
  let url = first;
  for (let via = 0; ; via++) {
    let got: { res: IncomingMessage; body: string };
    try {
      got = await once(url, headers, deadline);
    } catch (err) {
      throw new Error(
        `Get ${JSON.stringify(url.href)}: ${err instanceof Error ? err.message : String(err)}`,
        {
          cause: err,
        },
      );
    }
    const status = got.res.statusCode ?? 0;
    const location = got.res.headers.location;
    if (!REDIRECT_CODES.has(status) || location === undefined) return { status, body: got.body };
    const next = new URL(location, url);
    // Another host: the chain ends with this response (http.ErrUseLastResponse).
    if (next.hostname !== first.hostname) return { status, body: got.body };
    if (via + 1 >= PROBE_MAX_REDIRECTS) {
      throw new Error(`Get ${JSON.stringify(next.href)}: stopped after ${PROBE_MAX_REDIRECTS} redirects`);
    }
    url = next;
  }
}

/** probe/http DoHTTPProbe. */
export async function runHttpProbe(req: HttpGetRequest): Promise<ProbeOutcome> {
  let res: HttpGetResponse;
  try {
    res = await httpGet(req);
  } catch (err) {
    return failure(err instanceof Error ? err.message : String(err));
  }
  if (res.status >= 200 && res.status < 400) {
    if (res.status >= 300)
      return { result: "warning", output: `Probe terminated redirects, Response body: ${res.body}` };
    return success(res.body);
  }
  return failure(`HTTP probe failed with statuscode: ${res.status}`);
}
