/**
 * nodes/{name}/proxy/{path}: any request to a node's agent, as `kubectl get --raw
 * /api/v1/nodes/N/proxy/metrics` sends it (kube-apiserver's node proxy REST). Authorized as the
 * nodes/proxy subresource with the verb of the method.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Duplex } from "node:stream";
import { BerthError, ErrorCode } from "../../common/errors.js";
import { agentAddress } from "./agent-target.js";
import type { UserInfo } from "./authn.js";
import type { ApiContext } from "./context.js";

export interface NodeProxyRequest {
  readonly node: string;
  /** The agent path, with the query string. */
  readonly path: string;
}

const NODE_PROXY = /^\/api\/v1\/nodes\/([^/]+)\/proxy(\/.*)?$/;
const METHOD_VERBS: Readonly<Record<string, string>> = {
  GET: "get",
  HEAD: "get",
  POST: "create",
  PUT: "update",
  PATCH: "patch",
  DELETE: "delete",
};

/** The node and agent path of a nodes/proxy URL, or undefined for any other URL. */
export function matchNodeProxy(url: URL): NodeProxyRequest | undefined {
  const m = NODE_PROXY.exec(url.pathname);
  if (m === null) return undefined;
  let node: string;
  try {
    node = decodeURIComponent(m[1] ?? "");
  } catch {
    throw new BerthError(ErrorCode.BadRequest, `malformed node name ${JSON.stringify(m[1])}`);
  }
  return { node, path: `${m[2] ?? "/"}${url.search}` };
}

async function endpointOf(ctx: ApiContext, user: UserInfo, method: string, request: NodeProxyRequest) {
  await ctx.authorizer.authorize({
    user,
    verb: METHOD_VERBS[method] ?? "proxy",
    group: "",
    resource: "nodes",
    subresource: "proxy",
    name: request.node,
  });
  const nodes = ctx.store("", "nodes");
  if (nodes === undefined) throw new BerthError(ErrorCode.Internal, "nodes are not served");
  return agentAddress(await nodes.get(undefined, request.node));
}

export async function serveNodeProxy(
  ctx: ApiContext,
  req: IncomingMessage,
  res: ServerResponse,
  user: UserInfo,
  request: NodeProxyRequest,
): Promise<void> {
  const endpoint = await endpointOf(ctx, user, req.method ?? "GET", request);
  await ctx.proxy.forward(req, res, endpoint, request.path);
}

export async function upgradeNodeProxy(
  ctx: ApiContext,
  req: IncomingMessage,
  socket: Duplex,
  head: Buffer,
  user: UserInfo,
  request: NodeProxyRequest,
): Promise<void> {
  const endpoint = await endpointOf(ctx, user, req.method ?? "GET", request);
  await ctx.proxy.upgrade(req, socket, head, endpoint, request.path);
}
