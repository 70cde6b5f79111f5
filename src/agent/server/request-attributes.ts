/**
 * What a request to the agent's server is authorized as (kubelet: server/auth.go
 * GetRequestAttributes): the verb from the method, resource nodes named after this node, and the
 * subresource from the path: stats, metrics, log, else proxy (exec, logs of containers, pods...).
 */

export interface NodeRequestAttributes {
  readonly verb: string;
  readonly resource: "nodes";
  readonly subresource: string;
  readonly name: string;
}

const METHOD_VERBS: Readonly<Record<string, string>> = {
  POST: "create",
  GET: "get",
  HEAD: "get",
  PUT: "update",
  PATCH: "patch",
  DELETE: "delete",
};

/** Path prefixes with their own subresource; everything else is nodes/proxy. */
const SUBRESOURCE_PATHS: readonly (readonly [string, string])[] = [
  ["/stats", "stats"],
  ["/metrics", "metrics"],
  ["/logs", "log"],
];

function isSubpath(path: string, prefix: string): boolean {
  return path === prefix || path.startsWith(`${prefix}/`);
}

export function requestAttributes(method: string, path: string, nodeName: string): NodeRequestAttributes {
  const found = SUBRESOURCE_PATHS.find(([prefix]) => isSubpath(path, prefix));
  return {
    verb: METHOD_VERBS[method.toUpperCase()] ?? "*",
    resource: "nodes",
    subresource: found?.[1] ?? "proxy",
    name: nodeName,
  };
}
