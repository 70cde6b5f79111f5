/**
 * An OpenAPI document encoded once and served as kube-openapi's handler serves it: an ETag (the
 * SHA-512 of the bytes, quoted, upper-case hex), 304 Not Modified for a matching If-None-Match,
 * gzip when the client accepts it, `Cache-Control: no-cache, private` (or, for a request naming the
 * document's hash, `public, immutable`, as /openapi/v3/...?hash= answers; kube-openapi adds a
 * year's Expires, which berth leaves out).
 * The bytes are built on first use and kept; the gzipped form on its first request.
 */
import { createHash } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { gzipSync } from "node:zlib";

export class CachedDocument {
  #bytes: Buffer | undefined;
  #etag: string | undefined;
  #gzipped: Buffer | undefined;

  constructor(
    private readonly build: () => Buffer,
    readonly contentType: string,
  ) {}

  get bytes(): Buffer {
    return (this.#bytes ??= this.build());
  }

  /** Upper-case hex SHA-512 of the bytes, unquoted (kube-openapi's computeETag). */
  get etag(): string {
    return (this.#etag ??= createHash("sha512").update(this.bytes).digest("hex").toUpperCase());
  }

  get gzipped(): Buffer {
    return (this.#gzipped ??= gzipSync(this.bytes));
  }
}

function acceptsGzip(req: IncomingMessage): boolean {
  const header = req.headers["accept-encoding"] ?? "";
  return header.split(",").some((part) => {
    const [name, ...params] = part.trim().split(";");
    if (name?.trim() !== "gzip") return false;
    const q = params.map((p) => /^\s*q=([\d.]+)\s*$/.exec(p)?.[1]).find((v) => v !== undefined);
    return q === undefined || Number(q) > 0;
  });
}

function matchesETag(req: IncomingMessage, quoted: string): boolean {
  const header = req.headers["if-none-match"];
  if (header === undefined) return false;
  return header === "*" || header.split(",").some((tag) => tag.trim().replace(/^W\//, "") === quoted);
}

export interface ServeOptions {
  /** The request named the document's content hash: answer it as immutable. */
  readonly immutable?: boolean;
}

export function serveDocument(
  req: IncomingMessage,
  res: ServerResponse,
  doc: CachedDocument,
  options: ServeOptions = {},
): void {
  const quoted = `"${doc.etag}"`;
  const headers: Record<string, string | number> = {
    ETag: quoted,
    Vary: "Accept-Encoding, Accept",
    "Cache-Control": options.immutable === true ? "public, immutable" : "no-cache, private",
  };
  if (matchesETag(req, quoted)) {
    res.writeHead(304, headers);
    res.end();
    return;
  }
  headers["Content-Type"] = doc.contentType;
  const gzip = acceptsGzip(req);
  const body = gzip ? doc.gzipped : doc.bytes;
  if (gzip) headers["Content-Encoding"] = "gzip";
  headers["Content-Length"] = body.length;
  res.writeHead(200, headers);
  res.end(req.method === "HEAD" ? undefined : body);
}
