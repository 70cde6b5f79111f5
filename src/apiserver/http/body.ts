/** Request bodies: size-limited, parsed as JSON or YAML; malformed input is a 400, never a crash. */
import type { IncomingMessage } from "node:http";
import { parse as parseYaml } from "yaml";
import { BerthError, ErrorCode, errorMessage } from "../../common/errors.js";
import { unsupported } from "./status.js";

/** kube-apiserver: MaxRequestBodyBytes, 3 MiB. */
export const MAX_REQUEST_BODY_BYTES = 3 * 1024 * 1024;

export async function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers["content-length"] ?? "0");
  if (declared > limit) throw tooLarge(limit);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw tooLarge(limit);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

function tooLarge(limit: number): BerthError {
  return unsupported("RequestEntityTooLarge", `the request body is larger than the limit of ${limit} bytes`);
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
