/** API paths: /api/v1/... for the core group, /apis/<group>/<version>/... for the others. */
import { BerthError, ErrorCode } from "../common/errors.js";

export interface ResourcePathOptions {
  /** "" or absent for the core group. */
  readonly group?: string;
  readonly version?: string;
  /** Plural resource name: "pods", "nodes", "leases". */
  readonly resource: string;
  readonly namespace?: string;
  readonly name?: string;
  /** "status", "binding", "log", ... (needs a name). */
  readonly subresource?: string;
}

const SEGMENT = /^[A-Za-z0-9][A-Za-z0-9._:-]*$/;

function segment(value: string, what: string): string {
  if (!SEGMENT.test(value))
    throw new BerthError(ErrorCode.Invalid, `${what} ${JSON.stringify(value)} is not a valid path segment`);
  return encodeURIComponent(value);
}

export function resourcePath(options: ResourcePathOptions): string {
  const { group = "", version = "v1", resource, namespace, name, subresource } = options;
  const parts =
    group === ""
      ? ["api", segment(version, "version")]
      : ["apis", segment(group, "group"), segment(version, "version")];
  if (namespace !== undefined) parts.push("namespaces", segment(namespace, "namespace"));
  parts.push(segment(resource, "resource"));
  if (name !== undefined) parts.push(segment(name, "name"));
  if (subresource !== undefined) {
    if (name === undefined)
      throw new BerthError(ErrorCode.Invalid, `subresource ${subresource} needs a name`);
    parts.push(segment(subresource, "subresource"));
  }
  return `/${parts.join("/")}`;
}
