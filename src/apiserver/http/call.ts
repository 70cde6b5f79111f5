/** One resource request in flight, and how an object is answered (JSON, or a Table when asked). */
import type { IncomingMessage, ServerResponse } from "node:http";
import { type KubeObject, type ResourceDefinition, type ResourceStore } from "../registry/index.js";
import type { UserInfo } from "./authn.js";
import type { ApiContext } from "./context.js";
import { wantsTable } from "./media.js";
import type { ResourceRequest } from "./request-info.js";
import type { Selection } from "./request-params.js";
import { writeJson } from "./respond.js";
import { parseIncludeObject, toTable } from "./table.js";

export interface Call {
  readonly ctx: ApiContext;
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly query: URLSearchParams;
  readonly info: ResourceRequest;
  readonly def: ResourceDefinition;
  readonly store: ResourceStore;
  readonly verb: string;
  readonly user: UserInfo;
  readonly select: Selection;
}

export function respondObject(call: Call, code: number, obj: KubeObject): void {
  const accept = call.req.headers.accept ?? "";
  if (wantsTable(accept)) {
    writeJson(
      call.res,
      code,
      toTable(call.def, [obj], {
        include: parseIncludeObject(call.query.get("includeObject")),
        now: call.ctx.now(),
        withColumns: true,
        ...(obj.metadata.resourceVersion !== undefined
          ? { resourceVersion: obj.metadata.resourceVersion }
          : {}),
      }),
    );
    return;
  }
  writeJson(call.res, code, obj);
}
