/** One resource request in flight, and how an object is answered (JSON, or a Table when asked). */
import type { IncomingMessage, ServerResponse } from "node:http";
import {
  type KubeObject,
  type ObjectAdmission,
  type ResourceDefinition,
  type ResourceStore,
} from "../registry/index.js";
import type { UserInfo } from "./authn.js";
import type { ApiContext } from "./context.js";
import { wantsTable } from "./media.js";
import type { ResourceRequest } from "./request-info.js";
import type { Selection } from "./request-params.js";
import { writeJson } from "./respond.js";
import { parseIncludeObject, toTable } from "./table.js";
import { addWarning } from "./warnings.js";

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

/** The admission chain bound to this request: its kind, namespace and user; warnings go to the answer. */
export function admissionFor(call: Call, dryRun: boolean): ObjectAdmission {
  return call.ctx.admission.forRequest({
    def: call.def,
    namespace: call.info.namespace,
    user: call.user,
    dryRun,
    warn: (text) => addWarning(call.res, text),
  });
}
