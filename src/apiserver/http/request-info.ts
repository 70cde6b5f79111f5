/** Parses a resource URL (/api/v1/..., /apis/g/v/...) into what the handler needs. */
import { BerthError, ErrorCode } from "../../common/errors.js";

export interface ResourceRequest {
  readonly group: string;
  readonly version: string;
  readonly namespace?: string;
  readonly resource: string;
  readonly name?: string;
  readonly subresource?: string;
}

const NAMESPACE_SUBRESOURCES = new Set(["status", "finalize"]);

/** undefined when the path is not under /api/v1 or /apis/{group}/{version}/{resource}. */
export function parseResourcePath(pathname: string): ResourceRequest | undefined {
  const parts = pathname.split("/").filter((p) => p !== "");
  let group: string;
  let version: string;
  let rest: string[];
  if (parts[0] === "api" && parts.length >= 3) {
    group = "";
    version = parts[1] ?? "";
    rest = parts.slice(2);
  } else if (parts[0] === "apis" && parts.length >= 4) {
    group = parts[1] ?? "";
    version = parts[2] ?? "";
    rest = parts.slice(3);
  } else {
    return undefined;
  }
  rest = rest.map(decode);
  // /namespaces/{name}/status and /finalize are the namespace's own subresources.
  if (rest[0] === "namespaces" && rest.length >= 3 && !NAMESPACE_SUBRESOURCES.has(rest[2] ?? "")) {
    const [, namespace, resource, name, subresource, ...extra] = rest;
    if (extra.length > 0) return undefined;
    return {
      group,
      version,
      namespace,
      resource: resource ?? "",
      ...(name !== undefined ? { name } : {}),
      ...(subresource !== undefined ? { subresource } : {}),
    };
  }
  const [resource, name, subresource, ...extra] = rest;
  if (extra.length > 0 || resource === undefined) return undefined;
  return {
    group,
    version,
    resource,
    ...(name !== undefined ? { name } : {}),
    ...(subresource !== undefined ? { subresource } : {}),
  };
}

function decode(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    throw new BerthError(ErrorCode.BadRequest, `malformed path segment ${JSON.stringify(part)}`);
  }
}
