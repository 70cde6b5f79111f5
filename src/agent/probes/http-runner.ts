/**
 * httpGet (probe/http): GET with the probe's headers (User-Agent and Accept unless given), TLS not
 * verified, no keep-alive; 200 <= status < 400 is a success. Redirects are followed to the same
 * host, at most 10; a redirect to another host ends the chain and the 3xx counts as a success with
 * a warning. The body is read up to 10 KiB. The timeout covers the whole exchange, as Go's
 * http.Client.Timeout does; a transport error is a failure worded as Go's client words it. Each
 * exchange is http-exchange.ts's.
 */
import type { IHTTPHeader } from "kubernetes-models/v1";
import { PROBE_MAX_OUTPUT_BYTES, PROBE_MAX_REDIRECTS } from "./constants.js";
import { httpExchange, type HttpExchange } from "./http-exchange.js";
import { failure, success, type ProbeOutcome } from "./outcome.js";

export interface HttpGetRequest {
  readonly url: URL;
  readonly headers: readonly IHTTPHeader[];
  readonly timeoutMs: number;
  readonly userAgent: string;
  /** Ends the probe at once, its connection closed (see HttpExchangeRequest.signal). */
  readonly signal?: AbortSignal | undefined;
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

/** Header lines Go's client would refuse to send (net/http: invalid header field ...). */
const INVALID_NAME = /[^!#$%&'*+\-.^_`|~0-9A-Za-z]/;
const INVALID_VALUE = /[\0\r\n]/;

/**
 * The request header lines: the probe's own in order, then User-Agent and Accept when it did not
 * set them (an Accept set only to "" is dropped). A name or value that could end the line is
 * refused, as Go's client refuses it.
 */
export function probeHeaders(headers: readonly IHTTPHeader[], userAgent: string): [string, string][] {
  const lines: [string, string][] = [];
  const names = new Set<string>();
  for (const h of headers) {
    if (h.name === "" || INVALID_NAME.test(h.name))
      throw new Error(`net/http: invalid header field name ${JSON.stringify(h.name)}`);
    if (INVALID_VALUE.test(h.value))
      throw new Error(`net/http: invalid header field value for ${JSON.stringify(h.name)}`);
    names.add(h.name.toLowerCase());
    lines.push([h.name, h.value]);
  }
  if (!names.has("user-agent")) lines.push(["User-Agent", userAgent]);
  if (!names.has("accept")) return [...lines, ["Accept", "*/*"]];
  const accept = lines.filter(([name]) => name.toLowerCase() === "accept");
  if (accept.every(([, value]) => value === "")) return lines.filter((l) => !accept.includes(l));
  return lines;
}

/**
 * GET with the probe's redirect rules. Rejects with an Error whose message is the transport
 * failure (Go's `Get "URL": ...`).
 */
export async function httpGet(req: HttpGetRequest): Promise<HttpGetResponse> {
  const first = req.url;
  const fail = (url: URL, err: unknown): Error =>
    new Error(`Get ${JSON.stringify(url.href)}: ${err instanceof Error ? err.message : String(err)}`, {
      cause: err,
    });
  let headers: [string, string][];
  try {
    headers = probeHeaders(req.headers, req.userAgent);
  } catch (err) {
    throw fail(first, err);
  }
  const deadline = Date.now() + req.timeoutMs;
  let url = first;
  for (let via = 0; ; via++) {
    let got: HttpExchange;
    try {
      got = await httpExchange({
        url,
        headers,
        deadline,
        maxBody: PROBE_MAX_OUTPUT_BYTES,
        signal: req.signal,
      });
    } catch (err) {
      throw fail(url, err);
    }
    const body = got.body.toString("utf8");
    if (!REDIRECT_CODES.has(got.status) || got.location === undefined) return { status: got.status, body };
    const next = new URL(got.location, url);
    // Another host: the chain ends with this response (http.ErrUseLastResponse).
    if (next.hostname !== first.hostname) return { status: got.status, body };
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
