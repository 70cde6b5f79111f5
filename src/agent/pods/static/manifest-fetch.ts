/**
 * One GET of staticPodURL (kubelet: config/http.go extractFromURL's request) with node:http and
 * node:https rather than the global fetch: fetch's HTTP parser is WebAssembly, which the agent's
 * `--jitless` (systemd/berth-agent.env) removes, so every fetch would fail there. Both modules are
 * reached through `process.getBuiltinModule`, not an ESM import: importing node:http as an ES module
 * loads Node's bundled undici with it, about 3 MiB of the agent's memory (docs/agent.md "Memory").
 */
import type { IncomingMessage } from "node:http";
import { BerthError, ErrorCode } from "../../../common/index.js";

/** How long one read of staticPodURL may take, headers and body. */
export const MANIFEST_FETCH_TIMEOUT_MS = 10_000;

/** Fetches one static pod manifest document as text. */
export type ManifestFetch = (url: string, signal: AbortSignal) => Promise<string>;

/** The body of a 2xx answer; anything else rejects with the status or the socket's error. */
export const fetchManifest: ManifestFetch = (url, signal) =>
  new Promise<string>((resolve, reject) => {
    const target = new URL(url);
    const get =
      target.protocol === "https:"
        ? process.getBuiltinModule("node:https").get
        : process.getBuiltinModule("node:http").get;
    const both = AbortSignal.any([signal, AbortSignal.timeout(MANIFEST_FETCH_TIMEOUT_MS)]);
    const req = get(target, { signal: both, headers: { accept: "*/*" } }, (res: IncomingMessage) => {
      const status = res.statusCode ?? 0;
      if (status < 200 || status > 299) {
        res.resume();
        reject(new BerthError(ErrorCode.Internal, `${url}: ${status} ${res.statusMessage ?? ""}`.trim()));
        return;
      }
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
      res.on("error", reject);
    });
    req.on("error", reject);
  });
