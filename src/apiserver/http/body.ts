/**
 * Request bodies: size-limited, parsed as JSON or YAML; malformed input is a 400, never a crash.
 * Reading stops at the limit without destroying the request: what is left of an oversized body
 * is for request-end.ts to drain or to close the connection over, after the Status is written.
 */
import type { IncomingMessage } from "node:http";
import { parse as parseYaml } from "yaml";
import { BerthError, ErrorCode, errorMessage } from "../../common/errors.js";
import { unsupported } from "./status.js";

/** kube-apiserver: MaxRequestBodyBytes, 3 MiB. */
export const MAX_REQUEST_BODY_BYTES = 3 * 1024 * 1024;

/** The body, or RequestEntityTooLarge as soon as it is known to be longer than `limit`. */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers["content-length"] ?? "0");
  if (declared > limit) return Promise.reject(tooLarge(limit));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const done = (err?: unknown) => {
      req.off("data", onData);
      req.off("end", onEnd);
      req.off("error", done);
      req.off("aborted", onAborted);
      if (err === undefined) resolve(Buffer.concat(chunks));
      else reject(err instanceof Error ? err : new Error(String(err)));
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) return void chunks.push(chunk);
      req.pause();
      done(tooLarge(limit));
    };
    const onEnd = () => done();
    const onAborted = () =>
      done(new BerthError(ErrorCode.BadRequest, "the client closed the connection before the body ended"));
    req.on("data", onData);
    req.once("end", onEnd);
    req.once("error", done);
    req.once("aborted", onAborted);
  });
}

/** apimachinery: NewRequestEntityTooLargeError("limit is N"). */
function tooLarge(limit: number): BerthError {
  return unsupported("RequestEntityTooLarge", `Request entity too large: limit is ${limit}`);
}

/** Parses JSON, or YAML for YAML media types (apply-patch+yaml, application/yaml). */
export function parseBody(body: Buffer, type: string): unknown {
  const text = body.toString("utf8");
  if (text.trim() === "") throw new BerthError(ErrorCode.BadRequest, "the request body is empty");
  try {
    if (type.endsWith("yaml")) return parseYaml(text, { maxAliasCount: 100 }) as unknown;
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new BerthError(ErrorCode.BadRequest, `the request body is malformed: ${errorMessage(err)}`, {
      cause: err,
    });
  }
}
